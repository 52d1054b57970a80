"""`caller-app`: start-up in a fixed order.

1. arguments (`--version` answers before anything else is loaded)
2. paths (`--data-dir`), 3. logging, 4. QApplication, translations (`--lang`), theme
   and crash handler,
5. the launcher: practice server or sign-in, campaign, caller screen.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from caller_app import __version__

log = logging.getLogger("caller_app")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="caller-app", description="Phone bank caller app for campaign volunteers."
    )
    parser.add_argument(
        "--demo", action="store_true", help="practice mode: a built-in server with a demo campaign"
    )
    parser.add_argument("--server", metavar="URL", help="the phone bank server to sign in to")
    parser.add_argument(
        "invite",
        nargs="?",
        default="",
        metavar="INVITE",
        help="an invite link from your organiser (https://…/join/CODE or caller-app://join?…)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="PATH",
        help="keep data, settings and logs in PATH (tests, development)",
    )
    parser.add_argument("--version", action="version", version=f"caller-app {__version__}")
    parser.add_argument(
        "--theme",
        choices=("auto", "light", "dark"),
        default="auto",
        help="colour scheme (default: follow the operating system)",
    )
    parser.add_argument(
        "--lang",
        metavar="LANG",
        help="language of the app, e.g. cy for Welsh (default: the computer's); "
        "needs a caller-app_LANG.qm translation file",
    )
    parser.add_argument(
        "--exit-after-first-contact", action="store_true", help=argparse.SUPPRESS
    )  # benchmarks: time to first contact
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that the app can start on this computer, then exit",
    )
    return parser.parse_args(argv)


def install_excepthook() -> None:
    """Log any uncaught exception with its traceback and tell the volunteer in a dialog."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.critical("uncaught exception", exc_info=(kind, exc, tb))
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            traceback.print_exception(kind, exc, tb)
            return
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            QCoreApplication.translate("Crash", "Something went wrong"),
            QCoreApplication.translate(
                "Crash",
                "The caller app hit a problem it did not expect. Your saved "
                "results are safe. Details are in the log file; please send it "
                "to your organiser.",
            ),
        )
        box.setDetailedText("".join(traceback.format_exception_only(kind, exc)))
        box.exec()

    sys.excepthook = hook


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    from caller_app import paths
    from caller_app.logs import setup_logging

    if args.data_dir:
        paths.set_data_dir(args.data_dir)
    log_file = setup_logging(paths.log_dir())
    log.info("caller-app %s starting (demo=%s)", __version__, args.demo)
    if args.self_test:  # before our QApplication: it runs offscreen on a throwaway folder
        from caller_app.selftest import run

        return run()

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from caller_app.ui import single_instance
    from caller_app.ui.gc_guard import GuiThreadCollector
    from caller_app.ui.resources import icon
    from caller_app.ui.splash import Splash
    from caller_app.ui.theme import apply_theme
    from caller_app.ui.translations import install_translations

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    # A second launch with an invite (a clicked caller-app:// link) hands it to the
    # running app and leaves (issue 14).
    instance_name = single_instance.server_name(paths.data_dir())
    if args.invite and single_instance.forward(instance_name, args.invite):
        log.info("invite handed to the running app")
        return 0
    app.setApplicationName("caller-app")
    install_translations(args.lang)  # before any window, so every window is translated
    app.setApplicationDisplayName(QCoreApplication.translate("App", "Phone bank"))
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icon("app"))
    app.setQuitOnLastWindowClosed(False)
    collector = GuiThreadCollector(parent=app)  # Qt objects are freed on their own thread
    apply_theme(app, args.theme)
    install_excepthook()
    # Something on screen before the store, SQLAlchemy and requests load (about a second
    # on a slow laptop), so a double-click never looks as if nothing happened.
    splash = Splash()
    splash.show()
    app.processEvents()

    from caller_app.app import build_core
    from caller_app.ui.launcher import Launcher

    core = build_core()  # the store on paths.db_path(), credentials, the client
    launcher = Launcher(
        data_dir=paths.data_dir(),
        server_url=args.server,
        core=core,
        demo=args.demo,
        exit_after_first_contact=args.exit_after_first_contact,
        splash=splash,
        invite=args.invite,
    )
    instance = single_instance.InstanceServer(instance_name, parent=app)
    instance.received.connect(launcher.handle_invite)
    instance.listen()
    url_opens = single_instance.UrlOpenFilter(app)
    url_opens.received.connect(launcher.handle_invite)
    app.installEventFilter(url_opens)
    if getattr(sys, "frozen", False):  # the bundle claims caller-app: links for this user
        # registry and file writes: on the core's task thread, never the GUI's
        if sys.platform == "win32":
            from caller_app.windows_scheme import register_url_scheme

            core.submit(register_url_scheme, lambda _: None, lambda _: None)
        elif sys.platform.startswith("linux"):
            from caller_app.desktop_entry import install

            core.submit(lambda: install(Path(sys.executable)), lambda _: None, lambda _: None)
    launcher.finished.connect(app.exit)
    launcher.start()
    code = app.exec()
    instance.close()
    launcher.close()  # waits for the core's threads
    collector.stop()
    core.store.close()
    log.info("caller-app exiting with %d (log: %s)", code, log_file)
    return code


if __name__ == "__main__":
    sys.exit(main())
