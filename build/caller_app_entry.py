"""PyInstaller's entry script: runs the app exactly as the `caller-app` gui-script does.

A script of its own because caller_app/__main__.py uses package-relative imports, which
break when PyInstaller runs that file as a top-level script.
"""

import sys

from caller_app.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
