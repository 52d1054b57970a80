"""Request and reply bodies. Strict types and length limits, so OpenAPI tells the truth."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StrictStr,
)

from caller_server.timeutil import iso_z


def _must_be_text(value: Any) -> Any:
    if not isinstance(value, str | dt.datetime):
        raise ValueError("must be an ISO 8601 timestamp string with an offset")
    return value


# A timestamp in: ISO 8601 string with an offset. Out: UTC with a Z.
TsIn = Annotated[AwareDatetime, BeforeValidator(_must_be_text)]
TsOut = Annotated[dt.datetime, PlainSerializer(iso_z, return_type=str)]


def _must_be_uuid_text(value: Any) -> Any:
    if not isinstance(value, str | UUID):
        raise ValueError("must be a UUID string")
    return value


Uuid = Annotated[UUID, BeforeValidator(_must_be_uuid_text)]
Role = Literal["caller", "organiser"]
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns (PostgreSQL `integer`)
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    api: int


class LoginIn(BaseModel):
    username: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    password: Annotated[StrictStr, Field(min_length=1, max_length=1024)]


class VolunteerOut(BaseModel):
    id: int
    username: str
    name: str
    role: Role


class LoginOut(BaseModel):
    token: str
    expires_at: TsOut
    volunteer: VolunteerOut


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


class CampaignsOut(BaseModel):
    campaigns: list[CampaignOut]


class QuestionOut(BaseModel):
    key: str
    text: str
    kind: Literal["single", "multi", "scale", "text"]
    options: list[str]


class OutcomeOut(BaseModel):
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


class BatchIn(BaseModel):
    size: Annotated[StrictInt, Field(ge=1, le=50)]
    request_id: Uuid


class ContactOut(BaseModel):
    id: int
    first_name: str
    last_name: str
    phone: str
    ward: str
    attempt: int
    previous_notes: list[str]
    attributes: dict[str, str]


class BatchOut(BaseModel):
    batch_id: int | None
    campaign_id: int
    lease_expires_at: TsOut | None
    contacts: list[ContactOut]
    reason: Literal["outside_calling_hours", "no_contacts"] | None
    opens_at: TsOut | None


class RenewOut(BaseModel):
    batch_id: int
    lease_expires_at: TsOut


class ReleaseIn(BaseModel):
    contact_ids: Annotated[list[Id], Field(max_length=1000)] | None = None


class ReleaseOut(BaseModel):
    released: int


TextAnswer = Annotated[StrictStr, Field(max_length=2000)]
Answer = TextAnswer | Annotated[list[Annotated[StrictStr, Field(max_length=500)]],
                                Field(max_length=100)]
AnswerKey = Annotated[str, Field(min_length=1, max_length=64)]


class ResultIn(BaseModel):
    id: Uuid
    batch_id: Id
    contact_id: Id
    outcome: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    answers: Annotated[dict[AnswerKey, Answer], Field(max_length=100)] = Field(
        default_factory=dict
    )
    notes: Annotated[StrictStr, Field(max_length=4000)] = ""
    started_at: TsIn
    duration_s: Annotated[StrictInt, Field(ge=0, le=7 * 24 * 3600)]
    recorded_at: TsIn | None = None
    callback_at: TsIn | None = None
    supersedes: Uuid | None = None


class ResultsIn(BaseModel):
    results: Annotated[list[ResultIn], Field(max_length=200)]


class RejectedOut(BaseModel):
    id: str
    code: str
    message: str


class ResultsOut(BaseModel):
    accepted: list[str]
    duplicates: list[str]
    rejected: list[RejectedOut]


class Tally(BaseModel):
    calls: int
    reached: int


class TeamTally(Tally):
    volunteers_active: int


class LeaderboardEntry(BaseModel):
    name: str
    calls: int


class ProgressOut(BaseModel):
    team: TeamTally
    mine: Tally
    leaderboard: list[LeaderboardEntry]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 413, 422)
}
