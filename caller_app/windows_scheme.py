"""Register the `caller-app:` URL scheme for this Windows user at start-up (issue 14).

Windows looks up a scheme under `HKEY_CURRENT_USER\\Software\\Classes\\caller-app`
(no administrator rights needed): the key's default value names the protocol, an empty
`URL Protocol` value marks it as one, and `shell\\open\\command` runs the app with the
link as its argument ("Registering an Application to a URL Protocol", Microsoft Learn).
Written each start, so a moved or upgraded bundle is found. Only runs on Windows (the
import of `winreg` fails elsewhere); it cannot be tested on the Linux CI, so this follows
the documentation, and the release workflow's Windows self-test only imports it.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)
SCHEME = "caller-app"


def command_line() -> str:
    """`"C:\\…\\caller-app.exe" "%1"` for the bundle; the interpreter and module otherwise."""
    if getattr(sys, "frozen", False):
        return f'"{sys.executable}" "%1"'
    return f'"{sys.executable}" -m caller_app "%1"'


def register_url_scheme() -> bool:
    """Write the per-user keys; False (logged) when the registry refuses."""
    if sys.platform != "win32":
        return False
    import winreg

    base = rf"Software\Classes\{SCHEME}"
    try:
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, base) as key:
            winreg.SetValueEx(key, "", 0, winreg.REG_SZ, "URL:Phone bank caller app")
            winreg.SetValueEx(key, "URL Protocol", 0, winreg.REG_SZ, "")
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, rf"{base}\shell\open\command") as key:
            winreg.SetValueEx(key, "", 0, winreg.REG_SZ, command_line())
    except OSError as exc:
        log.info("could not register the caller-app: links (%s)", type(exc).__name__)
        return False
    return True
