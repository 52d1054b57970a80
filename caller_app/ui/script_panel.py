"""Script, crib sheet and candidate bio, one tab (and one shortcut) each."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QTabWidget, QWidget

from caller_app.domain.models import Script
from caller_app.ui.markdown_view import SafeTextBrowser


class ScriptPanel(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Script"))
        self.tabBar().setAccessibleName(self.tr("Script, crib sheet and candidate"))
        self.script_view = SafeTextBrowser()
        self.crib_view = SafeTextBrowser()
        self.bio_view = SafeTextBrowser()
        tabs = (
            (self.script_view, self.tr("Script"), self.tr("What to say, filled in for this call")),
            (self.crib_view, self.tr("Crib sheet"), self.tr("Answers to common questions")),
            (self.bio_view, self.tr("Candidate"), self.tr("About the candidate")),
        )
        for index, (view, title, description) in enumerate(tabs, start=1):
            view.setAccessibleName(title)
            view.setAccessibleDescription(description)
            i = self.addTab(view, title)
            self.setTabToolTip(i, f"{description} (Ctrl+{index})")
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index}"), self)
            shortcut.activated.connect(lambda i=i: self.setCurrentIndex(i))
        self._script: Script | None = None

    def set_script(self, script: Script) -> None:
        self._script = script
        self.crib_view.set_markdown(script.crib_sheet)
        self.bio_view.set_markdown(script.candidate_bio)

    def show_intro(self, values: dict[str, str]) -> None:
        """The intro with `{first_name}` etc. filled in (escaped) for this contact."""
        if self._script is not None:
            self.script_view.set_markdown(self._script.intro, values)
        self.setCurrentIndex(0)
