"""Idempotent ingest of call results.

Late results never change someone else's work (docs/api.md): a result moves its
contact (state, retry time, attempts) only while this volunteer still holds the
contact (live or lapsed lease) or nobody has touched it since this volunteer's lease
(no lease, no other volunteer's result since); a done contact stays done unless the
result corrects the very result that last moved it (`Contact.last_result_id`). A
result for a contact the volunteer released is `not_leased`. A result with no lease
on record but a valid `lease_proof` (a server restored from a backup) is kept, late.
Each result is corrected at most once (unique `supersedes`).

Each result is inserted inside its own SAVEPOINT and the primary key on the client's
UUID decides: a second insert fails, and the stored payload hash tells a harmless
re-send (`duplicates`) from a changed payload (`conflict`). There is no
check-then-insert, so concurrent re-sends from several workers store one row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from caller_server import calling_hours, lease_proof, leasing, progress, recovery, tallies
from caller_server.contract import CLOSED_KINDS, QuestionKind
from caller_server.models import Batch, BatchContact, Campaign, Contact, Result, Suppression
from caller_server.outcomes import Outcome, campaign_outcomes, next_state
from caller_server.timeutil import as_utc, iso_z, opt_utc

ALREADY_CORRECTED = "That result was already corrected; correct the latest one instead."


@dataclass
class ResultInput:
    id: str
    batch_id: int
    contact_id: int
    outcome: str
    answers: dict[str, Any]
    notes: str
    started_at: dt.datetime
    duration_s: int
    recorded_at: dt.datetime | None = None
    callback_at: dt.datetime | None = None
    supersedes: str | None = None
    lease_proof: str | None = None  # not part of the payload hash


@dataclass
class IngestReply:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    # Tonight's tallies after this upload, per campaign it stored (or re-confirmed)
    # results of: {"campaign_id", "team", "mine", "campaign_status"}, as /progress.
    tallies: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, result_id: str, code: str, message: str) -> None:
        self.rejected.append({"id": result_id, "code": code, "message": message})


class Rejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def payload_hash(item: ResultInput) -> str:
    """SHA-256 of the canonical payload (timestamps normalised to UTC)."""
    canonical = {
        "id": item.id,
        "batch_id": item.batch_id,
        "contact_id": item.contact_id,
        "outcome": item.outcome,
        "answers": item.answers,
        "notes": item.notes,
        "started_at": iso_z(item.started_at),
        "duration_s": item.duration_s,
        "recorded_at": iso_z(item.recorded_at),
        "callback_at": iso_z(item.callback_at),
        "supersedes": item.supersedes,
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_answers(
    answers: dict[str, Any], outcome: Outcome, questions: list[dict[str, Any]]
) -> None:
    """Answers only with a reached outcome, only for the campaign's questions and options."""
    if not answers:
        return
    if not outcome.reached:
        raise Rejected("invalid_answers", f"Outcome {outcome.code!r} takes no answers.")
    by_key = {q["key"]: q for q in questions}
    for key, value in answers.items():
        question = by_key.get(key)
        if question is None:
            raise Rejected("invalid_answers", f"Unknown question {key!r}.")
        kind = question.get("kind", QuestionKind.TEXT)
        options = [str(o) for o in question.get("options") or []]
        if kind == QuestionKind.MULTI:
            if not isinstance(value, list):
                raise Rejected("invalid_answers", f"Answer to {key!r} must be a list.")
            bad = [v for v in value if options and v not in options]
        elif isinstance(value, str):
            closed = kind in CLOSED_KINDS and options
            bad = [value] if closed and value not in options else []
        else:
            raise Rejected("invalid_answers", f"Answer to {key!r} must be a string.")
        if bad:
            raise Rejected("invalid_answers", f"Answer to {key!r} is not one of its options.")


@dataclass
class _Plan:
    """What one accepted result will do: its row, and whether it moves the contact."""

    row: dict[str, Any]
    contact: Contact
    campaign: Campaign
    outcome: Outcome
    moves: bool
    renew: int | None  # this volunteer's batch the result names, renewed once stored


class _Ingest:
    def __init__(self, session: Session, volunteer_id: int, now: dt.datetime) -> None:
        self.session = session
        self.volunteer_id = volunteer_id
        self.now = now
        self.outcomes: dict[int, dict[str, Outcome]] = {}
        self.renew: set[int] = set()
        self.contacts: dict[int, Contact] = {}
        # contact id -> this volunteer's leases of it, newest first, with their release
        self.batches: dict[int, list[tuple[Batch, dt.datetime | None]]] = {}
        self.others: dict[int, list[dt.datetime]] = {}
        self.holders: dict[int, int] = {}  # batch id -> volunteer id, for contacts' leases
        self._secret: bytes | None = None
        self.stored: dict[int, Campaign] = {}  # campaigns of accepted and duplicate results

    def preload(self, items: list[ResultInput]) -> None:
        """Lock and read what every result needs in a few queries, not a few per result.

        The contacts are locked in ascending id order, the order the per-result work
        used to lock them in. Once they are locked no other upload can add a result
        for them, so the other volunteers' results read here stay complete.
        """
        s = self.session
        ids = sorted({i.contact_id for i in items})
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for contact in s.scalars(
                select(Contact)
                .where(Contact.id.in_(chunk))
                .order_by(Contact.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ):
                self.contacts[contact.id] = contact
            for contact_id, released, batch in s.execute(
                select(BatchContact.contact_id, BatchContact.released_at, Batch)
                .join(Batch, BatchContact.batch_id == Batch.id)
                .where(BatchContact.contact_id.in_(chunk), Batch.volunteer_id == self.volunteer_id)
                .order_by(Batch.created_at.desc(), Batch.id.desc())
            ):
                self.batches.setdefault(contact_id, []).append((batch, released))
            for contact_id, received in s.execute(
                select(Result.contact_id, Result.received_at).where(
                    Result.contact_id.in_(chunk), Result.volunteer_id != self.volunteer_id
                )
            ):
                self.others.setdefault(contact_id, []).append(as_utc(received))
        held = sorted({c.batch_id for c in self.contacts.values() if c.batch_id is not None})
        for start in range(0, len(held), 500):
            rows = s.execute(
                select(Batch.id, Batch.volunteer_id).where(Batch.id.in_(held[start : start + 500]))
            ).all()
            self.holders.update((batch_id, volunteer_id) for batch_id, volunteer_id in rows)

    def _outcome(self, campaign: Campaign, code: str) -> Outcome:
        table = self.outcomes.get(campaign.id)
        if table is None:
            table = {o.code: o for o in campaign_outcomes(campaign.script)}
            self.outcomes[campaign.id] = table
        outcome = table.get(code)
        if outcome is None:
            raise Rejected("invalid_outcome", f"Unknown outcome {code!r} for this campaign.")
        return outcome

    def _proof_ok(self, item: ResultInput) -> bool:
        if not item.lease_proof:
            return False
        if self._secret is None:
            self._secret = lease_proof.server_secret(self.session)
        return lease_proof.valid(
            self._secret, self.volunteer_id, item.batch_id, item.contact_id, item.lease_proof
        )

    def _lease(
        self, item: ResultInput, contact: Contact
    ) -> tuple[int | None, bool, bool, int | None]:
        """(batch id to store, late, moves, batch to renew) by docs/api.md, or Rejected."""
        mine = self.batches.get(item.contact_id, [])
        if not mine:
            if not self._proof_ok(item):
                raise Rejected("not_leased", "This contact was never leased to you.")
            # A lease the server has no record of (restored from a backup): keep the
            # result, late; it moves the contact only if nobody holds it.
            batch = self.session.get(Batch, item.batch_id)
            own = batch is not None and batch.volunteer_id == self.volunteer_id
            free = contact.batch_id is None and contact.state != "done"
            return (item.batch_id if own else None), True, free, None
        named = [pair for pair in mine if pair[0].id == item.batch_id]
        batch, released = named[0] if named else mine[0]
        if released is not None:
            raise Rejected("not_leased", "You released this contact.")
        live = (
            contact.batch_id == batch.id
            and contact.lease_expires_at is not None
            and as_utc(contact.lease_expires_at) > self.now
        )
        moves = self._may_move(item, contact, as_utc(batch.created_at))
        return batch.id, not live, moves, batch.id

    def _may_move(self, item: ResultInput, contact: Contact, leased_at: dt.datetime) -> bool:
        """Late results never change someone else's work (see the module docstring)."""
        if contact.state == "done":
            return item.supersedes is not None and item.supersedes == contact.last_result_id
        if contact.batch_id is not None:
            return self.holders.get(contact.batch_id) == self.volunteer_id
        return not any(at >= leased_at for at in self.others.get(contact.id, ()))

    def _original(self, item: ResultInput, contact: Contact) -> Result | None:
        if item.supersedes is None:
            return None
        original = self.session.get(Result, item.supersedes)
        if (
            original is None
            or item.supersedes == item.id
            or original.contact_id != contact.id
            or original.volunteer_id != self.volunteer_id
        ):
            raise Rejected("invalid", "It corrects a result of yours that the server lacks.")
        if _corrected(self.session, item.supersedes):
            raise Rejected("already_corrected", ALREADY_CORRECTED)
        return original

    def prepare(self, item: ResultInput, digest: str) -> _Plan:
        s = self.session
        contact = self.contacts.get(item.contact_id)
        if contact is None:
            raise Rejected("not_leased", "This contact was never leased to you.")
        batch_id, late, moves, renew = self._lease(item, contact)
        campaign = s.get(Campaign, contact.campaign_id)
        assert campaign is not None
        outcome = self._outcome(campaign, item.outcome)
        check_answers(item.answers, outcome, (campaign.script or {}).get("questions") or [])
        if outcome.needs_callback_time and item.callback_at is None:
            raise Rejected("missing_callback", "A call back needs a time (callback_at).")
        original = self._original(item, contact)
        if original is not None:
            late = original.late
        if campaign.status == "closed":
            late = True  # the organiser closed it: kept, flagged for them
        leased_at = min(
            (as_utc(b.created_at) for b, _ in self.batches.get(contact.id, []) if b.id == batch_id),
            default=None,
        )
        others = self.others.get(contact.id, ())
        double = any(leased_at is None or at >= leased_at for at in others)
        when = as_utc(item.recorded_at or item.started_at)
        outside = not calling_hours.is_open(campaign.calling_hours, campaign.timezone, when)
        row = dict(
            id=item.id,
            campaign_id=campaign.id,
            contact_id=contact.id,
            volunteer_id=self.volunteer_id,
            batch_id=batch_id,
            outcome=outcome.code,
            answers=item.answers,
            notes=item.notes,
            started_at=as_utc(item.started_at),
            duration_s=item.duration_s,
            recorded_at=opt_utc(item.recorded_at),
            callback_at=opt_utc(item.callback_at),
            supersedes=item.supersedes,
            received_at=self.now,
            late=late,
            double_call=double,
            outside_hours=outside,
            payload_hash=digest,
        )
        return _Plan(row, contact, campaign, outcome, moves, renew)

    def apply(self, item: ResultInput, plan: _Plan) -> None:
        """Move the contact when the rules allow; a correction is not another attempt.

        Suppression follows every accepted result, moved or not: a number someone
        asked never to be called again is never called again. A correction lifts the
        suppression its original caused.
        """
        contact, outcome, campaign = plan.contact, plan.outcome, plan.campaign
        if item.supersedes is not None:
            self.session.execute(
                delete(Suppression).where(Suppression.result_id == item.supersedes)
            )
        attempts = contact.attempts + (0 if item.supersedes is not None else 1)
        nxt = next_state(
            outcome, attempts, campaign.max_attempts, self.now, opt_utc(item.callback_at)
        )
        if plan.moves:
            contact.attempts = attempts
            contact.batch_id = None
            contact.lease_expires_at = None
            contact.state = nxt.state
            contact.next_call_after = nxt.next_call_after
            contact.last_result_id = item.id
        if nxt.suppress:
            scope = campaign.id if nxt.suppress == "campaign" else None
            self._suppress(contact.phone, scope, outcome.code, item.id)

    def _suppress(self, phone: str, campaign_id: int | None, reason: str, result_id: str) -> None:
        s = self.session
        already = s.scalar(
            select(
                exists().where(
                    Suppression.phone == phone,
                    Suppression.campaign_id.is_(None)
                    if campaign_id is None
                    else Suppression.campaign_id == campaign_id,
                )
            )
        )
        if already:
            return
        try:
            with s.begin_nested():
                s.add(
                    Suppression(
                        phone=phone,
                        campaign_id=campaign_id,
                        reason=reason,
                        created_at=self.now,
                        result_id=result_id,
                    )
                )
        except IntegrityError:
            pass  # someone else suppressed it at the same moment

    def _classify_existing(self, item: ResultInput, digest: str, reply: IngestReply) -> bool:
        stored = self.session.scalar(select(Result.payload_hash).where(Result.id == item.id))
        if stored is None:
            return False
        if stored == digest:
            reply.duplicates.append(item.id)
            self.renew.add(item.batch_id)
            contact = self.contacts.get(item.contact_id)  # the stored result's contact
            campaign = self.session.get(Campaign, contact.campaign_id) if contact else None
            if campaign is not None:
                self.stored[campaign.id] = campaign
        else:
            reply.reject(item.id, "conflict", "A different result with this id is already stored.")
        return True

    def one(self, item: ResultInput, reply: IngestReply) -> None:
        digest = payload_hash(item)
        try:
            plan = self.prepare(item, digest)
        except Rejected as err:
            if not self._classify_existing(item, digest, reply):
                reply.reject(item.id, err.code, err.message)
            return
        try:
            with self.session.begin_nested():
                # Parameters apart from the statement: compiled once, not per row.
                self.session.execute(insert(Result), plan.row)
        except IntegrityError:
            if self._classify_existing(item, digest, reply):
                return
            if item.supersedes is not None and _corrected(self.session, item.supersedes):
                # Another upload corrected the same result a moment ago (unique index).
                reply.reject(item.id, "already_corrected", ALREADY_CORRECTED)
                return
            raise
        self.apply(item, plan)
        self.session.flush()
        reply.accepted.append(item.id)
        self.stored[plan.campaign.id] = plan.campaign
        if plan.renew is not None:
            self.renew.add(plan.renew)


def _corrected(session: Session, result_id: str) -> bool:
    return bool(session.scalar(select(exists().where(Result.supersedes == result_id))))


def missing(session: Session, volunteer_id: int, ids: list[str]) -> list[str]:
    """The ids (in the order given, once each) not stored as this volunteer's results."""
    held: set[str] = set()
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), 500):
        held.update(
            session.scalars(
                select(Result.id).where(
                    Result.id.in_(unique[start : start + 500]), Result.volunteer_id == volunteer_id
                )
            )
        )
    return [i for i in unique if i not in held]


def _retryable(exc: OperationalError) -> bool:
    """PostgreSQL deadlock or serialisation failure: the whole upload may simply rerun."""
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


Visible = Callable[[Campaign], bool]


def ingest_with_retry(
    session: Session,
    volunteer_id: int,
    items: list[ResultInput],
    now: dt.datetime,
    attempts: int = 3,
    visible: Visible | None = None,
) -> IngestReply:
    """`ingest`, rerun after a deadlock; safe because ingest is idempotent."""
    for attempt in range(attempts):
        try:
            return ingest(session, volunteer_id, items, now, visible)
        except OperationalError as exc:
            session.rollback()
            if attempt == attempts - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


def ingest(
    session: Session,
    volunteer_id: int,
    items: list[ResultInput],
    now: dt.datetime,
    visible: Visible | None = None,
) -> IngestReply:
    """Store the results, apply their outcomes, renew the named batches, and commit.

    With `visible` (the campaigns this volunteer may see), the reply carries tonight's
    tallies of each open campaign it stored results of, so the app need not ask
    /progress after every upload; they are read before the commit, mostly from the
    rows the upload itself just wrote.
    """
    job = _Ingest(session, volunteer_id, now)
    reply = IngestReply()
    # Lock the named batches first (ascending ids): renewing a batch at the end updates
    # all its contacts, and uploads touching one batch must not hold some of those.
    named = sorted({i.batch_id for i in items})
    if named:
        session.execute(
            select(Batch.id)
            .where(Batch.id.in_(named), Batch.volunteer_id == volunteer_id)
            .order_by(Batch.id)
            .with_for_update()
        ).all()
    # One global order of row locks (by contact) keeps concurrent uploads of
    # overlapping results on PostgreSQL free of deadlocks. The sort is stable: one
    # contact's results keep the order they were sent in, so a correction sent with
    # the result it supersedes finds it stored.
    job.preload(items)
    tally = tallies.watch(session, (i.contact_id for i in items))  # contacts now locked
    for item in sorted(items, key=lambda i: i.contact_id):
        job.one(item, reply)
    recovering = bool(job.renew) and recovery.until(session, now) is not None
    for batch_id in sorted(job.renew):
        batch = session.get(Batch, batch_id)
        if batch is not None and batch.volunteer_id == volunteer_id and batch.released_at is None:
            leasing.renew(session, batch, now, recovering)
    tally.apply()  # last: the campaign's tally row stays locked only until the commit
    if visible is not None:
        for campaign in sorted(job.stored.values(), key=lambda c: c.id):
            if campaign.status == "closed" or not visible(campaign):
                continue  # as /progress: a closed or hidden campaign has no tallies
            figures = progress.tonight_tallies(session, campaign, volunteer_id, now, tally.written)
            reply.tallies.append(
                {"campaign_id": campaign.id, **figures, "campaign_status": campaign.status}
            )
    session.commit()
    return reply
