"""The needs-attention list's view model: refused results of this server and campaign.

Refused results belong to the account (server and username) that recorded them and
to one campaign. The list shows those of the campaign being called, which can be
sent again from here; the others are counted in sentences that say where they
belong, never mixed in. Names come from the contacts still held: after the contacts
were handed back the row says so (privacy: contact data is wiped at release and at
sign-out, and no copy of a name is kept for this list).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from caller_app.domain.attention import AttentionEntry, write_attention_csv
from caller_app.domain.models import Account, Campaign
from caller_app.ui.translations import short_date
from caller_app.ui.viewmodels import error_sentence

if TYPE_CHECKING:
    from caller_app.app import CallerCore


@dataclass(frozen=True)
class AttentionRow:
    """One refused result as the list shows it."""

    result_id: str
    name: str  # the contact's name, or why it is no longer shown
    name_known: bool
    outcome: str  # the outcome's label
    recorded: str  # when it was recorded, local time
    reason: str  # the server's whole reason, in words


class AttentionViewModel(QObject):
    changed = Signal()  # the list was re-read
    saved = Signal(str)  # a copy was written: the sentence to show
    failed = Signal(str)  # a copy could not be written: why

    def __init__(
        self,
        core: CallerCore,
        account: Account,
        campaign: Campaign,
        labels: Mapping[str, str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.core = core
        self.account = account
        self.campaign = campaign
        self.labels = dict(labels)
        self._here: list[AttentionEntry] = []
        self._elsewhere: list[AttentionEntry] = []
        core.attention_changed.connect(self.refresh)
        # Contacts handed back or wiped: an open list drops their names at once.
        core.session_ended.connect(self.refresh)
        core.sign_out_finished.connect(self.refresh)
        self.refresh()

    def name_removed(self) -> str:
        return self.tr("Name removed when the contacts were handed back")

    @Slot()
    def refresh(self) -> None:
        entries = self.core.attention_entries()
        self._here = [e for e in entries if self._is_here(e)]
        self._elsewhere = [e for e in entries if not self._is_here(e)]
        self.changed.emit()

    def _is_here(self, entry: AttentionEntry) -> bool:
        return (
            entry.server_url == self.account.server_url
            and entry.username == self.account.username
            and entry.campaign_id == self.campaign.id
        )

    def rows(self) -> list[AttentionRow]:
        return [
            AttentionRow(
                result_id=e.result_id,
                name=e.contact_name if e.contact_name is not None else self.name_removed(),
                name_known=e.contact_name is not None,
                outcome=self.labels.get(e.outcome, e.outcome),
                recorded=_when(e.recorded_at),
                reason=e.message or e.code,
            )
            for e in self._here
        ]

    def elsewhere(self) -> list[str]:
        """Where the refused results not listed here belong, one sentence per place."""
        campaigns: Counter[tuple[int, str]] = Counter()
        accounts: Counter[str] = Counter()
        servers: Counter[str] = Counter()
        for e in self._elsewhere:
            if e.server_url != self.account.server_url:
                servers[e.server_url] += 1
            elif e.username != self.account.username:
                accounts[e.username] += 1
            else:
                name = e.campaign_name or self.tr("campaign {id}").format(id=e.campaign_id)
                campaigns[(e.campaign_id, name)] += 1
        lines = []
        for (_, name), n in sorted(campaigns.items()):
            text = (
                self.tr("1 more belongs to “{campaign}”: open that campaign to send it again.")
                if n == 1
                else self.tr(
                    "{n} more belong to “{campaign}”: open that campaign to send them again."
                )
            )
            lines.append(text.format(n=n, campaign=name))
        for username, n in sorted(accounts.items()):
            text = (
                self.tr(
                    "1 more was recorded by {user} on this server: sign in as {user} to send it."
                )
                if n == 1
                else self.tr(
                    "{n} more were recorded by {user} on this server: "
                    "sign in as {user} to send them."
                )
            )
            lines.append(text.format(n=n, user=username))
        for server, n in sorted(servers.items()):
            text = (
                self.tr("1 more belongs to {server}: sign in there to send it again.")
                if n == 1
                else self.tr("{n} more belong to {server}: sign in there to send them again.")
            )
            lines.append(text.format(n=n, server=server))
        return lines

    def retry(self, result_ids: list[str]) -> int:
        """Send these again (the organiser may have fixed the cause); only this list's."""
        here = {e.result_id for e in self._here}
        wanted = [i for i in result_ids if i in here]
        if not wanted:
            return 0
        count = self.core.retry_attention(wanted)
        self.refresh()
        return count

    def save_copy(self, path: Path) -> None:
        """Write this list as CSV for the organiser, off the GUI thread; `saved` or
        `failed` follows."""
        entries, labels, removed = list(self._here), dict(self.labels), self.name_removed()

        def write() -> int:
            return write_attention_csv(path, entries, labels, name_removed=removed)

        def done(count: int) -> None:
            text = (
                self.tr("Saved 1 result to {file}.")
                if count == 1
                else self.tr("Saved {n} results to {file}.")
            )
            self.saved.emit(text.format(n=count, file=path.name))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, OSError):
                self.failed.emit(
                    self.tr("Could not save the copy: {reason}").format(
                        reason=exc.strerror or str(exc)
                    )
                )
            else:
                self.failed.emit(error_sentence(exc))

        self.core.submit(write, done, failed)


def _when(at: dt.datetime) -> str:
    """E.g. "Tue 1 Dec, 19:42" in this computer's time."""
    local = at.astimezone()
    return QCoreApplication.translate("AttentionModel", "{date}, {time}").format(
        date=short_date(local), time=local.strftime("%H:%M")
    )
