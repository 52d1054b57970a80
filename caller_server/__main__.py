"""``python -m caller_server``: the same as the ``caller-server`` command."""

from caller_server.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
