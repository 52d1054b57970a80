"""Read and check a campaign file (TOML) before anything reaches the database.

Every problem is reported as one line that names the key, e.g.
``questions[2].kind: must be one of single, multi, scale, text``. List positions count
from 1, as an organiser reading the file would count its ``[[questions]]`` blocks.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from caller_server.calling_hours import parse_hours
from caller_server.contract import (
    MAX_BATCH_SIZE,
    MAX_HELD_CONTACTS,
    MAX_OPTION_LENGTH,
    MAX_OUTCOMES,
    MAX_SHOW_ATTRIBUTES,
    OutcomeField,
    QuestionField,
    QuestionKind,
)
from caller_server.models import Campaign
from caller_server.outcomes import DEFAULT_OUTCOMES, Outcome

PLACEHOLDERS = ("first_name", "volunteer_first_name", "candidate", "seat")
KINDS = tuple(QuestionKind)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# An attribute key as the contacts import makes it (lower case, digits, _).
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_BRACED = re.compile(r"\{([^{}]*)\}")
_MARKDOWN_LIMIT = 20_000
_TOP_KEYS = {
    "name", "seat", "candidate", "timezone", "calling_hours", "target_contacts_per_hour",
    "batch_size", "max_attempts", "lease_minutes", "max_held_contacts", "script", "questions",
    "outcomes", "show_attributes", "open_to_every_volunteer",
}  # fmt: skip
_SCRIPT_KEYS = {"intro", "crib_sheet", "candidate_bio"}
_QUESTION_KEYS = {str(f) for f in QuestionField}
_OUTCOME_KEYS = {str(f) for f in OutcomeField}


class CampaignFileError(ValueError):
    """A campaign file that cannot be used; the message is one line naming the key."""


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    seat: str
    candidate: str
    intro: str
    timezone: str = "Europe/London"
    calling_hours: str = "09:00-21:00"
    target_contacts_per_hour: int = 20
    batch_size: int = 20
    max_attempts: int = 3
    lease_minutes: int = 45
    max_held_contacts: int | None = None  # None: twice batch_size
    crib_sheet: str = ""
    candidate_bio: str = ""
    questions: tuple[Question, ...] = ()
    outcomes: tuple[Outcome, ...] | None = None  # None: the server's defaults
    # Contact attributes shown on the caller's card, in this order.
    show_attributes: tuple[str, ...] = ()
    # Every volunteer may see and lease it; False: only its members (accounts.py).
    open_to_every_volunteer: bool = True

    def held_limit(self) -> int:
        """Live contacts one volunteer may hold: the file's value, else two batches."""
        return self.max_held_contacts or 2 * self.batch_size

    def script(self) -> dict[str, Any]:
        """The script JSON stored with the campaign, outcomes written out in full.

        The defaults are copied in, so a later change to them never alters a
        campaign that is already running.
        """
        outcomes = DEFAULT_OUTCOMES if self.outcomes is None else self.outcomes
        script: dict[str, Any] = {
            "intro": self.intro,
            "crib_sheet": self.crib_sheet,
            "candidate_bio": self.candidate_bio,
            "questions": [
                {"key": q.key, "text": q.text, "kind": q.kind, "options": list(q.options)}
                for q in self.questions
            ],
            "outcomes": [asdict(o) for o in outcomes],
        }
        if self.show_attributes:  # only when set: older scripts keep their version hash
            script["show_attributes"] = list(self.show_attributes)
        return script


def script_version(script: dict[str, Any]) -> str:
    """A short hash of the script JSON: the app's cache key and the script's ETag."""
    canonical = json.dumps(script, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def load_campaign_file(path: str | Path) -> CampaignSpec:
    """Read, parse and check the file; CampaignFileError for any problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CampaignFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CampaignFileError(f"{path.name}: not UTF-8 text; save it as UTF-8") from None
    return parse_campaign(text, source=path.name)


def parse_campaign(text: str, source: str = "campaign file") -> CampaignSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignFileError(f"{source}: not valid TOML: {exc}") from None
    try:
        return _build(data)
    except CampaignFileError as exc:
        raise CampaignFileError(f"{source}: {exc}") from None


def parse_campaign_data(data: dict[str, Any], source: str = "campaign") -> CampaignSpec:
    """As :func:`parse_campaign`, for a campaign already parsed into a dict (a web form)."""
    try:
        return _build(data)
    except CampaignFileError as exc:
        raise CampaignFileError(f"{source}: {exc}") from None


def create_campaign(session: Session, spec: CampaignSpec) -> int:
    """Store the campaign (the caller commits) and return its id."""
    script = spec.script()
    campaign = Campaign(
        name=spec.name,
        seat=spec.seat,
        candidate=spec.candidate,
        timezone=spec.timezone,
        calling_hours=spec.calling_hours,
        target_contacts_per_hour=spec.target_contacts_per_hour,
        batch_size=spec.batch_size,
        max_attempts=spec.max_attempts,
        lease_minutes=spec.lease_minutes,
        max_held_contacts=spec.held_limit(),
        open_to_all=spec.open_to_every_volunteer,
        status="active",
        script=script,
        script_version=script_version(script),
    )
    session.add(campaign)
    session.flush()
    return campaign.id


# --- checking -------------------------------------------------------------------------


def _build(data: dict[str, Any]) -> CampaignSpec:
    _no_unknown(data, _TOP_KEYS, "")
    script = data.get("script")
    if script is None:
        raise CampaignFileError("script: missing; add a [script] table with an intro")
    if not isinstance(script, dict):
        raise CampaignFileError("script: must be a table ([script])")
    _no_unknown(script, _SCRIPT_KEYS, "script.")
    intro = _text(script, "intro", "script.intro", limit=_MARKDOWN_LIMIT)
    _check_placeholders(intro, "script.intro")
    kwargs: dict[str, Any] = {
        "name": _text(data, "name", "name"),
        "seat": _text(data, "seat", "seat"),
        "candidate": _text(data, "candidate", "candidate"),
        "intro": intro,
        "crib_sheet": _text(script, "crib_sheet", "script.crib_sheet", _MARKDOWN_LIMIT, ""),
        "candidate_bio": _text(
            script, "candidate_bio", "script.candidate_bio", _MARKDOWN_LIMIT, ""
        ),
        "timezone": _timezone(data),
        "calling_hours": _calling_hours(data),
        "target_contacts_per_hour": _int(data, "target_contacts_per_hour", 1, 1000, 20),
        "batch_size": _int(data, "batch_size", 1, MAX_BATCH_SIZE, 20),
        "max_attempts": _int(data, "max_attempts", 1, 20, 3),
        "lease_minutes": _int(data, "lease_minutes", 5, 24 * 60, 45),
        "questions": _questions(data.get("questions", [])),
        "outcomes": _outcomes(data["outcomes"]) if "outcomes" in data else None,
        "show_attributes": _show_attributes(data.get("show_attributes", [])),
        "open_to_every_volunteer": _bool(
            data, "open_to_every_volunteer", "open_to_every_volunteer", True
        ),
    }
    if "max_held_contacts" in data:
        held = _int(data, "max_held_contacts", 1, MAX_HELD_CONTACTS, 0)
        if held < kwargs["batch_size"]:
            raise CampaignFileError(
                f"max_held_contacts: must be at least batch_size ({kwargs['batch_size']}), "
                f"not {held}, or no full batch could ever be leased"
            )
        kwargs["max_held_contacts"] = held
    return CampaignSpec(**kwargs)


def _show_attributes(value: Any) -> tuple[str, ...]:
    """Attribute keys for the card: a list of names as the contacts import makes them."""
    if not isinstance(value, list):
        raise CampaignFileError('show_attributes: must be a list of names, like ["age_band"]')
    if len(value) > MAX_SHOW_ATTRIBUTES:
        raise CampaignFileError(
            f"show_attributes: at most {MAX_SHOW_ATTRIBUTES} names, not {len(value)}"
        )
    seen: set[str] = set()
    for i, name in enumerate(value, start=1):
        where = f"show_attributes[{i}]"
        if not isinstance(name, str) or not _ATTRIBUTE.match(name):
            raise CampaignFileError(
                f"{where}: must be an attribute name in lower-case letters, digits and _ "
                "(like polling_district)"
            )
        if name in seen:
            raise CampaignFileError(f"{where}: {name!r} is listed twice")
        seen.add(name)
    return tuple(value)


def _no_unknown(table: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise CampaignFileError(
                f"{prefix}{key}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )


_MISSING = object()


def _text(
    table: dict[str, Any], key: str, where: str, limit: int = 200, default: Any = _MISSING
) -> str:
    value = table.get(key, default)
    if value is _MISSING:
        raise CampaignFileError(f"{where}: missing")
    if not isinstance(value, str):
        raise CampaignFileError(f"{where}: must be a string")
    value = value.strip()
    if not value and default is _MISSING:
        raise CampaignFileError(f"{where}: must not be empty")
    if len(value) > limit:
        raise CampaignFileError(f"{where}: longer than {limit} characters")
    return value


def _int(table: dict[str, Any], key: str, low: int, high: int, default: int) -> int:
    value = table.get(key, default)
    # TOML booleans are Python bools, which are ints too.
    if not isinstance(value, int) or isinstance(value, bool):
        raise CampaignFileError(f"{key}: must be a whole number")
    if not low <= value <= high:
        raise CampaignFileError(f"{key}: must be between {low} and {high}, not {value}")
    return value


def _bool(table: dict[str, Any], key: str, where: str, default: Any = _MISSING) -> bool:
    value = table.get(key, default)
    if value is _MISSING:
        raise CampaignFileError(f"{where}: missing (true or false)")
    if not isinstance(value, bool):
        raise CampaignFileError(f"{where}: must be true or false")
    return value


def _timezone(data: dict[str, Any]) -> str:
    value = data.get("timezone", "Europe/London")
    if not isinstance(value, str) or not value.strip():
        raise CampaignFileError("timezone: must be a time zone name such as Europe/London")
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise CampaignFileError(
            f"timezone: unknown time zone {value!r} (use a name such as Europe/London)"
        ) from None
    return value.strip()


def _calling_hours(data: dict[str, Any]) -> str:
    value = data.get("calling_hours", "09:00-21:00")
    if not isinstance(value, str):
        raise CampaignFileError('calling_hours: must be a string such as "09:00-21:00"')
    try:
        start, end = parse_hours(value)
    except ValueError:
        raise CampaignFileError(
            f'calling_hours: must look like "09:00-21:00" ("00:00-24:00" for always), not {value!r}'
        ) from None
    if start == end:
        raise CampaignFileError(
            f'calling_hours: {value!r} is never open; use "00:00-24:00" for always'
        )
    return value.strip()


def _check_placeholders(text: str, where: str) -> None:
    """The built-ins, or an imported column's key (snake_case, as the import names it)."""
    for name in _BRACED.findall(text):
        if name not in PLACEHOLDERS and not _CODE.match(name):
            allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise CampaignFileError(
                f"{where}: unknown placeholder {{{name}}} (allowed: {allowed}, or an imported "
                "column in lower case with _, like {polling_district})"
            )
    if "{" in _BRACED.sub("", text) or "}" in _BRACED.sub("", text):
        raise CampaignFileError(f"{where}: a brace is not part of a {{placeholder}}")


def _table_list(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CampaignFileError(f"{where}: must be a list of tables ([[{where}]])")
    return value


def _questions(value: Any) -> tuple[Question, ...]:
    out: list[Question] = []
    seen: set[str] = set()
    for n, q in enumerate(_table_list(value, "questions"), start=1):
        where = f"questions[{n}]"
        _no_unknown(q, _QUESTION_KEYS, where + ".")
        key = _code(q, "key", where, seen)
        text = _text(q, "text", f"{where}.text", limit=1000)
        kind = q.get("kind", _MISSING)
        if kind not in KINDS:
            raise CampaignFileError(f"{where}.kind: must be one of {', '.join(KINDS)}")
        options = _options(q.get("options", []), kind, f"{where}.options")
        out.append(Question(key, text, kind, options))
    if len(out) > 50:
        raise CampaignFileError("questions: at most 50 questions")
    return tuple(out)


def _code(table: dict[str, Any], field: str, where: str, seen: set[str]) -> str:
    value = table.get(field, _MISSING)
    if value is _MISSING:
        raise CampaignFileError(f"{where}.{field}: missing")
    if not isinstance(value, str) or not _CODE.match(value):
        raise CampaignFileError(
            f"{where}.{field}: must be lower-case letters, digits and _ (like top_issues)"
        )
    if value in seen:
        raise CampaignFileError(f"{where}.{field}: {value!r} is used twice")
    seen.add(value)
    return value


def _options(value: Any, kind: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise CampaignFileError(f"{where}: must be a list of strings")
    if kind == QuestionKind.TEXT:
        if value:
            raise CampaignFileError(f"{where}: a text question takes no options")
        return ()
    if not value:
        raise CampaignFileError(f"{where}: a {kind} question needs at least one option")
    options: list[str] = []
    for i, option in enumerate(value, start=1):
        # A scale written as numbers (options = [1, 2, 3]) is meant as the strings.
        if kind == QuestionKind.SCALE and isinstance(option, int) and not isinstance(option, bool):
            option = str(option)
        if not isinstance(option, str) or not option.strip():
            raise CampaignFileError(f"{where}[{i}]: must be a non-empty string")
        if len(option) > MAX_OPTION_LENGTH:
            raise CampaignFileError(f"{where}[{i}]: longer than {MAX_OPTION_LENGTH} characters")
        if option.strip() in options:
            raise CampaignFileError(f"{where}[{i}]: {option.strip()!r} is listed twice")
        options.append(option.strip())
    return tuple(options)


def _outcomes(value: Any) -> tuple[Outcome, ...]:
    rows = _table_list(value, "outcomes")
    if not rows:
        raise CampaignFileError("outcomes: must not be empty (leave it out for the defaults)")
    if len(rows) > MAX_OUTCOMES:
        raise CampaignFileError(
            f"outcomes: at most {MAX_OUTCOMES} (the caller app has a key for each of "
            f"{MAX_OUTCOMES}); this file lists {len(rows)}"
        )
    out: list[Outcome] = []
    seen: set[str] = set()
    for n, o in enumerate(rows, start=1):
        where = f"outcomes[{n}]"
        _no_unknown(o, _OUTCOME_KEYS, where + ".")
        code = _code(o, "code", where, seen)
        label = _text(o, "label", f"{where}.label", limit=100)
        reached = _bool(o, "reached", f"{where}.reached")
        final = _bool(o, "final", f"{where}.final")
        needs = _bool(o, "needs_callback_time", f"{where}.needs_callback_time",
                      code == "call_back")  # fmt: skip
        retry = o.get("retry_after_minutes")
        if retry is not None and (
            not isinstance(retry, int) or isinstance(retry, bool) or not 1 <= retry <= 525_600
        ):
            raise CampaignFileError(
                f"{where}.retry_after_minutes: must be a whole number from 1 to 525600"
            )
        if final and (needs or retry is not None):
            raise CampaignFileError(
                f"{where}.final: a final outcome cannot also retry or need a callback time"
            )
        out.append(
            Outcome(
                code, label, reached, final, needs_callback_time=needs, retry_after_minutes=retry
            )
        )
    return tuple(out)


__all__: list[str] = [
    "KINDS",
    "PLACEHOLDERS",
    "CampaignFileError",
    "CampaignSpec",
    "Question",
    "create_campaign",
    "load_campaign_file",
    "parse_campaign",
    "script_version",
]
