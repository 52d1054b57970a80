"""``caller-server``: the organiser's command line.

Every command runs in one transaction: bad input ends with a non-zero exit status,
one line on stderr and the database as it was. Anything unexpected is also one line;
its traceback is logged at debug level (``--verbose`` shows it).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import ipaddress
import logging
import os
import shutil
import socket
import ssl
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from caller_server import recovery, schema
from caller_server.db import make_engine, resolve_db_url, session_factory
from caller_server.timeutil import utcnow

log = logging.getLogger("caller_server.cli")
PROG = "caller-server"
ENV_FORWARDED = "CALLER_SERVER_FORWARDED_ALLOW_IPS"
MAX_PROBLEM_LINES = 50
_MAX_ID = 2**31 - 1  # PostgreSQL's integer


class CliError(Exception):
    """Bad input or state: the message is the one line the organiser sees."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the usage too; the contract is one line on stderr.
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _record_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= _MAX_ID:
        raise argparse.ArgumentTypeError(f"{text!r} is not an id (a positive whole number)")
    return value


def _bounded(low: int, high: int, what: str):  # type: ignore[no-untyped-def]
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, not {text!r}")
        return value

    return parse


_port = _bounded(1, 65535, "port")


def _minutes(text: str) -> float:
    """A positive number of minutes, at most a day (a typo must not stop leasing for weeks)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 24 * 60:
        raise argparse.ArgumentTypeError(f"minutes must be above 0 and at most 1440, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    # Global options live on a parent parser so they work before or after the command;
    # SUPPRESS keeps a subcommand's absent option from hiding the main parser's value.
    common = _Parser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: env CALLER_SERVER_DB, else a SQLite "
                             "file in the user data folder)")  # fmt: skip
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log details, including tracebacks, to stderr")  # fmt: skip
    parser = _Parser(prog=PROG, parents=[common], description="Virtual phone bank server.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)  # fmt: skip

    def add(parent, name: str, help_: str) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        parser: argparse.ArgumentParser = parent.add_parser(
            name, parents=[common], help=help_, description=help_
        )
        return parser

    add(commands, "init", "create or upgrade the database schema")

    group = add(commands, "volunteer", "manage volunteers").add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=_Parser
    )
    p = add(group, "add", "add a volunteer; the password is read from stdin")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="full name, as teammates will see it")
    p.add_argument("--organiser", action="store_true", help="may export results")
    volunteer = group

    group = add(commands, "campaign", "manage campaigns").add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=_Parser
    )
    p = add(group, "create", "create a campaign from a TOML file; prints its id")
    p.add_argument("file", metavar="FILE.toml", type=Path)
    campaign = group

    group = add(commands, "contacts", "manage contacts").add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=_Parser
    )
    p = add(group, "import", "import a campaign's contacts from CSV")
    p.add_argument("campaign_id", metavar="CAMPAIGN_ID", type=_record_id)
    p.add_argument("file", metavar="FILE.csv", type=Path)
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the good rows even when some are bad")  # fmt: skip
    contacts_import = p

    suppress = add(commands, "suppress", "manage the do-not-call list").add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=_Parser
    )

    group = add(commands, "results", "export results").add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=_Parser
    )
    p = add(group, "export", "export a campaign's results as CSV")
    p.add_argument("campaign_id", metavar="CAMPAIGN_ID", type=_record_id)
    p.add_argument("-o", "--output", metavar="FILE.csv", type=Path,
                   help="write here instead of stdout")  # fmt: skip
    cli_admin.add_arguments(campaign, contacts_import, suppress, p, add, _record_id)
    cli_accounts.add_arguments(volunteer, campaign, add, _record_id)

    p = add(commands, "serve", "run the server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8765)
    p.add_argument("--workers", type=_bounded(1, 64, "workers"), default=1)
    p.add_argument("--ssl-certfile", metavar="CERT.pem", type=Path,
                   help="serve HTTPS with this certificate (chain), for a team without a "
                        "proxy or load balancer in front")  # fmt: skip
    p.add_argument("--ssl-keyfile", metavar="KEY.pem", type=Path,
                   help="the certificate's private key")  # fmt: skip
    p.add_argument("--forwarded-allow-ips", metavar="IPS",
                   default=os.environ.get(ENV_FORWARDED, "127.0.0.1"),
                   help="comma-separated addresses of proxies whose X-Forwarded-For "
                        "header names the client (sign-in throttling counts per client); "
                        f"'*' trusts any. Default: env {ENV_FORWARDED}, "
                        "else 127.0.0.1")  # fmt: skip
    p.add_argument("--downloads", metavar="DIR", type=Path,
                   help="a folder holding the app's release zips (caller-app-windows.zip, "
                        "caller-app-macos.zip, caller-app-linux.zip), offered on the join "
                        "and download pages. Default: env CALLER_SERVER_DOWNLOADS")  # fmt: skip

    p = add(
        commands,
        "restored",
        "after restoring a backup: lease no contacts for a while, "
        "so that the apps send back the results the backup lacks",
    )
    p.add_argument("--minutes", type=_minutes, default=None,
                   help="how long (default 30, or the longest lease_minutes + 1 if longer; "
                        "shorter than that warns)")  # fmt: skip

    p = add(commands, "demo", "run a throw-away demo server (volunteer demo/demo; ignores --db)")
    p.add_argument("--port", type=_port, default=8765)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler = _HANDLERS[(args.command, getattr(args, "action", None))]
    try:
        # The demo brings its own database: do not create the default folder for it.
        url = "" if args.command == "demo" else resolve_db_url(getattr(args, "db", None))
        return int(handler(args, url))
    except (CliError, ValueError) as exc:  # the input modules' errors are ValueErrors
        log.debug("bad input", exc_info=True)
        return _fail(_first_line(exc))
    except ArgumentError as exc:  # includes an unknown dialect in the URL
        log.debug("bad database URL", exc_info=True)
        return _fail(f"not a usable database URL: {_first_line(exc)}")
    except IntegrityError as exc:
        log.debug("integrity error", exc_info=True)
        return _fail(f"the database refused the change: {_first_line(exc.orig)}")
    except DBAPIError as exc:
        log.debug("database error", exc_info=True)
        return _fail(f"database error: {_first_line(exc.orig)}")
    except KeyboardInterrupt:
        return _fail("interrupted", status=130)
    except Exception as exc:
        log.debug("unexpected error", exc_info=True)
        hint = "" if verbose else "; run with --verbose for details"
        return _fail(f"unexpected {type(exc).__name__}: {_first_line(exc)}{hint}")


def _fail(message: str, status: int = 1) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def _first_line(exc: object) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- database helpers -----------------------------------------------------------------


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database)
    return None


def _existing_sqlite_file(url: str) -> None:
    """Refuse a SQLite path that does not exist, instead of creating an empty file."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        raise CliError(f"no database at {path}; run '{PROG} init' first")


def _check_schema(url: str) -> None:
    _existing_sqlite_file(url)
    try:
        current = schema.current_revision(url)
    except DBAPIError as exc:
        raise CliError(f"cannot open the database {_shown(url)}: {_first_line(exc.orig)}") from None
    head = schema.head_revision()
    if current is None:
        raise CliError(f"the database has no schema yet; run '{PROG} init' first")
    if current != head:
        raise CliError(
            f"the database schema is at revision {current}, this version needs {head}; "
            f"run '{PROG} init' to upgrade it"
        )


@contextlib.contextmanager
def _transaction(
    url: str, engine_factory: Callable[[str], Engine] = make_engine
) -> Iterator[Session]:
    """One session, one transaction: committed on success, rolled back on any error."""
    _check_schema(url)
    engine = engine_factory(url)
    try:
        with session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


# --- commands ---------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, url: str) -> int:
    path = _sqlite_path(url)
    if path is not None and not path.parent.is_dir():
        raise CliError(f"no folder {path.parent} for the database; create it first")
    try:
        schema.upgrade(url)
    except DBAPIError as exc:
        raise CliError(f"cannot open the database {_shown(url)}: {_first_line(exc.orig)}") from None
    print(f"database {_shown(url)} is at revision {schema.current_revision(url)}")
    return 0


def _read_password() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if password and getpass.getpass("Repeat the password: ") != password:
            raise CliError("the passwords do not match")
    else:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        password = line.rstrip("\r\n")
    if not password:
        raise CliError("the password is empty; give it on stdin")
    return password


def cmd_volunteer_add(args: argparse.Namespace, url: str) -> int:
    from caller_server.auth import create_volunteer

    _check_schema(url)  # before asking for a password that cannot be stored
    password = _read_password()
    with _transaction(url) as session:
        from caller_server import accounts, audit
        from caller_server.models import Volunteer, username_key

        accounts.check_username(args.username)
        taken = session.query(Volunteer.id).filter_by(username_key=username_key(args.username))
        if taken.first() is not None:
            raise CliError(f"volunteer {args.username.strip()!r} already exists")
        accounts.check_password(password, args.username)
        volunteer = create_volunteer(session, args.username, args.name, password, args.organiser)
        role = volunteer.role
        audit.record(session, None, "volunteer_added", None, volunteer_id=volunteer.id, role=role)
    print(f"added {role} {args.username.strip()!r}")
    return 0


def _check_port(host: str, port: int) -> None:
    """Say so plainly when the port is taken, before the server starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise CliError(f"cannot resolve host {host!r}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise CliError(
                f"cannot listen on {host}:{port} ({exc.strerror}); try another --port"
            ) from None


def _check_tls(certfile: Path | None, keyfile: Path | None) -> None:
    """Both files or neither, and they must load: one line now, not a traceback later."""
    if certfile is None and keyfile is None:
        return
    if certfile is None or keyfile is None:
        raise CliError("--ssl-certfile and --ssl-keyfile go together; give both")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise CliError(f"cannot use {certfile} with {keyfile} for HTTPS: {reason}") from None


def _is_loopback(host: str) -> bool:
    """Whether only this computer can reach `host` (a name counts if all it resolves to is)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def cmd_serve(args: argparse.Namespace, url: str) -> int:
    from caller_server import server

    _check_schema(url)
    _check_port(args.host, args.port)
    _check_tls(args.ssl_certfile, args.ssl_keyfile)
    if args.ssl_certfile is None and not _is_loopback(args.host):
        print(f"{PROG}: warning: serving plain HTTP on {args.host}: passwords and call "
              "results cross the network unencrypted. Use --ssl-certfile and --ssl-keyfile, "
              "or a proxy that serves HTTPS in front.", file=sys.stderr, flush=True)  # fmt: skip
    if args.downloads is not None:
        if not args.downloads.is_dir():
            return _fail(f"--downloads {args.downloads}: no such folder")
        os.environ["CALLER_SERVER_DOWNLOADS"] = str(args.downloads.resolve())
    server.run(
        url,
        args.host,
        args.port,
        args.workers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    return 0


def cmd_restored(args: argparse.Namespace, url: str) -> int:
    _check_schema(url)
    with _transaction(url) as session:
        safe = recovery.shortest_safe_minutes(session)
        minutes = recovery.default_minutes(session) if args.minutes is None else args.minutes
        if minutes < safe:
            print(f"warning: {minutes:g} minutes is shorter than the longest lease plus a "
                  f"margin ({safe:g}); a volunteer whose app is not running now may still "
                  "be calling someone the backup forgot, and that person could be handed "
                  "to a second volunteer", file=sys.stderr)  # fmt: skip
        until = recovery.start(session, utcnow(), minutes)
    print(f"no contacts will be leased until {until:%H:%M:%S} UTC, while the apps send "
          "back the results this backup lacks; uploads carry on")  # fmt: skip
    return 0


def cmd_demo(args: argparse.Namespace, url: str) -> int:
    from caller_server import server
    from caller_server.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo

    _check_port("127.0.0.1", args.port)
    folder = tempfile.mkdtemp(prefix="caller-server-demo-")
    try:
        db_url = f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        seed_demo(db_url)
        print(f"Demo server: http://127.0.0.1:{args.port}")
        print(f"Sign in as {DEMO_USERNAME} / {DEMO_PASSWORD}")
        print("Press Ctrl+C to stop; the demo database is deleted then.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.run(db_url, "127.0.0.1", args.port, 1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


# The organiser's commands live in cli_admin.py, which imports the helpers above.
from caller_server import cli_accounts, cli_admin  # noqa: E402

_HANDLERS = {
    **cli_admin.HANDLERS,
    **cli_accounts.HANDLERS,
    ("init", None): cmd_init,
    ("volunteer", "add"): cmd_volunteer_add,
    ("serve", None): cmd_serve,
    ("restored", None): cmd_restored,
    ("demo", None): cmd_demo,
}


__all__ = ["CliError", "build_parser", "main"]
