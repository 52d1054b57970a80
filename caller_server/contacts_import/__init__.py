"""Import a campaign's contacts from CSV, with a column mapping (issue 13).

preview (headers, guessed mapping, first rows) -> validate (a report of every problem
row) -> import_contacts (added, updated, skipped and the report). Reports name line
numbers and reasons, never a person's name or number.
"""

from __future__ import annotations

from caller_server.contacts_import.errors import ContactsFileError
from caller_server.contacts_import.mapping import (
    IGNORE,
    TARGETS,
    Mapping,
    guess_mapping,
    normalise_header,
)
from caller_server.contacts_import.reading import (
    ContactRow,
    decode,
    normalise_phone,
    parse_contacts,
    read_bytes,
    read_table,
    read_text,
)
from caller_server.contacts_import.report import ImportReport, Report
from caller_server.contacts_import.store import (
    Preview,
    import_contacts,
    import_contacts_text,
    preview,
    validate,
)

__all__ = [
    "IGNORE",
    "TARGETS",
    "ContactRow",
    "ContactsFileError",
    "ImportReport",
    "Mapping",
    "Preview",
    "Report",
    "decode",
    "guess_mapping",
    "import_contacts",
    "import_contacts_text",
    "normalise_header",
    "normalise_phone",
    "parse_contacts",
    "preview",
    "read_bytes",
    "read_table",
    "read_text",
    "validate",
]
