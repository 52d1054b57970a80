"""The main window: header, caller screen and sync status; ending a session."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import Connectivity
from caller_app.ui.caller_screen import CallerScreen
from caller_app.ui.resources import icon
from caller_app.ui.screen_fit import fit_window
from caller_app.ui.status_bar import SyncStatusBar
from caller_app.ui.summary_dialog import SummaryDialog
from caller_app.ui.text_size import TextSize
from caller_app.ui.viewmodels import CallerViewModel

SPLITTER_KEY = "main/columns"


class MainWindow(QMainWindow):
    session_ended = Signal()

    def __init__(
        self, model: CallerViewModel, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.settings = settings
        self.summary: SummaryDialog | None = None
        self._ended = False
        campaign = model.campaign
        self.setWindowTitle(self.tr("{name} · Phone bank").format(name=campaign.name))
        self.setWindowIcon(icon("app"))

        title = QLabel(campaign.name)
        title.setObjectName("heading")
        title.setTextFormat(Qt.TextFormat.PlainText)
        who = QLabel(
            self.tr("{candidate} · {seat} · signed in as {name}").format(
                candidate=campaign.candidate, seat=campaign.seat, name=model.account.name
            )
        )
        who.setObjectName("hint")
        who.setTextFormat(Qt.TextFormat.PlainText)
        self.end_button = QPushButton(icon("end"), self.tr("End session"))
        self.end_button.setToolTip(self.tr("End the session and see your summary (Ctrl+Q)"))
        self.end_button.setAccessibleDescription(
            self.tr("Uploads what it can, hands back unworked contacts and shows a summary")
        )
        self.end_button.setAutoDefault(False)
        self.end_button.clicked.connect(self.end_session)
        header = QHBoxLayout()
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(title)
        names.addWidget(who)
        header.addLayout(names, 1)
        header.addWidget(self.end_button, 0, Qt.AlignmentFlag.AlignTop)

        self.screen_ = CallerScreen(model)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addLayout(header)
        layout.addWidget(self.screen_, 1)
        self.setCentralWidget(central)

        self.status = SyncStatusBar()
        self.setStatusBar(self.status)
        model.status_changed.connect(self.status.set_status)
        model.attention_changed.connect(self.status.set_attention)
        self.status.retry_requested.connect(model.retry_attention)
        self.status.set_status(model.status)

        QWidget.setTabOrder(self.screen_.progress.leaderboard_opt_in, self.end_button)
        quit_shortcut = QShortcut(QKeySequence("Ctrl+Q"), self)
        quit_shortcut.activated.connect(self.end_session)
        self.text_size = TextSize(settings, self)  # Ctrl+= / Ctrl+- / Ctrl+0, remembered
        self._restore()

    # --- remembered layout ---
    def _restore(self) -> None:
        geometry = self.settings.value("main/geometry")
        restored = geometry is not None and self.restoreGeometry(geometry)
        fit_window(self, restored)  # inside the available screen, whatever was saved
        # Restored once shown: before that the splitter has no width of its own yet and
        # would rescale the saved sizes when it gets one. (A new key: the three-column
        # sizes saved by older versions do not fit the two columns.)
        self._splitter_state = self.settings.value(SPLITTER_KEY)
        self.screen_.progress.leaderboard_opt_in.setChecked(
            bool(self.settings.value("main/leaderboard", False, type=bool))
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._splitter_state is not None:
            self.screen_.splitter.restoreState(self._splitter_state)
            self._splitter_state = None

    def save_layout(self) -> None:
        self.settings.setValue("main/geometry", self.saveGeometry())
        pending = self._splitter_state  # never shown: keep what was saved
        splitter = pending if pending is not None else self.screen_.splitter.saveState()
        self.settings.setValue(SPLITTER_KEY, splitter)
        self.settings.setValue(
            "main/leaderboard", self.screen_.progress.leaderboard_opt_in.isChecked()
        )
        self.settings.sync()

    # --- ending ---
    @Slot()
    def end_session(self) -> None:
        """Show the summary while unworked contacts go back; closing it quits."""
        if self._ended:
            return
        self._ended = True
        self.save_layout()
        stats = self.model.end_session()
        elapsed = int((dt.datetime.now(dt.UTC) - stats.started_at).total_seconds())
        self.summary = SummaryDialog(stats, self.model.outcome_labels(), elapsed, self)
        self.model.released.connect(self._on_released)
        self.model.stats_changed.connect(self.summary.set_stats)
        self.summary.finished.connect(self._finish)
        self.summary.open()

    @Slot(int)
    def _on_released(self, count: int) -> None:
        if self.summary is not None:
            offline = self.model.status.connectivity is not Connectivity.ONLINE
            self.summary.set_released(count, offline)

    @Slot()
    def _finish(self) -> None:
        self.model.shutdown()
        self.session_ended.emit()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._ended:
            event.ignore()
            self.end_session()
            return
        self.save_layout()
        super().closeEvent(event)
