"""A bare PySide6 window: the baseline that bench/bundle.py compares the app bundle with.

It is bundled exactly like the app (same Qt slimming rules, onedir, no UPX), so the
size and start-up ratios measure what the app itself adds.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel


class _ShownWatcher(QObject):
    """Prints `shown` and quits on the window's first Show event (for --exit-when-shown)."""

    def __init__(self, app: QApplication, exit_when_shown: bool) -> None:
        super().__init__()
        self._app = app
        self._exit = exit_when_shown
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and not self._done:
            self._done = True
            print("shown", flush=True)
            if self._exit:
                QTimer.singleShot(0, self._app.quit)
        return False


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    app = QApplication(argv)
    window = QLabel("Hello")
    window.setWindowTitle("hello")
    window.resize(320, 120)
    watcher = _ShownWatcher(app, exit_when_shown="--exit-when-shown" in argv)
    window.installEventFilter(watcher)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
