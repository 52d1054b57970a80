"""Plain data shared by every layer of the app (store, api, sync and ui).

Frozen dataclasses so that an object handed from the sync thread to the GUI thread
can never be changed under either of them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from caller_app.domain.contract import QuestionKind

# A survey answer: `single`/`scale` -> str, `multi` -> list[str], `text` -> str.
Answer = str | list[str]


@dataclass(frozen=True)
class Account:
    server_url: str
    username: str
    volunteer_id: int
    name: str  # display name, e.g. "Priya Shah"

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.username


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    seat: str
    candidate: str
    timezone: str
    calling_hours: str
    calling_now: bool
    opens_at: dt.datetime | None
    target_contacts_per_hour: int
    batch_size: int
    max_attempts: int
    lease_minutes: int
    max_held_contacts: int = 0  # live contacts held at once; 0 = unknown (2 x batch_size)
    status: str = "active"  # active | paused | closed (older servers: active)

    @property
    def held_limit(self) -> int:
        """At most this many contacts held at once (the server refuses more)."""
        return self.max_held_contacts if self.max_held_contacts > 0 else 2 * self.batch_size

    @property
    def can_start(self) -> bool:
        """Whether calling can start: a paused or closed campaign hands out no contacts."""
        return self.status == "active"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: QuestionKind
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    reached: bool
    final: bool
    needs_callback_time: bool = False


@dataclass(frozen=True)
class Script:
    campaign_id: int
    version: str
    intro: str
    crib_sheet: str
    candidate_bio: str
    candidate: str
    seat: str
    questions: tuple[Question, ...]
    outcomes: tuple[Outcome, ...]
    # Contact attributes the card shows (the campaign file's `show_attributes`).
    show_attributes: tuple[str, ...] = ()

    def outcome(self, code: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.code == code), None)


@dataclass(frozen=True)
class Attempt:
    """An earlier call to the contact, as the server lists it with the lease."""

    outcome: str
    label: str
    at: dt.datetime
    notes: str = ""


@dataclass(frozen=True)
class Contact:
    id: int
    batch_id: int
    campaign_id: int
    first_name: str
    last_name: str
    phone: str  # E.164
    ward: str
    attempt: int
    previous_notes: tuple[str, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)
    lease_proof: str | None = None  # the server's HMAC, sent back with the result
    previous_attempts: tuple[Attempt, ...] = ()  # newest first (at most 5)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class ResultDraft:
    """What the volunteer entered for one call; the store gives it an id and a time."""

    contact_id: int
    batch_id: int
    campaign_id: int
    outcome: str
    started_at: dt.datetime
    duration_s: int
    answers: dict[str, Answer] = field(default_factory=dict)
    notes: str = ""
    callback_at: dt.datetime | None = None


@dataclass(frozen=True)
class Result:
    """A recorded result, as it sits in the outbox and as it is uploaded."""

    id: str  # UUID made by the app
    contact_id: int
    batch_id: int
    campaign_id: int
    outcome: str
    started_at: dt.datetime
    duration_s: int
    recorded_at: dt.datetime
    answers: dict[str, Answer] = field(default_factory=dict)
    notes: str = ""
    callback_at: dt.datetime | None = None
    supersedes: str | None = None
    lease_proof: str | None = None  # None for results recorded before schema 2

    def payload(self) -> dict[str, Any]:
        """The JSON object of `POST /api/v1/results` (docs/api.md)."""
        return {
            "id": self.id,
            "batch_id": self.batch_id,
            "contact_id": self.contact_id,
            "outcome": self.outcome,
            "answers": self.answers,
            "notes": self.notes,
            "started_at": _iso(self.started_at),
            "duration_s": self.duration_s,
            "recorded_at": _iso(self.recorded_at),
            "callback_at": _iso(self.callback_at) if self.callback_at else None,
            "supersedes": self.supersedes,
            "lease_proof": self.lease_proof,
        }


@dataclass(frozen=True)
class Skip:
    """A contact passed on without an outcome, waiting in the store to be sent once."""

    id: str  # UUID made by the app: the server answers a skip sent again as before
    batch_id: int
    contact_id: int
    campaign_id: int
    skipped_at: dt.datetime


@dataclass(frozen=True)
class Rejection:
    """A result the server refused for good: shown in the "needs attention" list."""

    result_id: str
    code: str
    message: str


class Connectivity(enum.Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    RETRYING = "retrying"
    SIGNED_OUT = "signed_out"


@dataclass(frozen=True)
class SyncStatus:
    connectivity: Connectivity
    waiting: int = 0  # results in the outbox
    needs_attention: int = 0
    retry_in_s: int | None = None
    uploading: bool = False
    detail: str = ""  # last error, in words a volunteer understands


@dataclass(frozen=True)
class TeamProgress:
    calls: int
    reached: int
    volunteers_active: int
    my_calls: int
    my_reached: int
    leaderboard: tuple[tuple[str, int], ...] = ()
    campaign_status: str = "active"  # active | paused | closed


@dataclass(frozen=True)
class SessionStats:
    started_at: dt.datetime
    calls: int
    reached: int
    by_outcome: dict[str, int]
    uploaded: int  # calls whose current result the server holds (a correction is no new call)
    waiting: int
    needs_attention: int = 0  # calls whose current result the server refused


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a time zone")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Lease:
    """The reply of `POST /campaigns/{id}/batches`: a batch, or why there is none."""

    batch_id: int | None
    campaign_id: int
    lease_expires_at: dt.datetime | None
    contacts: tuple[Contact, ...] = ()
    # outside_calling_hours | no_contacts | holding_limit | recovering
    reason: str | None = None
    opens_at: dt.datetime | None = None
    lease_expires_in_s: int | None = None  # seconds left by the server's clock
    next_retry: RetryWait | None = None  # no_contacts: when the first retry comes back

    def lease_end(self, received: dt.datetime) -> dt.datetime | None:
        """The lease end on our own wall clock (skew and sleep both count)."""
        return lease_end(received, self.lease_expires_in_s, self.lease_expires_at)


@dataclass(frozen=True)
class RetryWait:
    """Contacts waiting for a retry: when the first may be called again (UTC, inside
    calling hours) and how many wait. Sent with an empty lease (`no_contacts`)."""

    at: dt.datetime
    count: int


@dataclass(frozen=True)
class Renewal:
    """The reply of `POST /batches/{id}/renew`: the new lease and the contacts still held."""

    batch_id: int
    lease_expires_at: dt.datetime
    lease_expires_in_s: int | None
    contact_ids: tuple[int, ...]
    # Set while the server recovers from a restore: it wants our results checked.
    recovering_until: dt.datetime | None = None
    campaign_status: str = "active"  # active | paused | closed

    def lease_end(self, received: dt.datetime) -> dt.datetime:
        end = lease_end(received, self.lease_expires_in_s, self.lease_expires_at)
        assert end is not None
        return end


# No lease runs past tonight's calling hours: a longer one is a broken or hostile server.
MAX_LEASE = dt.timedelta(hours=24)


def lease_end(
    received: dt.datetime, expires_in_s: int | None, expires_at: dt.datetime | None
) -> dt.datetime | None:
    """`received` + seconds left (else the server's timestamp), never past a day ahead."""
    if expires_in_s is not None:
        seconds = min(max(0, expires_in_s), int(MAX_LEASE.total_seconds()))
        return received + dt.timedelta(seconds=seconds)
    if expires_at is None:
        return None
    return min(expires_at, received + MAX_LEASE)


@dataclass(frozen=True)
class UploadReply:
    """The reply of `POST /results`: which ids the server holds now, and which it refused."""

    accepted: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    # Tonight's tallies after the upload, per campaign it stored results of (no
    # leaderboard); None from a server that does not send them (poll /progress then).
    tallies: tuple[tuple[int, TeamProgress], ...] | None = None

    def tally(self, campaign_id: int) -> TeamProgress | None:
        """This campaign's tallies in the reply, if it carries them."""
        return next((p for cid, p in self.tallies or () if cid == campaign_id), None)


@dataclass(frozen=True)
class AttentionItem:
    """A result the server refused for good, with its reason, for the "needs attention" list."""

    result: Result
    code: str
    message: str
