"""Request and reply bodies. Strict types and length limits, so OpenAPI tells the truth.

Every string that comes in is a `CleanStr` (or `NotesStr`) and every timestamp a
`TsIn`: control characters, lone surrogates and timestamps outside 2000-2099 (UTC) are
a 422 naming the field, never a database error later (PostgreSQL refuses NUL, and
year 1 or 9999 overflow when moved to UTC).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StrictStr,
)

from caller_server.contract import (
    MAX_ANSWERS,
    MAX_BATCH_SIZE,
    MAX_CHECK_IDS,
    MAX_CHOICE_LENGTH,
    MAX_CODE_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_RELEASE_IDS,
    MAX_RESULTS_PER_REQUEST,
    MAX_TEXT_ANSWER_LENGTH,
    QuestionKind,
)
from caller_server.timeutil import iso_z


def _must_be_text(value: Any) -> Any:
    if not isinstance(value, str | dt.datetime):
        raise ValueError("must be an ISO 8601 timestamp string with an offset")
    return value


TS_MIN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
TS_MAX = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # excluded


def _in_range(value: dt.datetime) -> dt.datetime:
    """Within [2000-01-01, 2100-01-01) UTC; year 1 or 9999 with an offset would overflow."""
    try:
        utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not TS_MIN <= utc < TS_MAX:
        raise ValueError("must be between 2000-01-01 and 2100-01-01 (UTC)")
    return value


# A timestamp in: ISO 8601 string with an offset, 2000-2099. Out: UTC with a Z.
TsIn = Annotated[AwareDatetime, BeforeValidator(_must_be_text), AfterValidator(_in_range)]
TsOut = Annotated[dt.datetime, PlainSerializer(iso_z, return_type=str)]


def _must_be_uuid_text(value: Any) -> Any:
    if not isinstance(value, str | UUID):
        raise ValueError("must be a UUID string")
    return value


Uuid = Annotated[UUID, BeforeValidator(_must_be_uuid_text)]

_CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F))
_NOTES_CONTROL = _CONTROL - {"\t", "\n"}


def _clean(value: str, banned: frozenset[str]) -> str:
    for char in value:
        if char in banned:
            raise ValueError(f"must not hold control characters (U+{ord(char):04X})")
        if "\ud800" <= char <= "\udfff":
            raise ValueError("must not hold lone surrogates")
    return value


def _clean_text(value: str) -> str:
    return _clean(value, _CONTROL)


def _clean_notes(value: str) -> str:
    return _clean(value, _NOTES_CONTROL)


# Text in: no control characters or lone surrogates (notes may hold tab and newline).
# The pattern is for OpenAPI only (so schema-driven fuzzers know); the validator decides.
CleanStr = Annotated[
    StrictStr,
    AfterValidator(_clean_text),
    Field(json_schema_extra={"pattern": "^[^\\u0000-\\u001f\\u007f]*$"}),
]
NotesStr = Annotated[
    StrictStr,
    AfterValidator(_clean_notes),
    Field(json_schema_extra={"pattern": "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$"}),
]
Role = Literal["caller", "organiser"]
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns (PostgreSQL `integer`)
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    api: int
    # The lowest caller app version this server accepts, and where to get a newer one.
    min_app_version: str
    download_url: str


class LoginIn(BaseModel):
    username: Annotated[CleanStr, Field(min_length=1, max_length=100)]
    password: Annotated[CleanStr, Field(min_length=1, max_length=1024)]


class InviteOut(BaseModel):
    code: str
    campaign_id: int
    campaign_name: str
    seat: str
    needs_approval: bool


class JoinIn(BaseModel):
    name: Annotated[CleanStr, Field(min_length=1, max_length=200)]
    username: Annotated[CleanStr, Field(min_length=1, max_length=100)]
    password: Annotated[CleanStr, Field(min_length=1, max_length=1024)]


class JoinPendingOut(BaseModel):
    pending: Literal[True]
    campaign_id: int
    message: str


class VolunteerOut(BaseModel):
    id: int
    username: str
    name: str
    role: Role


class LoginOut(BaseModel):
    token: str
    expires_at: TsOut
    volunteer: VolunteerOut


class JoinOut(LoginOut):
    campaign_id: int


class MeOut(VolunteerOut):
    leaderboard_opt_in: bool


class PreferencesIn(BaseModel):
    leaderboard_opt_in: StrictBool


class CampaignOut(BaseModel):
    id: int
    name: str
    seat: str
    candidate: str
    timezone: str
    calling_hours: str
    calling_now: bool
    opens_at: TsOut | None
    target_contacts_per_hour: int
    batch_size: int
    max_attempts: int
    lease_minutes: int
    max_held_contacts: int
    # Closed campaigns are not listed; a paused one is, so the app can say why it waits.
    status: Literal["active", "paused"] = "active"


class CampaignsOut(BaseModel):
    campaigns: list[CampaignOut]


class QuestionOut(BaseModel):
    key: str
    text: str
    kind: QuestionKind
    options: list[str]


class OutcomeOut(BaseModel):
    """The wire shape of `outcomes.Outcome`: the retry rule stays on the server."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    reached: bool
    final: bool
    needs_callback_time: bool


class ScriptOut(BaseModel):
    campaign_id: int
    version: str
    intro: str
    crib_sheet: str
    candidate_bio: str
    candidate: str
    seat: str
    questions: list[QuestionOut]
    outcomes: list[OutcomeOut]
    # Contact attributes the card shows (the campaign file's `show_attributes`).
    show_attributes: list[str] = []


class BatchIn(BaseModel):
    size: Annotated[StrictInt, Field(ge=1, le=MAX_BATCH_SIZE)]
    request_id: Uuid


class AttemptOut(BaseModel):
    """An earlier result for the contact: what happened and what was noted."""

    outcome: str
    label: str
    at: TsOut
    notes: str


class ContactOut(BaseModel):
    id: int
    first_name: str
    last_name: str
    phone: str
    ward: str
    attempt: int
    previous_notes: list[str]
    # Newest first, at most MAX_PREVIOUS_ATTEMPTS (corrected and voided ones left out).
    previous_attempts: list[AttemptOut] = []
    attributes: dict[str, str]
    lease_proof: str
    # Contacts of this batch sharing this number (a household), shown one after another.
    household_size: int = 1
    same_number: bool = False


class BatchOut(BaseModel):
    batch_id: int | None
    campaign_id: int
    lease_expires_at: TsOut | None
    lease_expires_in_s: int | None
    contacts: list[ContactOut]
    reason: (
        Literal[
            "outside_calling_hours",
            "no_contacts",
            "holding_limit",
            "recovering",
            "paused",
            "closed",
        ]
        | None
    )
    opens_at: TsOut | None
    # With `no_contacts`: when the first contact waiting for a retry comes back (null
    # when none waits) and how many wait, so the app can say "2 come back at 19:42".
    next_retry_at: TsOut | None = None
    retries_waiting: int = 0


class RenewOut(BaseModel):
    batch_id: int
    lease_expires_at: TsOut
    lease_expires_in_s: int
    contact_ids: list[int]
    recovering_until: TsOut | None = None  # restored from a backup: send results back
    campaign_status: Literal["active", "paused", "closed"] = "active"


class ReleaseIn(BaseModel):
    contact_ids: Annotated[list[Id], Field(max_length=MAX_RELEASE_IDS)] | None = None


class ReleaseOut(BaseModel):
    released: int


class SkipIn(BaseModel):
    id: Uuid  # made by the app: the same skip sent again is answered as before
    contact_id: Id


class SkipOut(BaseModel):
    skipped: bool  # False: the lease had already gone (nothing changed)


TextAnswer = Annotated[CleanStr, Field(max_length=MAX_TEXT_ANSWER_LENGTH)]
Answer = (
    TextAnswer
    | Annotated[
        list[Annotated[CleanStr, Field(max_length=MAX_CHOICE_LENGTH)]],
        Field(max_length=MAX_ANSWERS),
    ]
)
AnswerKey = Annotated[CleanStr, Field(min_length=1, max_length=MAX_CODE_LENGTH)]


class ResultIn(BaseModel):
    id: Uuid
    batch_id: Id
    contact_id: Id
    outcome: Annotated[CleanStr, Field(min_length=1, max_length=MAX_CODE_LENGTH)]
    answers: Annotated[dict[AnswerKey, Answer], Field(max_length=MAX_ANSWERS)] = Field(
        default_factory=dict
    )
    notes: Annotated[NotesStr, Field(max_length=MAX_NOTES_LENGTH)] = ""
    started_at: TsIn
    duration_s: Annotated[StrictInt, Field(ge=0, le=7 * 24 * 3600)]
    recorded_at: TsIn | None = None
    callback_at: TsIn | None = None
    supersedes: Uuid | None = None
    lease_proof: Annotated[CleanStr, Field(max_length=128)] | None = None


class ResultsIn(BaseModel):
    results: Annotated[list[ResultIn], Field(max_length=MAX_RESULTS_PER_REQUEST)]


class CheckIn(BaseModel):
    ids: Annotated[list[Uuid], Field(max_length=MAX_CHECK_IDS)]


class CheckOut(BaseModel):
    missing: list[str]


class RejectedOut(BaseModel):
    id: str
    code: str
    message: str


class Tally(BaseModel):
    calls: int
    reached: int


class TeamTally(Tally):
    volunteers_active: int


CampaignStatus = Literal["active", "paused", "closed"]


class UploadTallyOut(BaseModel):
    """Tonight's tallies of a campaign an upload stored results of (/progress's figures
    without the leaderboard), so the app need not poll /progress after each upload."""

    campaign_id: int
    team: TeamTally
    mine: Tally
    campaign_status: Literal["active", "paused"]


class ResultsOut(BaseModel):
    accepted: list[str]
    duplicates: list[str]
    rejected: list[RejectedOut]
    tallies: list[UploadTallyOut] = []


class LeaderboardEntry(BaseModel):
    name: str
    calls: int


class ProgressOut(BaseModel):
    team: TeamTally
    mine: Tally
    leaderboard: list[LeaderboardEntry]
    campaign_status: CampaignStatus = "active"  # the app offers no contacts unless active


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 413, 422)
}
