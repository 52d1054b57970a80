"""The contact's own clock, and readable labels for contact attributes (no Qt).

Local time: a UK number rings in the UK, one zone, which is the campaign's zone for a
UK campaign; other numbers take the zone their country code gives when it names
exactly one. Otherwise we do not know where the phone is, and say so: the campaign's
time is shown instead, marked as such (`ContactTime.sure` False).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones

from caller_app.domain.calling_hours import zone_label

UK_ZONE = "Europe/London"


@dataclass(frozen=True)
class ContactTime:
    local: dt.datetime  # now on the contact's (or the campaign's) wall clock
    zone: str  # IANA name
    sure: bool  # False: the number did not say; this is the campaign's time

    @property
    def place(self) -> str:
        return zone_label(self.zone)


def contact_zone(phone: str, campaign_zone: str) -> tuple[str, bool]:
    """(IANA zone, sure) of the phone `phone` (E.164) for a campaign in `campaign_zone`."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return campaign_zone, False
    if phonenumbers.region_code_for_number(number) == "GB":
        return (campaign_zone, True) if campaign_zone == UK_ZONE else (UK_ZONE, True)
    zones = [z for z in number_zones.time_zones_for_number(number) if "/" in z]
    if len(zones) == 1:
        return zones[0], True
    return campaign_zone, False


def contact_time(phone: str, campaign_zone: str, now: dt.datetime) -> ContactTime | None:
    """Now on the contact's clock; None when not even the campaign's zone is known here."""
    zone, sure = contact_zone(phone, campaign_zone)
    try:
        return ContactTime(now.astimezone(ZoneInfo(zone)), zone, sure)
    except (ZoneInfoNotFoundError, ValueError):
        return None


_SPLIT = re.compile(r"[_\s]+")
# Short words an organiser writes in capitals in a column name.
_UPPER = {"id", "uk", "nhs", "gp", "eu", "dob"}


def attribute_label(key: str) -> str:
    """`polling_district` -> "Polling district"; `nhs_gp` -> "NHS GP"."""
    words = [w for w in _SPLIT.split(key.strip()) if w]
    if not words:
        return key
    shown = [w.upper() if w.lower() in _UPPER else w.lower() for w in words]
    first = shown[0]
    shown[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(shown)
