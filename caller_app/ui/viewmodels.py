"""View models: the only UI objects that talk to the core.

`SignInModel` signs in on the thread pool and reports back with signals.
`CallerViewModel` wraps a `CallerCore` for the caller screen: it turns widget
actions into drafts for the store (a local write, no network) and core signals into
what the widgets show. Results leave the machine only through the sync engine.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from caller_app.domain.models import (
    Account,
    Answer,
    Campaign,
    Connectivity,
    Contact,
    Result,
    ResultDraft,
    Script,
    SessionStats,
    SyncStatus,
)
from caller_app.ui.status_bar import smooth_status
from caller_app.ui.tasks import run_in_background

if TYPE_CHECKING:
    from caller_app.app import CallerCore

log = logging.getLogger(__name__)


def error_sentence(exc: BaseException) -> str:
    """The volunteer-facing sentence for a failure; a bug is logged with its traceback."""
    from caller_app.api.errors import ApiError

    if isinstance(exc, ApiError):
        return str(exc)
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    return QCoreApplication.translate(
        "SignIn", "Something unexpected went wrong. It has been logged."
    )


class SignInModel(QObject):
    """Runs `sign_in(url, username, password, remember)` off the GUI thread."""

    busy_changed = Signal(bool)
    failed = Signal(str)
    succeeded = Signal(object)

    def __init__(self, sign_in: Callable[[str, str, str, bool], Any]) -> None:
        super().__init__()
        self._sign_in = sign_in
        self.busy = False
        self.result: Any = None

    def sign_in(self, url: str, username: str, password: str, remember: bool) -> None:
        if self.busy:
            return
        self._set_busy(True)
        run_in_background(
            lambda: self._sign_in(url, username, password, remember),
            self._on_done,
            self._on_error,
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)

    @Slot(object)
    def _on_done(self, result: object) -> None:
        self.result = result
        self._set_busy(False)
        self.succeeded.emit(result)

    @Slot(object)
    def _on_error(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.failed.emit(error_sentence(exc))


class CallerViewModel(QObject):
    """The caller screen's state: current contact, script, sync status, progress."""

    contact_changed = Signal(object)  # Contact | None
    script_changed = Signal(object)  # Script
    status_changed = Signal(object)  # SyncStatus
    team_changed = Signal(object)  # TeamProgress
    stats_changed = Signal(object)  # SessionStats
    out_of_contacts = Signal(str)  # the reason, in words
    attention_changed = Signal(list)  # list[str], one line per refused result
    notice = Signal(str)  # a short confirmation ("Undone.") under the form
    released = Signal(int)  # contacts handed back at the end of the session
    signed_out = Signal()

    def __init__(self, core: CallerCore, campaign: Campaign) -> None:
        super().__init__()
        self.core = core
        account = core.account
        if account is None:
            raise RuntimeError("the caller screen needs a signed-in account")
        self.account: Account = account
        self.campaign = campaign
        core.choose_campaign(campaign.id)
        self.script: Script | None = core.script()
        self.contact: Contact | None = core.current_contact()
        self.status = SyncStatus(Connectivity.ONLINE, waiting=core.store.waiting_count())
        self._last: tuple[Result, Contact] | None = None
        self._correcting: Result | None = None
        self._empty_reason = self.tr("Fetching more contacts…")
        self._server_reason: tuple[str, object] = ("", None)
        self._last_stats = SessionStats(dt.datetime.now(dt.UTC), 0, 0, {}, 0, 0)
        core.status_changed.connect(self._on_status)
        core.contacts_changed.connect(self._on_contacts)
        core.script_changed.connect(self._on_script)
        core.progress_changed.connect(self.team_changed)
        core.out_of_contacts.connect(self._on_out_of_contacts)
        core.contacts_lost.connect(self._on_contacts_lost)
        core.attention_changed.connect(self._on_attention)
        core.session_ended.connect(self._on_session_ended)
        self._session_id = core.session_id
        core.signed_out.connect(self.signed_out)

    # --- for the widgets ---
    def placeholder_values(self, contact: Contact) -> dict[str, str]:
        script = self.script
        return {
            "first_name": contact.first_name,
            "volunteer_first_name": self.account.first_name,
            "candidate": script.candidate if script else self.campaign.candidate,
            "seat": script.seat if script else self.campaign.seat,
        }

    def outcome_labels(self) -> Mapping[str, str]:
        return {o.code: o.label for o in self.script.outcomes} if self.script else {}

    def empty_reason(self) -> str:
        return self._empty_reason

    def stats(self) -> SessionStats:
        stats = self.core.session_stats()
        if stats is None:  # no open session (already ended)
            return self._last_stats
        self._last_stats = stats
        return stats

    def set_leaderboard_opt_in(self, on: bool) -> None:
        """Joining the leaderboard is the volunteer's choice; the server lists only those."""
        self.core.set_leaderboard_opt_in(on)

    def refresh(self) -> None:
        """Emit everything once, for widgets that were just connected."""
        self.stats_changed.emit(self.stats())
        self._on_attention()

    # --- actions ---
    def record(
        self,
        contact: Contact,
        outcome: str,
        *,
        answers: Mapping[str, Answer],
        notes: str,
        callback_at: dt.datetime | None,
        started_at: dt.datetime,
        duration_s: int,
    ) -> Result | None:
        """Save locally (one quick transaction) and show the next contact at once."""
        draft = ResultDraft(
            contact_id=contact.id,
            batch_id=contact.batch_id,
            campaign_id=contact.campaign_id,
            outcome=outcome,
            started_at=started_at,
            duration_s=max(0, duration_s),
            answers=dict(answers),
            notes=notes,
            callback_at=callback_at,
        )
        correcting = self._correcting
        try:
            if correcting is not None and correcting.contact_id == contact.id:
                result = self.core.correct(correcting.id, draft)
            else:
                result = self.core.record(draft)
        except Exception as exc:
            self.notice.emit(self._store_problem(exc))
            return None
        self._correcting = None
        self._last = (result, contact)
        self.notice.emit(self.tr("Correction saved.") if correcting else self.tr("Saved."))
        self._advance()
        self.stats_changed.emit(self.stats())
        self._count_waiting()
        return result

    def undo(self) -> None:
        """Take back the last outcome; once it is uploaded, offer a correction instead."""
        if self._last is None:
            self.notice.emit(self.tr("Nothing to undo."))
            return
        result, contact = self._last
        self._last = None
        try:
            undone = self.core.undo()
        except Exception as exc:
            self.notice.emit(self._store_problem(exc))
            return
        if undone is not None:
            self._correcting = None
            self.contact = contact
            self.notice.emit(self.tr("Undone. Record this call again."))
        else:
            self._correcting = result
            self.contact = contact
            self.notice.emit(
                self.tr(
                    "That result was already uploaded. Choose the right outcome and save: "
                    "a correction will be sent."
                )
            )
        self.contact_changed.emit(self.contact)
        self.stats_changed.emit(self.stats())
        self._count_waiting()

    def end_session(self) -> SessionStats:
        stats = self.stats()
        self.core.end_session()
        return stats

    def shutdown(self) -> None:
        self.core.shutdown()

    @Slot(int)
    def _on_session_ended(self, released: int) -> None:
        """The engine uploaded what it could and gave contacts back: final numbers."""
        if self._session_id is not None:
            try:
                self._last_stats = self.core.store.session_stats(self._session_id)
            except Exception:  # the summary keeps the numbers it has
                log.exception("reading the final session stats failed")
        self.stats_changed.emit(self._last_stats)
        self.released.emit(released)

    # --- from the core ---
    def _advance(self) -> None:
        self.contact = self.core.current_contact()
        self.contact_changed.emit(self.contact)
        if self.contact is None:
            self._update_empty_reason()
            self.out_of_contacts.emit(self._empty_reason)

    @Slot(object)
    def _on_status(self, status: SyncStatus) -> None:
        self.status = smooth_status(self.status, status)
        self.status_changed.emit(self.status)
        if self.contact is None:
            self._update_empty_reason()
            self.out_of_contacts.emit(self._empty_reason)

    @Slot()
    def _on_contacts(self) -> None:
        self._server_reason = ("", None)
        if self.contact is None:
            self._advance()

    @Slot(object)
    def _on_script(self, script: Script) -> None:
        self.script = script
        self.script_changed.emit(script)

    @Slot(str, object)
    def _on_contacts_lost(self, count: int) -> None:
        self.notice.emit(
            self.tr("%n contact(s) went to another volunteer while you were away.", "", count)
        )

    def _on_out_of_contacts(self, reason: str, opens_at: object) -> None:
        self._server_reason = (reason, opens_at)
        self._update_empty_reason()
        if self.contact is None:
            self.out_of_contacts.emit(self._empty_reason)

    @Slot()
    def _on_attention(self) -> None:
        labels = self.outcome_labels()
        lines = [
            self.tr("{outcome} call ({time}): {message}").format(
                outcome=labels.get(item.result.outcome, item.result.outcome),
                time=item.result.recorded_at.astimezone().strftime("%H:%M"),
                message=item.message,
            )
            for item in self.core.needs_attention()
        ]
        self.attention_changed.emit(lines)

    def _update_empty_reason(self) -> None:
        reason, opens_at = self._server_reason
        status = self.status
        if status.connectivity in (Connectivity.OFFLINE, Connectivity.RETRYING):
            self._empty_reason = self.tr(
                "Offline and out of contacts: {n} results waiting. They upload as soon as "
                "the connection is back."
            ).format(n=status.waiting)
        elif status.connectivity is Connectivity.SIGNED_OUT:
            self._empty_reason = self.tr("Signed out: sign in again to get more contacts.")
        elif reason == "outside_calling_hours":
            when = (
                opens_at.astimezone().strftime("%H:%M")
                if isinstance(opens_at, dt.datetime)
                else self.tr("the next calling hours")
            )
            self._empty_reason = self.tr(
                "No more contacts for now: outside calling hours until {when}."
            ).format(when=when)
        elif reason == "no_contacts":
            self._empty_reason = self.tr(
                "No more contacts for now: everyone on the list has been called. Thank you!"
            )
        elif reason:
            self._empty_reason = reason
        else:
            self._empty_reason = self.tr("Fetching more contacts…")

    def _count_waiting(self) -> None:
        """The outbox changed here: say so at once, not when the engine next reports."""
        waiting = self.core.store.waiting_count()
        if waiting != self.status.waiting:
            self.status = replace(self.status, waiting=waiting)
            self.status_changed.emit(self.status)

    def _store_problem(self, exc: Exception) -> str:
        log.error("saving a result failed: %s", type(exc).__name__)
        return self.tr(
            "Could not save on this computer ({problem}). Nothing was lost: try again."
        ).format(problem=type(exc).__name__)
