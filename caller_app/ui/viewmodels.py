"""View models: the only UI objects that talk to the core.

`SignInModel` starts a sign-in (the core runs it on its task thread) and reports back
with signals. `CallerViewModel` wraps a `CallerCore` whose calling session has been
started (`CallerCore.choose_campaign`) for the caller screen: it turns widget
actions into drafts for the store (a local write, no network) and core signals into
what the widgets show. Results leave the machine only through the sync engine.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot

from caller_app.api.errors import BadServerUrl, Offline, ProtocolError
from caller_app.domain.calling_hours import CallingWindow
from caller_app.domain.contract import SKIPS_PER_HOUR
from caller_app.domain.errors import ExpectedFailure
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
from caller_app.ui.out_of_contacts import no_contacts_sentence
from caller_app.ui.session_log import SessionLog
from caller_app.ui.status_bar import smooth_status
from caller_app.ui.translations import failure_words, weekday_name

if TYPE_CHECKING:
    from caller_app.app import CallerCore

log = logging.getLogger(__name__)

CLOSING_SOON = dt.timedelta(minutes=30)  # from then on the closing time is also a notice
# The hours timer aims at the next opening or closing but wakes at least this often:
# a Qt timer does not count time the laptop spent asleep, nor a changed system clock.
HOURS_RECHECK_MS = 60_000


# Starts a sign-in: (url, username, password, remember, on_done, on_error); the
# callbacks run on the GUI thread.
StartSignIn = Callable[
    [str, str, str, bool, Callable[[Any], None], Callable[[BaseException], None]], None
]
# (server url, invite code, (name, username, password, create), remember, done, failed)
StartJoin = Callable[
    [str, str, tuple[str, str, str, bool], bool, Callable[[Any], None],
     Callable[[BaseException], None]],
    None,
]  # fmt: skip


def error_sentence(exc: BaseException) -> str:
    """The volunteer-facing sentence for a failure; a bug is logged with its traceback.

    Expected failures (the server, the network, the local disk) carry their sentence."""
    if isinstance(exc, ExpectedFailure):
        return failure_words(exc)
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    return QCoreApplication.translate(
        "SignIn", "Something unexpected went wrong. It has been logged."
    )


def field_to_fix(exc: BaseException) -> str:
    """Which sign-in field a failure asks the volunteer to fix: "server" when the
    address led nowhere useful, else "password" (wrong details, too many tries)."""
    return "server" if isinstance(exc, Offline | BadServerUrl | ProtocolError) else "password"


class SignInModel(QObject):
    """Asks `start_sign_in` to sign in (off the GUI thread) and says how it went.

    `keeps_sign_in` is False where no OS keyring exists, so "Remember me" cannot
    outlive this run (the launcher asks `Credentials.persistent`); after a failure,
    `field_to_fix` names the field the dialog should put the focus in."""

    busy_changed = Signal(bool)
    failed = Signal(str)
    succeeded = Signal(object)

    def __init__(
        self,
        start_sign_in: StartSignIn,
        keeps_sign_in: bool = True,
        start_join: StartJoin | None = None,
    ) -> None:
        super().__init__()
        self._start = start_sign_in
        self._start_join = start_join
        self.keeps_sign_in = keeps_sign_in
        self.busy = False
        self.result: Any = None
        self.field_to_fix = "password"
        # The server's download page when it needs a newer app (api.TooOld), else "".
        self.download_url = ""

    @property
    def can_join(self) -> bool:
        return self._start_join is not None

    def join(
        self, url: str, code: str, details: tuple[str, str, str, bool], remember: bool
    ) -> None:
        """Accept an invite: make the account (or sign in) and sign in (issue 14)."""
        if self.busy or self._start_join is None:
            return
        self._set_busy(True)
        self._start_join(url, code, details, remember, self._on_done, self._on_error)

    def sign_in(self, url: str, username: str, password: str, remember: bool) -> None:
        if self.busy:
            return
        self._set_busy(True)
        self._start(url, username, password, remember, self._on_done, self._on_error)

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
        self.field_to_fix = field_to_fix(exc)
        self.download_url = str(getattr(exc, "download_url", "") or "")
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
    attention_changed = Signal(list)  # list[tuple[str, str]]: (result id, line) per refusal
    hours_changed = Signal(str)  # the calling hours in words ("" when always open)
    notice = Signal(str)  # a short confirmation ("Undone.") under the form
    released = Signal(int)  # contacts handed back at the end of the session
    signed_out = Signal()
    session_log_changed = Signal()  # a call saved, corrected or undone ("This session")
    practice = False  # practice mode (caller-app --demo): the launcher sets it

    def __init__(self, core: CallerCore, campaign: Campaign) -> None:
        super().__init__()
        self.core = core
        account = core.account
        if account is None:
            raise RuntimeError("the caller screen needs a signed-in account")
        self.account: Account = account
        self.campaign = campaign
        if core.campaign_id != campaign.id:
            raise RuntimeError("choose the campaign on the core first")
        self.script: Script | None = core.script()
        self.contact: Contact | None = core.current_contact()
        self.status = SyncStatus(Connectivity.ONLINE, waiting=core.waiting_count())
        self._last: tuple[Result, Contact] | None = None
        self._correcting: Result | None = None
        self.session_log = SessionLog()  # who I called this session (caller_extras)
        self._empty_reason = self.tr("Fetching more contacts…")
        self._server_reason: tuple[str, object] = ("", None)
        self._last_stats = SessionStats(dt.datetime.now(dt.UTC), 0, 0, {}, 0, 0)
        self._hours_text = ""
        self.unsaved_work = False  # see set_unsaved_work
        self._was_open: bool | None = None
        self._warned_closing: dt.datetime | None = None
        self._hours_timer = QTimer(self)
        self._hours_timer.setSingleShot(True)
        self._hours_timer.setTimerType(Qt.TimerType.PreciseTimer)  # opens on the minute
        self._hours_timer.timeout.connect(self._check_hours)
        for signal, slot in self._core_links():
            signal.connect(slot)
        self._session_id = core.session_id
        self._check_hours()
        if self.contact is None:
            self._update_empty_reason()

    # --- for the widgets ---
    def now(self) -> dt.datetime:
        """The app's wall clock (the core's): call timer and call-back times use it."""
        return self.core.clock()

    def placeholder_values(self, contact: Contact) -> dict[str, str]:
        script = self.script
        # Imported columns first, so a column named like a built-in cannot replace it.
        attributes = {str(k): str(v) for k, v in (contact.attributes or {}).items()}
        return {
            **attributes,
            "first_name": contact.first_name,
            "volunteer_first_name": self.account.first_name,
            "candidate": script.candidate if script else self.campaign.candidate,
            "seat": script.seat if script else self.campaign.seat,
        }

    def outcome_labels(self) -> Mapping[str, str]:
        return {o.code: o.label for o in self.script.outcomes} if self.script else {}

    def empty_reason(self) -> str:
        return self._empty_reason

    def hours_text(self) -> str:
        """E.g. "Calling closes at 21:00 London time"; "" when calling is always open."""
        return self._hours_text

    def stats(self) -> SessionStats:
        stats = self.core.session_stats()
        if stats is None:  # no open session (already ended)
            return self._last_stats
        self._last_stats = stats
        return stats

    def set_leaderboard_opt_in(self, on: bool) -> None:
        """Joining the leaderboard is the volunteer's choice; the server lists only those."""
        self.core.set_leaderboard_opt_in(on)

    def same_number(self, contact: Contact) -> list[str]:
        return self.core.same_number(contact)

    def refresh(self) -> None:
        """Emit everything once, for widgets that were just connected."""
        self.stats_changed.emit(self.stats())
        self._on_attention()
        self._warned_closing = None  # the closing notice too, if closing is near
        self._check_hours()
        self.hours_changed.emit(self._hours_text)

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
        if correcting is not None and correcting.contact_id == contact.id:
            # A correction describes the same call: its start and length stand.
            draft = replace(
                draft, started_at=correcting.started_at, duration_s=correcting.duration_s
            )
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
        self.unsaved_work = False
        self.session_log.recorded(result, contact)
        self.session_log_changed.emit()
        self.notice.emit(self._saved_words(contact, outcome, correcting is not None))
        self._advance()
        self.stats_changed.emit(self.stats())
        if self.core.last_status is None:  # else the core counted and told us already
            self._count_waiting()
        return result

    def _saved_words(self, contact: Contact, outcome: str, correction: bool) -> str:
        """E.g. "Saved: Niamh Nolan, Not home": whom, and what was recorded."""
        label = self.outcome_labels().get(outcome, outcome)
        if correction:
            text = self.tr("Correction saved: {name}, {outcome}")
        else:
            text = self.tr("Saved: {name}, {outcome}")
        return text.format(name=contact.full_name, outcome=label)

    def set_unsaved_work(self, unsaved: bool) -> None:
        """The form says whether this call has an outcome chosen or notes typed but not
        saved; ending the session asks before dropping it."""
        self.unsaved_work = unsaved and self.contact is not None

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
            restored = self.core.result(undone.supersedes) if undone.supersedes else None
            self.session_log.undone(undone, restored)
            self.session_log_changed.emit()
        if undone is not None and undone.supersedes is not None:
            # An unsent correction was taken back: the result it corrected still
            # stands, so the next save must correct that one again, not add a call.
            self._correcting = self.core.result(undone.supersedes) or replace(
                undone, id=undone.supersedes, supersedes=None
            )
            self.contact = contact
            self.notice.emit(
                self.tr("Correction undone. Choose the right outcome and save to correct it.")
            )
        elif undone is not None:
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

    # --- issue 12: skip, corrections from "This session" (widgets in caller_extras) ---
    def skip(self) -> bool:
        """Pass on the contact on screen without an outcome; the next one shows at once.

        Not while correcting an earlier call, and not past the server's hourly cap
        (it would refuse): then a sentence says why and the contact stays."""
        contact = self.contact
        if contact is None:
            return False
        if self._correcting is not None:
            self.notice.emit(
                self.tr("Save the correction first; a corrected call can't be skipped.")
            )
            return False
        if self.core.skips_in_last_hour() >= SKIPS_PER_HOUR:
            self.notice.emit(
                self.tr(
                    "You have skipped {n} people in the last hour, the most a campaign allows. "
                    "Please call this one."
                ).format(n=SKIPS_PER_HOUR)
            )
            return False
        try:
            skipped = self.core.skip(contact)
        except Exception as exc:
            self.notice.emit(self._store_problem(exc))
            return False
        if skipped is None:
            return False
        self._last = None  # Undo never reaches back past a skip to an earlier call
        self.notice.emit(
            self.tr("Skipped {name}: they go back on the list for another volunteer.").format(
                name=contact.full_name or self.tr("this contact")
            )
        )
        self._advance()
        return True

    def begin_correction(self, result_id: str) -> bool:
        """Correct a call of this session (any, not only the last): its contact comes
        back on screen and the next save records a correction that supersedes the
        call's current result. The contact that was on screen waits its turn."""
        entry = self.session_log.entry(result_id)
        if entry is None:
            return False
        self._correcting = entry.result
        self.contact = entry.contact
        self.contact_changed.emit(self.contact)
        self.notice.emit(
            self.tr("Correcting the call to {name}. Change what was wrong and save.").format(
                name=entry.contact.full_name or self.tr("this contact")
            )
        )
        return True

    @property
    def correcting(self) -> Result | None:
        """The result the next save corrects (None: the next save is a new call)."""
        return self._correcting

    def attention_codes(self) -> dict[str, str]:
        """Result id -> the server's refusal code, for results that need attention."""
        return {item.result.id: item.code for item in self.core.needs_attention()}

    def show_attributes(self) -> tuple[str, ...]:
        """The contact attributes the campaign wants on the card."""
        return self.script.show_attributes if self.script is not None else ()

    def retry_attention(self, result_ids: list[str]) -> None:
        """Send refused results again (the organiser may have fixed what was wrong)."""
        if not result_ids:
            return
        try:
            self.core.retry_attention(list(result_ids))
        except Exception as exc:
            self.notice.emit(self._store_problem(exc))
            return
        self.notice.emit(self.tr("Sending again."))
        self._count_waiting()

    def end_session(self) -> SessionStats:
        self._hours_timer.stop()
        stats = self.stats()
        self.core.end_session()
        return stats

    def shutdown(self) -> None:
        self._hours_timer.stop()
        self.core.shutdown()

    def leave_campaign(self) -> None:
        """After `released`: stop listening to the core and stop this campaign's sync
        (the sign-in stays), so that another campaign's screen can start."""
        self._hours_timer.stop()
        for signal, slot in self._core_links():
            signal.disconnect(slot)
        self.core.leave_campaign()

    def _core_links(self) -> list[tuple[Any, Any]]:
        """The core's signals this model listens to: connected at start, all cut on leave."""
        core = self.core
        return [
            (core.status_changed, self._on_status),
            (core.contacts_changed, self._on_contacts),
            (core.script_changed, self._on_script),
            (core.progress_changed, self.team_changed),
            (core.out_of_contacts, self._on_out_of_contacts),
            (core.contacts_lost, self._on_contacts_lost),
            (core.attention_changed, self._on_attention),
            (core.session_ended, self._on_session_ended),
            (core.signed_out, self.signed_out),
        ]

    @Slot(int)
    def _on_session_ended(self, released: int) -> None:
        """The engine uploaded what it could and gave contacts back: final numbers."""
        if self._session_id is not None:
            try:
                self._last_stats = self.core.session_stats(self._session_id) or self._last_stats
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

    @Slot(int)
    def _on_contacts_lost(self, count: int) -> None:
        if count == 1:
            text = self.tr("1 contact went to another volunteer while you were away.")
        else:
            text = self.tr("{n} contacts went to another volunteer while you were away.")
        self.notice.emit(text.format(n=count))

    def _on_out_of_contacts(self, reason: str, opens_at: object) -> None:
        self._server_reason = (reason, opens_at)
        self._update_empty_reason()
        if self.contact is None:
            self.out_of_contacts.emit(self._empty_reason)

    @Slot()
    def _on_attention(self) -> None:
        labels = self.outcome_labels()
        lines = [
            (
                item.result.id,
                self.tr("{outcome} call ({time}): {message}").format(
                    outcome=labels.get(item.result.outcome, item.result.outcome),
                    time=item.result.recorded_at.astimezone().strftime("%H:%M"),
                    message=item.message,
                ),
            )
            for item in self.core.needs_attention()
        ]
        self.attention_changed.emit(lines)

    # --- calling hours ---
    @Slot()
    def _check_hours(self) -> None:
        """Re-read the calling hours: say them, and offer contacts again once open.

        Never takes a contact off the screen: one shown before closing time stays
        until the volunteer records it (the server flags it, never refuses it).
        """
        window = self.core.calling_window()
        now = self.core.clock()
        text = self._hours_words(window, now)
        if text != self._hours_text:
            self._hours_text = text
            self.hours_changed.emit(text)
        closes = window.closes_at if window is not None else None
        if closes is not None and closes - now <= CLOSING_SOON and self._warned_closing != closes:
            self._warned_closing = closes
            self.notice.emit(text)
        is_open = window is None or window.is_open
        changed = self._was_open is not None and is_open != self._was_open
        self._was_open = is_open
        if changed and self.contact is None:
            if is_open:
                self._advance()  # offering resumes by itself, from the local batch
            else:
                self._update_empty_reason()
                self.out_of_contacts.emit(self._empty_reason)
        self._schedule_hours_check(window, now)

    def _schedule_hours_check(self, window: CallingWindow | None, now: dt.datetime) -> None:
        if window is None or window.always:
            self._hours_timer.stop()
            return
        closes = window.closes_at
        events = [
            t
            for t in (window.opens_at, closes, closes - CLOSING_SOON if closes else None)
            if t is not None and t > now
        ]
        ms = HOURS_RECHECK_MS
        if events:  # a quarter second late, so the check lands past the boundary
            ms = min(ms, int((min(events) - now).total_seconds() * 1000) + 250)
        self._hours_timer.start(max(0, ms))

    def _hours_words(self, window: CallingWindow | None, now: dt.datetime) -> str:
        if window is None or window.always:
            return ""
        if window.is_open and window.closes_at is not None:
            return self.tr("Calling closes at {time} {zone} time").format(
                time=window.local(window.closes_at).strftime("%H:%M"), zone=window.zone_label
            )
        return self._opens_words(window.opens_at, window.timezone, now) or self.tr(
            "Outside calling hours"
        )

    def _closed_sentence(self, opens_at: object, timezone: str) -> str:
        """Why no contact is shown outside calling hours, and until when."""
        opens = self._opens_words(opens_at, timezone, self.core.clock())
        if not opens:
            return self.tr("Outside calling hours.")
        return self.tr("Outside calling hours. {opens}.").format(opens=opens)

    def _opens_words(self, opens_at: object, timezone: str, now: dt.datetime) -> str:
        """When calling opens, on the campaign's clock, naming its zone ("" if unknown)."""
        if not isinstance(opens_at, dt.datetime):
            return ""
        window = CallingWindow(False, False, opens_at, None, timezone)
        try:
            local, today = window.local(opens_at), window.local(now).date()
        except (ValueError, KeyError):  # a zone this computer lacks: say it in ours
            local, today = opens_at.astimezone(), now.astimezone().date()
            zone = local.tzname() or ""
        else:
            zone = window.zone_label
        time = local.strftime("%H:%M")
        days = (local.date() - today).days
        if days <= 0:
            return self.tr("Calling opens at {time} {zone} time").format(time=time, zone=zone)
        if days == 1:
            return self.tr("Calling opens tomorrow at {time} {zone} time").format(
                time=time, zone=zone
            )
        return self.tr("Calling opens on {day} at {time} {zone} time").format(
            day=weekday_name(local), time=time, zone=zone
        )

    def _update_empty_reason(self) -> None:
        reason, opens_at = self._server_reason
        if self.core.campaign_status != "active":  # the organiser's word comes first
            reason, opens_at = self.core.campaign_status, None
        status = self.status
        window = self.core.calling_window()
        if window is not None and not window.is_open:
            self._empty_reason = self._closed_sentence(window.opens_at, window.timezone)
        elif status.connectivity in (Connectivity.OFFLINE, Connectivity.RETRYING):
            self._empty_reason = self.tr(
                "Offline and out of contacts: {n} results waiting. They upload as soon as "
                "the connection is back."
            ).format(n=status.waiting)
        elif status.connectivity is Connectivity.SIGNED_OUT:
            self._empty_reason = self.tr("Signed out: sign in again to get more contacts.")
        elif reason == "outside_calling_hours":
            self._empty_reason = self._closed_sentence(opens_at, self.campaign.timezone)
        elif reason == "recovering":
            self._empty_reason = self.tr(
                "The server is catching up after maintenance; new contacts come in a few "
                "minutes. Everything you recorded is safe."
            )
        elif reason == "paused":
            self._empty_reason = self.tr(
                "Paused by the organiser. Your results keep uploading; new contacts come "
                "when the campaign resumes."
            )
        elif reason == "closed":
            self._empty_reason = self.tr(
                "This campaign has closed. Thank you for calling! Your results keep uploading."
            )
        elif reason == "holding_limit":
            self._empty_reason = self.tr(
                "You hold as many contacts as this campaign allows; finish these first."
            )
        elif reason == "no_contacts":  # all called, or some wait for a retry (and when)
            self._empty_reason = no_contacts_sentence(
                opens_at, window, self.campaign.timezone, self.core.clock()
            )
        elif reason:
            self._empty_reason = reason
        else:
            self._empty_reason = self.tr("Fetching more contacts…")

    def _count_waiting(self) -> None:
        """The outbox changed here: say so at once, not when the engine next reports."""
        waiting = self.core.waiting_count()
        if waiting != self.status.waiting:
            self.status = replace(self.status, waiting=waiting)
            self.status_changed.emit(self.status)

    def _store_problem(self, exc: Exception) -> str:
        """The store's own sentence (disk full, locked); anything else is a bug, logged."""
        if isinstance(exc, ExpectedFailure):
            log.error("saving a result failed: %s", exc)
            return failure_words(exc)
        log.error("saving a result failed", exc_info=(type(exc), exc, exc.__traceback__))
        return self.tr("Could not save on this computer. Nothing was lost: try again.")
