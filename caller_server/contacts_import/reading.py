"""From the bytes of a contacts file to checked rows: decoding, CSV, the mapping.

Only checks that need no database live here: encoding, CSV syntax, missing names,
lengths, phone numbers (normalised to E.164), and duplicates within the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers

from caller_server.contacts_import.errors import ContactsFileError
from caller_server.contacts_import.mapping import (
    HEADER_LIMIT,
    Mapping,
    guess_mapping,
    normalise_header,
)
from caller_server.contacts_import.report import ImportReport

NAME_LIMIT = 200  # contacts.first_name / last_name / ward are String(200)
ATTRIBUTE_LIMIT = 1000
EXTERNAL_ID_LIMIT = 100  # contacts.external_id is String(100)
_CORE_LIMITS = {"first_name": NAME_LIMIT, "last_name": NAME_LIMIT, "ward": NAME_LIMIT,
                "external_id": EXTERNAL_ID_LIMIT}  # fmt: skip


@dataclass(slots=True)
class ContactRow:
    line: int
    first_name: str
    last_name: str
    phone: str  # E.164
    ward: str
    attributes: dict[str, str]
    external_id: str | None = None
    cells: list[str] | None = None  # as read, for the problem report


def decode(data: bytes, source: str = "contacts file") -> str:
    """The file as text: UTF-8 (a BOM, as Excel writes, dropped), else a clear error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ContactsFileError(
            f"{source}: the file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8'"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContactsFileError(
            f"{source}: line {line} is not UTF-8 text; save the file as 'CSV UTF-8'"
        ) from None


def read_bytes(path: str | Path) -> bytes:
    path = Path(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ContactsFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_text(path: str | Path) -> str:
    """The file at `path` as text (see :func:`decode`)."""
    return decode(read_bytes(path), Path(path).name)


def _delimiter(text: str) -> str:
    """Comma, unless the header has none and a semicolon or tab (Excel in some locales)."""
    header = text.split("\n", 1)[0]
    if "," not in header:
        for candidate in (";", "\t"):
            if candidate in header:
                return candidate
    return ","


def read_table(text: str, source: str = "contacts file") -> tuple[list[str], Iterator[Any]]:
    """The header (checked) and an iterator of (line number, cells) for each data row."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ContactsFileError(f"{source}: the header row is not valid CSV ({exc})") from None
    if header is None:
        raise ContactsFileError(f"{source}: the file is empty; it needs a header row")
    header = [cell.strip() for cell in header]
    keys = [normalise_header(cell) for cell in header]
    for n, (cell, key) in enumerate(zip(header, keys, strict=True), start=1):
        if not key:
            raise ContactsFileError(f"{source}: header column {n} has no name")
        if len(cell) > HEADER_LIMIT:
            raise ContactsFileError(
                f"{source}: header column {n} is longer than {HEADER_LIMIT} characters"
            )
        if keys.index(key) != n - 1:
            raise ContactsFileError(f"{source}: header column {key!r} appears twice")

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ContactsFileError(f"{source}: line {line} is not valid CSV ({exc})") from None
            if "".join(record).strip():  # not a blank line (any cell with text)
                yield line, record

    return header, rows()


def parse_contacts(
    text: str, source: str = "contacts file", mapping: Mapping | None = None
) -> tuple[list[ContactRow], ImportReport]:
    """Rows that pass the checks needing no database, and a report of the others.

    Two rows with one external id, or with the same name and number, are one contact
    twice: the second is a problem. People sharing a number (a household) are not.
    """
    header, records = read_table(text, source)
    mapping = mapping or guess_mapping(header)
    unknown = [h for h in mapping.columns if h not in header]
    if unknown:
        raise ContactsFileError(f"{source}: the mapping names no column of this file: {unknown}")
    for h in header:
        mapping.columns.setdefault(h, normalise_header(h))
    mapping.check(source)
    report = ImportReport(headers=header)
    rows: list[ContactRow] = []
    first_id: dict[str, int] = {}
    first_person: dict[tuple[str, str, str], int] = {}
    columns = _columns(header, mapping)
    width = len(header)
    for line, record in records:
        report.rows += 1
        row = _row(line, record, width, columns, report)
        if row is None:
            continue
        if row.external_id is not None:
            if row.external_id in first_id:
                report.problem(line, f"duplicate external id (first on line "
                                     f"{first_id[row.external_id]})", record)  # fmt: skip
                continue
            first_id[row.external_id] = line
        else:
            person = (row.first_name.casefold(), row.last_name.casefold(), row.phone)
            if person in first_person:
                report.problem(line, "duplicate contact: same name and phone as line "
                                     f"{first_person[person]}", record)  # fmt: skip
                continue
            first_person[person] = line
        rows.append(row)
    return rows, report


_CORE = frozenset(("first_name", "last_name", "phone", "phone_fallback", "ward", "external_id"))


def _columns(header: list[str], mapping: Mapping) -> list[tuple[int, str, bool, int]]:
    """(index, target, is a core field, length limit) of each column not ignored:
    the mapping read once per file, not once per cell."""
    out = []
    for n, name in enumerate(header):
        target = mapping.target(name)
        if target == "ignore":
            continue
        core = target in _CORE
        out.append((n, target, core, _CORE_LIMITS.get(target, ATTRIBUTE_LIMIT) if core
                    else ATTRIBUTE_LIMIT))  # fmt: skip
    return out


def _row(
    line: int,
    record: list[str],
    width: int,
    columns: list[tuple[int, str, bool, int]],
    report: ImportReport,
) -> ContactRow | None:
    if len(record) > width:
        report.problem(line, f"{len(record)} fields but the header has {width} columns",
                       record)  # fmt: skip
        return None
    core: dict[str, str] = {}
    attributes: dict[str, str] = {}
    cells = len(record)
    for n, target, is_core, limit in columns:
        value = record[n].strip() if n < cells else ""
        if is_core:
            core[target] = value
        elif value:
            attributes[target] = value
        if len(value) > limit:
            report.problem(line, f"{target} is longer than {limit} characters", record)
            return None
    first_name = core.get("first_name")
    if not first_name:
        report.problem(line, "missing first_name", record)
        return None
    last_name = core.get("last_name")
    if not last_name:
        report.problem(line, "missing last_name", record)
        return None
    raw = core.get("phone") or core.get("phone_fallback") or ""
    if not raw:
        report.problem(line, "missing phone", record)
        return None
    phone = normalise_phone(raw)
    if phone is None:
        which = "phone" if core.get("phone") else "phone_fallback"
        report.problem(line, f"{which} is not a valid number", record)
        return None
    return ContactRow(
        line,
        first_name,
        last_name,
        phone,
        core.get("ward", ""),
        attributes,
        core.get("external_id") or None,
        record,
    )


_PUNCTUATION = str.maketrans("", "", " -().")
_UK_NATIONAL = re.compile(r"^0([1-9]\d{8,9})$")
_UK_E164 = re.compile(r"^\+44([1-9]\d{8,9})$")
# The kinds of number `is_valid_number_for_region` accepts (its `_number_type_helper`).
_NUMBER_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
                 "pager", "uan", "voicemail", "fixed_line", "mobile")  # fmt: skip


def _gb_patterns() -> dict[int, tuple[re.Pattern[str], re.Pattern[str]]]:
    """For each length of UK national number: phonenumbers' general pattern for GB,
    and one regex joining the patterns of every number type allowed at that length.

    Built from the library's own metadata when the module loads, so it follows the
    library's numbering-plan updates; a test checks it agrees with
    `is_valid_number_for_region` on random numbers.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("GB")
    assert metadata is not None
    assert metadata.general_desc is not None
    general = metadata.general_desc
    assert general.national_number_pattern is not None
    out = {}
    for length in (9, 10):  # what _UK_NATIONAL and _UK_E164 let through
        if general.possible_length and length not in general.possible_length:
            continue
        patterns = [
            desc.national_number_pattern
            for desc in (getattr(metadata, name) for name in _NUMBER_TYPES)
            if desc is not None
            and desc.national_number_pattern
            and (not desc.possible_length or length in desc.possible_length)
        ]
        out[length] = (
            re.compile(general.national_number_pattern),
            re.compile("|".join(f"(?:{p})" for p in patterns)),
        )
    return out


_GB = _gb_patterns()


def _valid_gb(national: str) -> bool:
    """`is_valid_number_for_region(+44 national, "GB")`, in one or two regex matches
    instead of phonenumbers' walk over ten number types (~30x faster)."""
    patterns = _GB.get(len(national))
    return (
        patterns is not None
        and patterns[0].fullmatch(national) is not None
        and patterns[1].fullmatch(national) is not None
    )


def normalise_phone(text: str) -> str | None:
    """E.164 for a valid number (national numbers read as UK), else None.

    Plain UK numbers (``020 7946 0123``, ``+44 20 7946 0123``) skip phonenumbers'
    general parser and its walk over GB, GG, IM and JE and over every number type: a
    voter file of a million rows spends most of its checking time here. The answer is
    the same as ``is_valid_number(parse(text, "GB"))``, which a test checks.
    """
    compact = text.translate(_PUNCTUATION)
    match = _UK_NATIONAL.match(compact) or _UK_E164.match(compact)
    if match and _valid_gb(match.group(1)):
        return "+44" + match.group(1)
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


__all__ = [
    "ContactRow",
    "decode",
    "normalise_phone",
    "parse_contacts",
    "read_bytes",
    "read_table",
    "read_text",
]
