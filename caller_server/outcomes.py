"""Call outcomes and what happens to a contact after each one.

The defaults follow the campaign brief; a campaign's script may replace them with its
own list (`code`, `label`, `reached`, `final`, optional `retry_after_minutes` and
`needs_callback_time`). The codes `wrong_number` and `do_not_call` keep their
suppression meaning in a custom list too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

SUPPRESS_CAMPAIGN = "wrong_number"  # number suppressed for this campaign
SUPPRESS_GLOBAL = "do_not_call"  # number suppressed for every campaign


@dataclass(frozen=True)
class Outcome:
    """One outcome of a call: the campaign file's entry, the rules' input, and (through
    `api.schemas.OutcomeOut`, which reads these attributes) what the app is sent."""

    code: str
    label: str
    reached: bool
    final: bool
    needs_callback_time: bool = False
    retry_after_minutes: int | None = None


DEFAULT_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("answered", "Spoke to them", reached=True, final=True),
    Outcome("not_home", "Not home", reached=False, final=False, retry_after_minutes=4 * 60),
    Outcome("busy", "Busy / engaged", reached=False, final=False, retry_after_minutes=60),
    Outcome(
        "voicemail", "Left a voicemail", reached=False, final=False, retry_after_minutes=24 * 60
    ),
    Outcome("call_back", "Call back", reached=True, final=False, needs_callback_time=True),
    Outcome("wrong_number", "Wrong number", reached=False, final=True),
    Outcome("refused", "Refused to talk", reached=True, final=True),
    Outcome("do_not_call", "Do not call again", reached=True, final=True),
    Outcome("moved", "Moved away", reached=False, final=True),
    Outcome("deceased", "Deceased", reached=False, final=True),
)

DEFAULT_RETRY_MINUTES = 4 * 60


def outcome_from_dict(raw: dict[str, Any]) -> Outcome:
    """Build an outcome from a script entry (already validated by the campaign loader)."""
    code = str(raw["code"])
    needs = bool(raw.get("needs_callback_time", code == "call_back"))
    retry = raw.get("retry_after_minutes")
    return Outcome(
        code=code,
        label=str(raw.get("label", code)),
        reached=bool(raw.get("reached", False)),
        final=bool(raw.get("final", False)),
        needs_callback_time=needs,
        retry_after_minutes=int(retry) if retry is not None else None,
    )


def campaign_outcomes(script: dict[str, Any] | None) -> list[Outcome]:
    """The campaign's outcomes: its script's list when it has one, else the defaults."""
    custom = (script or {}).get("outcomes")
    if custom:
        return [outcome_from_dict(o) for o in custom]
    return list(DEFAULT_OUTCOMES)


@dataclass(frozen=True)
class NextState:
    state: str  # available | done
    next_call_after: dt.datetime | None
    suppress: str | None  # None | "campaign" | "global"


def next_state(
    outcome: Outcome,
    attempts: int,
    max_attempts: int,
    now: dt.datetime,
    callback_at: dt.datetime | None = None,
) -> NextState:
    """The contact's state after a call with `outcome`; `attempts` counts that call."""
    suppress = None
    if outcome.code == SUPPRESS_CAMPAIGN:
        suppress = "campaign"
    elif outcome.code == SUPPRESS_GLOBAL:
        suppress = "global"
    if outcome.final or suppress or attempts >= max_attempts:
        return NextState("done", None, suppress)
    if outcome.needs_callback_time and callback_at is not None:
        return NextState("available", callback_at, None)
    minutes = outcome.retry_after_minutes
    if minutes is None:
        minutes = DEFAULT_RETRY_MINUTES
    return NextState("available", now + dt.timedelta(minutes=minutes), None)
