"""The campaign form <-> campaign file data, and a script preview for a sample contact.

The form is checked by the same code as a campaign file (`campaign_file`), so a form
and a file can never accept different campaigns. Questions and outcomes are edited as
the TOML blocks of a campaign file: one textarea instead of a form builder.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from markupsafe import Markup, escape
from starlette.datastructures import FormData

from caller_server.campaign_file import CampaignFileError
from caller_server.models import Campaign, Contact

TEXT_FIELDS = ("name", "seat", "candidate", "timezone", "calling_hours")
INT_FIELDS = (
    "target_contacts_per_hour",
    "batch_size",
    "max_attempts",
    "lease_minutes",
    "max_held_contacts",
)
SCRIPT_FIELDS = ("intro", "crib_sheet", "candidate_bio")
_BRACED = re.compile(r"\{([a-z][a-z0-9_]{0,63})\}")

DEFAULTS: dict[str, str] = {
    "timezone": "Europe/London",
    "calling_hours": "09:00-21:00",
    "target_contacts_per_hour": "20",
    "batch_size": "20",
    "max_attempts": "3",
    "lease_minutes": "45",
    "max_held_contacts": "",
    "intro": "Hello {first_name}, I'm {volunteer_first_name}, a volunteer for {candidate}.",
    "open_to_every_volunteer": "on",
    "blocks": '[[questions]]\nkey = "support"\ntext = "Will you vote for {candidate}?"\n'
    'kind = "single"\noptions = ["yes", "leaning", "undecided", "no"]\n',
}


def form_values(form: FormData) -> dict[str, str]:
    """The submitted fields as text, for re-showing the form after a problem."""
    names = (*TEXT_FIELDS, *INT_FIELDS, *SCRIPT_FIELDS, "blocks", "open_to_every_volunteer")
    return {n: str(form.get(n) or "") for n in names}


def data_from_form(values: dict[str, str]) -> dict[str, Any]:
    """The campaign file dict the form describes (CampaignFileError names a bad field)."""
    data: dict[str, Any] = {n: values[n] for n in TEXT_FIELDS if values.get(n, "").strip()}
    for n in INT_FIELDS:
        text = values.get(n, "").strip()
        if not text:
            continue
        if not text.isdigit():
            raise CampaignFileError(f"{n}: must be a whole number")
        data[n] = int(text)
    data["script"] = {n: values.get(n, "") for n in SCRIPT_FIELDS}
    # A checkbox: absent when unticked.
    data["open_to_every_volunteer"] = values.get("open_to_every_volunteer") == "on"
    blocks = values.get("blocks", "").strip()
    if blocks:
        try:
            extra = tomllib.loads(blocks)
        except tomllib.TOMLDecodeError as exc:
            raise CampaignFileError(f"questions and outcomes: not valid TOML: {exc}") from None
        unknown = set(extra) - {"questions", "outcomes"}
        if unknown:
            raise CampaignFileError(
                f"questions and outcomes: only [[questions]] and [[outcomes]] blocks here, "
                f"not {', '.join(sorted(unknown))}"
            )
        data.update(extra)
    return data


def values_from_campaign(campaign: Campaign) -> dict[str, str]:
    """The form's fields for an existing campaign."""
    script = campaign.script or {}
    values = {n: str(getattr(campaign, n) or "") for n in (*TEXT_FIELDS, *INT_FIELDS)}
    values.update({n: str(script.get(n) or "") for n in SCRIPT_FIELDS})
    values["open_to_every_volunteer"] = "on" if campaign.open_to_all else ""
    values["blocks"] = toml_blocks(script.get("questions") or [], script.get("outcomes") or [])
    return values


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # A JSON string is a valid TOML basic string (same escapes, \\uXXXX included).
    return json.dumps(str(value), ensure_ascii=False)


def toml_blocks(questions: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> str:
    """[[questions]] and [[outcomes]] as a campaign file writes them."""
    out: list[str] = []
    for name, items in (("questions", questions), ("outcomes", outcomes)):
        for item in items:
            out.append(f"[[{name}]]")
            out += [f"{k} = {_toml_value(v)}" for k, v in item.items() if v is not None]
            out.append("")
    return "\n".join(out)


def campaign_toml(campaign: Campaign) -> str:
    """The whole campaign as a campaign file (download, duplicate elsewhere, CLI update)."""
    values = values_from_campaign(campaign)
    lines = [f"{n} = {_toml_value(values[n])}" for n in TEXT_FIELDS]
    lines += [f"{n} = {getattr(campaign, n)}" for n in INT_FIELDS]
    lines.append(f"open_to_every_volunteer = {_toml_value(bool(campaign.open_to_all))}")
    lines += ["", "[script]"]
    lines += [f"{n} = {_toml_value(values[n])}" for n in SCRIPT_FIELDS]
    return "\n".join(lines) + "\n\n" + values["blocks"]


def sample_values(
    campaign: Campaign, contact: Contact | None, volunteer_name: str
) -> dict[str, Any]:
    """Placeholder values for the preview: a real contact's when there is one."""
    values = {
        "first_name": contact.first_name if contact else "Ada",
        "volunteer_first_name": (volunteer_name.split() or ["Sam"])[0],
        "candidate": campaign.candidate,
        "seat": campaign.seat,
    }
    if contact is not None:
        values["ward"] = contact.ward
        values.update({str(k): str(v) for k, v in (contact.attributes or {}).items()})
    return values


def fill(text: str, values: dict[str, str]) -> Markup:
    """The text with its placeholders filled, every part escaped; unknown ones marked."""
    parts: list[str] = []
    last = 0
    for match in _BRACED.finditer(text):
        parts.append(str(escape(text[last : match.start()])))
        key = match.group(1)
        if key in values:
            parts.append(f'<mark class="filled">{escape(values[key])}</mark>')
        else:
            parts.append(f'<mark class="unknown">{escape(match.group(0))}</mark>')
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))  # noqa: S704  (every piece escaped above)
