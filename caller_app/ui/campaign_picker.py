"""Tonight's campaigns: seat, candidate and calling hours; Enter opens the selected one.

A closed campaign is never offered; a paused one is listed greyed out with the reason,
so a volunteer sees it exists but cannot open a screen that would hand out nothing.
Calling hours are given with the campaign's time zone named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.calling_hours import is_always, zone_label
from caller_app.domain.models import Campaign
from caller_app.ui.out_of_contacts import at_words
from caller_app.ui.resources import icon


def offered_campaigns(campaigns: Sequence[Campaign]) -> list[Campaign]:
    """The campaigns to list: all but closed ones (the server lists none, older ones might)."""
    return [c for c in campaigns if c.status != "closed"]


def _always(hours: str) -> bool:
    try:
        return is_always(hours)
    except ValueError:  # malformed: shown as it came
        return False


class CampaignPicker(QDialog):
    def __init__(self, campaigns: Sequence[Campaign], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.campaigns = offered_campaigns(campaigns)
        self.setWindowTitle(self.tr("Choose a campaign"))
        self.setWindowIcon(icon("app"))
        self.setMinimumSize(460, 300)

        heading = QLabel(self.tr("Which campaign are you calling for tonight?"))
        heading.setObjectName("heading")
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Campaigns"))
        self.list.setAccessibleDescription(
            self.tr("Choose with the arrow keys and press Enter to start calling")
        )
        for campaign in self.campaigns:
            item = QListWidgetItem(self._describe(campaign))
            item.setData(Qt.ItemDataRole.UserRole, campaign.id)
            item.setIcon(icon("dial" if campaign.calling_now else "sync-offline"))
            if not campaign.can_start:  # shown, greyed out, never opened
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(self._why_not(campaign))
            self.list.addItem(item)
        startable = [i for i, c in enumerate(self.campaigns) if c.can_start]
        self.list.setCurrentRow(startable[0] if startable else -1)
        self.list.itemActivated.connect(lambda _item: self._start())

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        start = buttons.button(QDialogButtonBox.StandardButton.Ok)
        start.setText(self.tr("Start calling"))
        start.setDefault(True)
        start.setEnabled(bool(startable))
        self.start_button = start
        buttons.accepted.connect(self._start)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.list.setFocus()

    def _describe(self, c: Campaign) -> str:
        if _always(c.calling_hours):
            hours = self.tr("calling open all day")
        else:
            hours = self.tr("calling hours {hours} {zone} time").format(
                hours=c.calling_hours.replace("-", "–"), zone=zone_label(c.timezone)
            )
            if not c.calling_now and c.opens_at is not None:
                opens = at_words(c.opens_at, c.timezone, dt.datetime.now(dt.UTC))
                hours += self.tr(" (closed now; opens {when})").format(when=opens)
            elif not c.calling_now:
                hours += self.tr(" (closed now)")
        text = f"{c.name}\n{c.candidate} · {c.seat} · {hours}"
        if not c.can_start:
            text += "\n" + self._why_not(c)
        return text

    def _why_not(self, c: Campaign) -> str:
        if c.status == "paused":
            return self.tr("Paused by the organiser: it cannot be called for now.")
        return self.tr("This campaign has closed.")

    def _start(self) -> None:
        if self.selected() is not None:
            self.accept()

    def selected(self) -> Campaign | None:
        """The highlighted campaign, if it can be called for now."""
        row = self.list.currentRow()
        if 0 <= row < len(self.campaigns) and self.campaigns[row].can_start:
            return self.campaigns[row]
        return None


def choose_campaign(
    campaigns: Sequence[Campaign], parent: QWidget | None = None
) -> Campaign | None:
    """The one campaign, or the volunteer's pick; None when there is none or they cancel."""
    campaigns = offered_campaigns(campaigns)
    if not campaigns:
        return None
    if len(campaigns) == 1 and campaigns[0].can_start:
        return campaigns[0]
    picker = CampaignPicker(campaigns, parent)
    return picker.selected() if picker.exec() == QDialog.DialogCode.Accepted else None
