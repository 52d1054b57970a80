"""Strict reading of server replies into domain objects.

Anything of the wrong shape raises ProtocolError; nothing here trusts the server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from caller_app.domain.contract import (
    MAX_OUTCOMES,
    MAX_PREVIOUS_ATTEMPTS,
    MAX_SHOW_ATTRIBUTES,
    QuestionKind,
)
from caller_app.domain.i18n import QT_TRANSLATE_NOOP
from caller_app.domain.models import (
    Account,
    Attempt,
    Campaign,
    Contact,
    Lease,
    Outcome,
    Question,
    Rejection,
    Renewal,
    RetryWait,
    Script,
    TeamProgress,
    UploadReply,
)

from .errors import ProtocolError


def _bad(what: str) -> ProtocolError:
    return ProtocolError(
        QT_TRANSLATE_NOOP(
            "Errors", "The server sent an unexpected reply ({what}). We'll keep trying."
        ),
        params={"what": what},
    )


def obj(value: Any, what: str = "object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{what} is not an object")
    return value


def req(d: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in d:
        raise _bad(f"missing {key}")
    value = d[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise _bad(f"{key} has the wrong type")
    if not isinstance(value, kinds):
        raise _bad(f"{key} has the wrong type")
    return value


def opt(d: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    return None if d.get(key) is None else req(d, key, kind)


def ts(value: Any, key: str) -> dt.datetime:
    if not isinstance(value, str):
        raise _bad(f"{key} is not a timestamp")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _bad(f"{key} is not a timestamp") from None
    if parsed.tzinfo is None:
        raise _bad(f"{key} has no time zone")
    return parsed


def opt_ts(d: dict[str, Any], key: str) -> dt.datetime | None:
    return None if d.get(key) is None else ts(d[key], key)


def str_list(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(f"{key} is not a list of strings")
    return tuple(value)


def health(d: Any) -> int:
    d = obj(d, "health")
    req(d, "status", str)
    return int(req(d, "api", int))


def versions(d: Any) -> tuple[str, str]:
    """(min_app_version, download_url) from health; ("", "") from an older server."""
    d = obj(d, "health")
    minimum = opt(d, "min_app_version", str) or ""
    url = opt(d, "download_url", str) or ""
    if len(minimum) > 32 or len(url) > 2048:
        raise _bad("health fields too long")
    if url and not url.lower().startswith(("https://", "http://")):
        url = ""  # only ever open a web page
    return minimum, url


def invite(d: Any) -> tuple[int, str, bool]:
    """(campaign_id, campaign_name, needs_approval) of an invite look-up."""
    d = obj(d, "invite")
    return req(d, "campaign_id", int), req(d, "campaign_name", str), req(d, "needs_approval", bool)


def login(d: Any, server_url: str) -> tuple[str, Account]:
    d = obj(d, "login")
    token = req(d, "token", str)
    if not token:
        raise _bad("empty token")
    v = obj(req(d, "volunteer", dict), "volunteer")
    account = Account(
        server_url=server_url,
        username=req(v, "username", str),
        volunteer_id=req(v, "id", int),
        name=req(v, "name", str),
    )
    return token, account


def campaign(d: Any) -> Campaign:
    d = obj(d, "campaign")
    return Campaign(
        id=req(d, "id", int),
        name=req(d, "name", str),
        seat=req(d, "seat", str),
        candidate=req(d, "candidate", str),
        timezone=req(d, "timezone", str),
        calling_hours=req(d, "calling_hours", str),
        calling_now=req(d, "calling_now", bool),
        opens_at=opt_ts(d, "opens_at"),
        target_contacts_per_hour=req(d, "target_contacts_per_hour", int),
        batch_size=req(d, "batch_size", int),
        max_attempts=req(d, "max_attempts", int),
        lease_minutes=req(d, "lease_minutes", int),
        max_held_contacts=_held_limit(d),
        status=_listed_status(d),
    )


def _listed_status(d: dict[str, Any]) -> str:
    """A listed campaign's `status`, optional: older servers list only callable ones."""
    status = opt(d, "status", str) or "active"
    if status not in CAMPAIGN_STATUSES:
        raise _bad("unknown campaign status")
    return str(status)


def _held_limit(d: dict[str, Any]) -> int:
    """`max_held_contacts`, optional: a server without it means 2 x batch_size."""
    limit = opt(d, "max_held_contacts", int)
    if limit is None:
        return 2 * int(d["batch_size"])
    if limit < 1:
        raise _bad("max_held_contacts is not positive")
    return int(limit)


def campaigns(d: Any) -> list[Campaign]:
    items = req(obj(d), "campaigns", list)
    return [campaign(c) for c in items]


def script(d: Any) -> Script:
    d = obj(d, "script")
    questions = []
    for q in req(d, "questions", list):
        q = obj(q, "question")
        kind = req(q, "kind", str)
        if kind not in set(QuestionKind):
            raise _bad("unknown question kind")
        questions.append(
            Question(
                key=req(q, "key", str),
                text=req(q, "text", str),
                kind=QuestionKind(kind),
                options=str_list(q.get("options", []), "options"),
            )
        )
    outcomes = []
    listed = req(d, "outcomes", list)
    if len(listed) > MAX_OUTCOMES:  # the server's campaign file refuses more
        raise _bad(f"more than {MAX_OUTCOMES} outcomes")
    for o in listed:
        o = obj(o, "outcome")
        outcomes.append(
            Outcome(
                code=req(o, "code", str),
                label=req(o, "label", str),
                reached=req(o, "reached", bool),
                final=req(o, "final", bool),
                needs_callback_time=bool(opt(o, "needs_callback_time", bool)),
            )
        )
    return Script(
        campaign_id=req(d, "campaign_id", int),
        version=req(d, "version", str),
        intro=req(d, "intro", str),
        crib_sheet=req(d, "crib_sheet", str),
        candidate_bio=req(d, "candidate_bio", str),
        candidate=req(d, "candidate", str),
        seat=req(d, "seat", str),
        questions=tuple(questions),
        outcomes=tuple(outcomes),
        show_attributes=_show_attributes(d),
    )


def _show_attributes(d: dict[str, Any]) -> tuple[str, ...]:
    names = str_list(d.get("show_attributes") or [], "show_attributes")
    if len(names) > MAX_SHOW_ATTRIBUTES:
        raise _bad(f"more than {MAX_SHOW_ATTRIBUTES} attributes to show")
    return names


def _attempts(value: Any) -> tuple[Attempt, ...]:
    if not isinstance(value, list):
        raise _bad("previous_attempts is not a list")
    attempts = []
    for a in value[:MAX_PREVIOUS_ATTEMPTS]:
        a = obj(a, "previous attempt")
        attempts.append(
            Attempt(
                outcome=req(a, "outcome", str),
                label=req(a, "label", str),
                at=ts(a.get("at"), "at"),
                notes=str(opt(a, "notes", str) or ""),
            )
        )
    return tuple(attempts)


def contact(d: Any, batch_id: int, campaign_id: int) -> Contact:
    d = obj(d, "contact")
    attributes = obj(d.get("attributes") or {}, "attributes")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
        raise _bad("attributes are not text")
    return Contact(
        id=req(d, "id", int),
        batch_id=batch_id,
        campaign_id=campaign_id,
        first_name=req(d, "first_name", str),
        last_name=req(d, "last_name", str),
        phone=req(d, "phone", str),
        ward=req(d, "ward", str),
        attempt=req(d, "attempt", int),
        previous_notes=str_list(d.get("previous_notes") or [], "previous_notes"),
        attributes=dict(attributes),
        lease_proof=req(d, "lease_proof", str),
        previous_attempts=_attempts(d.get("previous_attempts") or []),
    )


def lease(d: Any) -> Lease:
    d = obj(d, "batch")
    batch_id = opt(d, "batch_id", int)
    campaign_id = req(d, "campaign_id", int)
    reason = opt(d, "reason", str)
    expires = opt_ts(d, "lease_expires_at")
    expires_in = opt(d, "lease_expires_in_s", int)
    if batch_id is not None and expires is None and expires_in is None:
        raise _bad("batch without lease expiry")
    if batch_id is None and reason is None:
        raise _bad("empty batch without a reason")
    contacts = tuple(contact(c, batch_id or 0, campaign_id) for c in req(d, "contacts", list))
    if batch_id is None and contacts:
        raise _bad("contacts without a batch")
    return Lease(
        batch_id,
        campaign_id,
        expires,
        contacts,
        reason,
        opt_ts(d, "opens_at"),
        expires_in,
        _next_retry(d),
    )


def _next_retry(d: dict[str, Any]) -> RetryWait | None:
    """`next_retry_at` and `retries_waiting` of an empty lease (both optional)."""
    at = opt_ts(d, "next_retry_at")
    waiting = opt(d, "retries_waiting", int) or 0
    if waiting < 0:
        raise _bad("retries_waiting is negative")
    return RetryWait(at, max(1, waiting)) if at is not None else None


def renew(d: Any) -> Renewal:
    d = obj(d, "renewal")
    ids = req(d, "contact_ids", list)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise _bad("contact_ids is not a list of ids")
    return Renewal(
        batch_id=req(d, "batch_id", int),
        lease_expires_at=ts(req(d, "lease_expires_at", str), "lease_expires_at"),
        lease_expires_in_s=req(d, "lease_expires_in_s", int),
        contact_ids=tuple(ids),
        recovering_until=opt_ts(d, "recovering_until"),
        campaign_status=campaign_status(d),
    )


CAMPAIGN_STATUSES = ("active", "paused", "closed")


def campaign_status(d: dict[str, Any]) -> str:
    """The campaign's status where a reply carries it (older servers: active)."""
    status = opt(d, "campaign_status", str) or "active"
    if status not in CAMPAIGN_STATUSES:
        raise _bad("unknown campaign_status")
    return status


def check_reply(d: Any) -> tuple[str, ...]:
    return str_list(req(obj(d, "check reply"), "missing", list), "missing")


def skipped(d: Any) -> bool:
    return bool(req(obj(d, "skip reply"), "skipped", bool))


def released(d: Any) -> int:
    return int(req(obj(d, "release"), "released", int))


def upload_reply(d: Any) -> UploadReply:
    d = obj(d, "upload reply")
    rejected = []
    for r in req(d, "rejected", list):
        r = obj(r, "rejection")
        rejected.append(
            Rejection(req(r, "id", str), req(r, "code", str), req(r, "message", str)[:500])
        )
    tallies = None
    if d.get("tallies") is not None:  # older servers leave it out
        entries = [obj(t, "tally") for t in req(d, "tallies", list)]
        tallies = tuple((count(t, "campaign_id"), _tallies(t, ())) for t in entries)
    return UploadReply(
        accepted=str_list(req(d, "accepted", list), "accepted"),
        duplicates=str_list(req(d, "duplicates", list), "duplicates"),
        rejected=tuple(rejected),
        tallies=tallies,
    )


def count(d: dict[str, Any], key: str) -> int:
    """A required integer that is not negative."""
    value: int = req(d, key, int)
    if value < 0:
        raise _bad(f"{key} is negative")
    return value


def _tallies(d: dict[str, Any], board: tuple[tuple[str, int], ...]) -> TeamProgress:
    """`team`, `mine` and `campaign_status`: /progress's figures and an upload's tallies."""
    team = obj(req(d, "team", dict), "team")
    mine = obj(req(d, "mine", dict), "mine")
    return TeamProgress(
        calls=count(team, "calls"),
        reached=count(team, "reached"),
        volunteers_active=count(team, "volunteers_active"),
        my_calls=count(mine, "calls"),
        my_reached=count(mine, "reached"),
        leaderboard=board,
        campaign_status=campaign_status(d),
    )


def progress(d: Any) -> TeamProgress:
    d = obj(d, "progress")
    board = []
    for row in req(d, "leaderboard", list):
        row = obj(row, "leaderboard row")
        board.append((req(row, "name", str), req(row, "calls", int)))
    return _tallies(d, tuple(board))


def leaderboard_opt_in(d: Any) -> bool:
    return bool(req(obj(d, "preferences"), "leaderboard_opt_in", bool))
