"""Which column of a contacts file is which: guessed from the headers, then editable.

Voter files name their columns every which way ("Surname", "Phone Number", "Elector
No", "VANID"). :func:`guess_mapping` reads the common spellings (case, spaces,
underscores, dots and hyphens ignored); every other column is kept as an attribute
under a snake_case key (``Polling District`` -> ``polling_district``), which scripts
may use as a ``{polling_district}`` placeholder. The organiser corrects the guess in
the console or with ``--map "Phone Number=phone,Mobile=phone_fallback"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from caller_server.contacts_import.errors import ContactsFileError

# Where a column can go besides an attribute. `phone_fallback` is used where `phone`
# is empty (a mobile beside a landline).
TARGETS = ("first_name", "last_name", "phone", "phone_fallback", "ward", "external_id")
IGNORE = "ignore"
HEADER_LIMIT = 64
MAX_ATTRIBUTES = 50

_SPELLINGS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "first_name", "firstname", "first", "forename", "forenames", "given_name",
        "givenname", "christian_name",
    ),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name", "familyname"),
    "phone": (
        "phone", "phone_number", "phonenumber", "phone_no", "tel", "tel_no", "telephone",
        "telephone_number", "telephone_no", "landline", "home_phone",
    ),
    "phone_fallback": (
        "mobile", "mobile_number", "mobile_no", "mobile_phone", "mobilephone", "cell",
        "cell_phone", "cellphone", "phone_fallback",
    ),
    "ward": ("ward", "ward_name"),
    "external_id": (
        "external_id", "elector_no", "elector_number", "elector_id", "electoral_number",
        "electoral_no", "voter_id", "voter_no", "voter_number", "vanid", "van_id",
        "voterfile_vanid", "person_id", "ern",
    ),
}  # fmt: skip
_GUESS = {spelling: target for target, names in _SPELLINGS.items() for spelling in names}
_NON_WORD = re.compile(r"[^0-9a-z]+")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def normalise_header(header: str) -> str:
    """``" Polling District "`` -> ``polling_district``; the key of an attribute."""
    key = _NON_WORD.sub("_", header.strip().lower()).strip("_")
    if key and key[0].isdigit():
        key = "col_" + key
    return key


@dataclass
class Mapping:
    """For each header of the file, as written there: a target, ``ignore``, or the key
    of the attribute that keeps it."""

    columns: dict[str, str] = field(default_factory=dict)

    def target(self, header: str) -> str:
        return self.columns.get(header, normalise_header(header))

    def header_for(self, target: str) -> str | None:
        """The column mapped to `target`, if any."""
        for header, value in self.columns.items():
            if value == target:
                return header
        return None

    def attributes(self) -> dict[str, str]:
        """Header -> attribute key, for the columns kept as attributes."""
        return {h: t for h, t in self.columns.items() if t not in TARGETS and t != IGNORE}

    def set(self, header: str, target: str) -> None:
        """Map `header` to `target`; a target another column had goes back to an attribute."""
        target = target.strip()
        if target in TARGETS:
            for other, value in self.columns.items():
                if value == target and other != header:
                    self.columns[other] = normalise_header(other)
        self.columns[header] = target

    def check(self, source: str = "contacts file") -> None:
        """ContactsFileError unless the mapping can make contacts out of rows."""
        for header, target in self.columns.items():
            if target not in TARGETS and target != IGNORE and not _KEY.match(target):
                raise ContactsFileError(
                    f"{source}: column {header!r} -> {target!r}: an attribute name must be "
                    "lower-case letters, digits and _ (like polling_district)"
                )
        for target in TARGETS:
            mapped = [h for h, t in self.columns.items() if t == target]
            if len(mapped) > 1:
                raise ContactsFileError(
                    f"{source}: columns {', '.join(map(repr, mapped))} are all mapped to {target}"
                )
        keys = list(self.attributes().values())
        for key in keys:
            if keys.count(key) > 1 or key in TARGETS:
                raise ContactsFileError(
                    f"{source}: two columns would make the attribute {key!r}; map one elsewhere"
                )
        missing = [t for t in ("first_name", "last_name") if self.header_for(t) is None]
        if self.header_for("phone") is None and self.header_for("phone_fallback") is None:
            missing.append("phone")
        if missing:
            raise ContactsFileError(
                f"{source}: missing column {', '.join(missing)} (no column is mapped to it; "
                "the file needs first name, last name and phone columns)"
            )
        if len(keys) > MAX_ATTRIBUTES:
            raise ContactsFileError(f"{source}: more than {MAX_ATTRIBUTES} extra columns")

    def as_text(self) -> str:
        """The ``--map`` form of this mapping (every column written out)."""
        return ",".join(f"{h}={t}" for h, t in self.columns.items())

    @classmethod
    def parse(cls, text: str, headers: list[str], source: str = "--map") -> Mapping:
        """The guess for `headers` with ``"Header=target,..."`` applied over it.

        Headers match whatever their case and spacing; a target is one of
        ``TARGETS``, ``ignore``, or an attribute name.
        """
        mapping = guess_mapping(headers)
        by_key = {normalise_header(h): h for h in headers}
        for part in _split(text):
            name, sep, target = part.partition("=")
            if not sep or not name.strip() or not target.strip():
                raise ContactsFileError(f"{source}: {part!r} is not HEADER=TARGET")
            header = by_key.get(normalise_header(name))
            if header is None:
                raise ContactsFileError(
                    f"{source}: the file has no column {name.strip()!r} "
                    f"(its columns: {', '.join(headers)})"
                )
            mapping.set(header, target.strip().lower())
        return mapping


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def guess_mapping(headers: list[str]) -> Mapping:
    """Each target for the first header spelt like it; every other column an attribute.

    A file with a mobile column but no phone column calls the mobiles.
    """
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = _GUESS.get(normalise_header(header))
        if target is not None and target not in taken:
            columns[header] = target
            taken.add(target)
        else:
            columns[header] = normalise_header(header)
    if "phone" not in taken and "phone_fallback" in taken:
        for header, target in columns.items():
            if target == "phone_fallback":
                columns[header] = "phone"
    return Mapping(columns)


__all__ = ["IGNORE", "TARGETS", "Mapping", "guess_mapping", "normalise_header"]
