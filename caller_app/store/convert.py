"""Rows <-> domain dataclasses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from caller_app.domain.contract import QuestionKind
from caller_app.domain.models import (
    Attempt,
    Campaign,
    Contact,
    Outcome,
    Question,
    Result,
    Script,
)

from .schema import ContactRow, ResultRow


def campaign_to_json(c: Campaign) -> dict[str, Any]:
    data = dataclasses.asdict(c)
    data["opens_at"] = c.opens_at.isoformat() if c.opens_at else None
    return data


def campaign_from_json(data: dict[str, Any]) -> Campaign:
    data = dict(data)
    data["opens_at"] = dt.datetime.fromisoformat(data["opens_at"]) if data["opens_at"] else None
    return Campaign(**data)


def script_to_json(s: Script) -> dict[str, Any]:
    return dataclasses.asdict(s)


def script_from_json(data: dict[str, Any]) -> Script:
    data = dict(data)
    data["questions"] = tuple(
        Question(**{**q, "kind": QuestionKind(q["kind"]), "options": tuple(q["options"])})
        for q in data["questions"]
    )
    data["outcomes"] = tuple(Outcome(**o) for o in data["outcomes"])
    data["show_attributes"] = tuple(data.get("show_attributes") or ())
    return Script(**data)


def attempts_to_json(attempts: tuple[Attempt, ...]) -> list[dict[str, Any]]:
    return [
        {"outcome": a.outcome, "label": a.label, "at": a.at.isoformat(), "notes": a.notes}
        for a in attempts
    ]


def attempts_from_json(data: list[Any] | None) -> tuple[Attempt, ...]:
    return tuple(
        Attempt(a["outcome"], a["label"], dt.datetime.fromisoformat(a["at"]), a.get("notes", ""))
        for a in data or ()
    )


def contact_from_row(r: ContactRow) -> Contact:
    return Contact(
        id=r.contact_id,
        batch_id=r.batch_id,
        campaign_id=r.campaign_id,
        first_name=r.first_name,
        last_name=r.last_name,
        phone=r.phone,
        ward=r.ward,
        attempt=r.attempt,
        previous_notes=tuple(r.previous_notes),
        attributes=dict(r.attributes),
        lease_proof=r.lease_proof,
        previous_attempts=attempts_from_json(r.previous_attempts),
    )


def contact_to_row(c: Contact, batch_id: int, campaign_id: int) -> ContactRow:
    return ContactRow(
        contact_id=c.id,
        batch_id=batch_id,
        campaign_id=campaign_id,
        first_name=c.first_name,
        last_name=c.last_name,
        phone=c.phone,
        ward=c.ward,
        attempt=c.attempt,
        previous_notes=list(c.previous_notes),
        attributes=dict(c.attributes),
        worked=False,
        lease_proof=c.lease_proof,
        previous_attempts=attempts_to_json(c.previous_attempts),
    )


def result_from_row(r: ResultRow) -> Result:
    return Result(
        id=r.id,
        contact_id=r.contact_id,
        batch_id=r.batch_id,
        campaign_id=r.campaign_id,
        outcome=r.outcome,
        started_at=r.started_at,
        duration_s=r.duration_s,
        recorded_at=r.recorded_at,
        answers=dict(r.answers),
        notes=r.notes,
        callback_at=r.callback_at,
        supersedes=r.supersedes,
        lease_proof=r.lease_proof,
    )
