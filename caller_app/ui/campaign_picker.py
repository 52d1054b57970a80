"""Tonight's campaigns: seat, candidate and calling hours; Enter opens the selected one."""

from __future__ import annotations

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

from caller_app.domain.models import Campaign
from caller_app.ui.resources import icon


class CampaignPicker(QDialog):
    def __init__(self, campaigns: Sequence[Campaign], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.campaigns = list(campaigns)
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
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        start = buttons.button(QDialogButtonBox.StandardButton.Ok)
        start.setText(self.tr("Start calling"))
        start.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.list.setFocus()

    def _describe(self, c: Campaign) -> str:
        hours = self.tr("calling hours {hours}").format(hours=c.calling_hours)
        if not c.calling_now:
            hours += self.tr(" (closed now)")
        return f"{c.name}\n{c.candidate} · {c.seat} · {hours}"

    def selected(self) -> Campaign | None:
        row = self.list.currentRow()
        return self.campaigns[row] if 0 <= row < len(self.campaigns) else None


def choose_campaign(
    campaigns: Sequence[Campaign], parent: QWidget | None = None
) -> Campaign | None:
    """The one campaign, or the volunteer's pick; None when there is none or they cancel."""
    if not campaigns:
        return None
    if len(campaigns) == 1:
        return campaigns[0]
    picker = CampaignPicker(campaigns, parent)
    return picker.selected() if picker.exec() == QDialog.DialogCode.Accepted else None
