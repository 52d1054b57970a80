"""The main window: header, caller screen and sync status; ending a session."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import Connectivity
from caller_app.ui.attention_dialog import AttentionDialog
from caller_app.ui.attention_model import AttentionViewModel
from caller_app.ui.caller_screen import CallerScreen
from caller_app.ui.resources import icon
from caller_app.ui.save_first_dialog import SaveChoice, SaveFirstDialog
from caller_app.ui.screen_fit import fit_window
from caller_app.ui.status_bar import SyncStatusBar
from caller_app.ui.summary_dialog import EndChoice, SummaryDialog
from caller_app.ui.text_size import TextSize
from caller_app.ui.viewmodels import CallerViewModel

SPLITTER_KEY = "main/columns"


class MainWindow(QMainWindow):
    session_ended = Signal()  # Finish: contacts handed back; the app quits
    switch_requested = Signal()  # Switch campaign: contacts handed back; pick another

    def __init__(
        self, model: CallerViewModel, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.settings = settings
        self.summary: SummaryDialog | None = None
        self.save_first: SaveFirstDialog | None = None
        self.attention_dialog: AttentionDialog | None = None
        self._ended = False
        self._choice: EndChoice | None = None
        self._focus_before: QWidget | None = None
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
        self.end_button.setToolTip(self.tr("See your summary, then finish or switch (Ctrl+Q)"))
        self.end_button.setAccessibleDescription(
            self.tr(
                "Shows a summary; from there keep calling, switch campaign or finish "
                "(which hands back the contacts you did not call)"
            )
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
        self.screen_.extras.dock_session_buttons(header, 1)  # no row of their own
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
        self.status.attention_requested.connect(self.show_attention)
        model.status_changed.connect(self._refresh_summary)  # uploads go on meanwhile
        self.status.set_status(model.status)

        extras = self.screen_.extras
        QWidget.setTabOrder(self.screen_.progress.leaderboard_opt_in, extras.break_button)
        QWidget.setTabOrder(extras.break_button, extras.session_button)
        QWidget.setTabOrder(extras.session_button, self.end_button)
        quit_shortcut = QShortcut(QKeySequence("Ctrl+Q"), self)
        quit_shortcut.activated.connect(self.end_session)
        self.text_size = TextSize(settings, self)  # Ctrl+= / Ctrl+- / Ctrl+0, remembered
        self._restore()

    @Slot()
    def show_attention(self) -> AttentionDialog:
        """The needs-attention list of this server and campaign (one at a time)."""
        if self.attention_dialog is None:
            model = AttentionViewModel(
                self.model.core,
                self.model.account,
                self.model.campaign,
                self.model.outcome_labels(),
            )
            dialog = AttentionDialog(model, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(self._attention_closed)
            self.attention_dialog = dialog
        self.attention_dialog.show()
        self.attention_dialog.raise_()
        self.attention_dialog.activateWindow()
        return self.attention_dialog

    @Slot()
    def _attention_closed(self) -> None:
        self.attention_dialog = None

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
        """Ctrl+Q, End session, closing the window: first an unsaved call, then the
        summary; contacts go back only when the volunteer chooses Switch or Finish."""
        if self._ended or self.summary is not None or self.save_first is not None:
            return
        self._focus_before = QApplication.focusWidget()
        if self.model.unsaved_work:
            self.save_first = SaveFirstDialog(self)
            self.save_first.chosen.connect(self._on_save_first)
            self.save_first.open()
            self.save_first.activateWindow()  # keys go to it at once
            return
        self._show_summary()

    @Slot(object)
    def _on_save_first(self, choice: SaveChoice) -> None:
        dialog, self.save_first = self.save_first, None
        if dialog is not None:
            dialog.deleteLater()
        if choice is SaveChoice.SAVE:
            self.screen_.save()
            if self.model.unsaved_work:  # not saved: the screen says why; stay
                return
        elif choice is SaveChoice.DISCARD:
            self.screen_.form.reset()
        else:
            self._back_to_calling()
            return
        self._show_summary()

    def _back_to_calling(self) -> None:
        """Keep calling: this window active again, the focus where it was."""
        self.activateWindow()
        focus = self._focus_before
        if focus is not None and focus.window() is self and focus.isEnabled():
            focus.setFocus()

    def _show_summary(self) -> None:
        self.save_layout()
        stats = self.model.stats()
        elapsed = int((dt.datetime.now(dt.UTC) - stats.started_at).total_seconds())
        self.summary = SummaryDialog(stats, self.model.outcome_labels(), elapsed, self)
        self.model.stats_changed.connect(self.summary.set_stats)
        self.summary.chosen.connect(self._on_end_choice)
        self.summary.open()
        self.summary.activateWindow()

    @Slot()
    def _refresh_summary(self) -> None:
        if self.summary is not None and self.summary.choice is None:
            self.summary.set_stats(self.model.stats())

    @Slot(object)
    def _on_end_choice(self, choice: EndChoice) -> None:
        summary = self.summary
        if choice is EndChoice.KEEP_CALLING:
            if summary is not None:
                self.model.stats_changed.disconnect(summary.set_stats)
                summary.deleteLater()
            self.summary = None
            self._back_to_calling()
            return
        self._ended = True
        self._choice = choice
        self.model.released.connect(self._on_released)
        self.model.end_session()

    @Slot(int)
    def _on_released(self, count: int) -> None:
        if self.summary is not None:
            offline = self.model.status.connectivity is not Connectivity.ONLINE
            self.summary.set_released(count, offline)
        if self._choice is EndChoice.SWITCH_CAMPAIGN:
            self.switch_requested.emit()
        else:
            self._finish()

    @Slot()
    def _finish(self) -> None:
        if self.summary is not None:
            self.summary.accept()
            self.summary = None
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
