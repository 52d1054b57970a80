"""A server whose contacts have unique names, and a byte search for them in the app's files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.server import LiveServer, create_schema, db_session, dispose_engine, seed

CONTACTS = 12


@pytest.fixture
def live(tmp_path) -> Iterator[tuple[LiveServer, object, list[tuple[str, str, str]]]]:
    """A server whose contacts have names found nowhere else in the world."""
    from caller_server.models import Contact

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    create_schema(url)
    seeded = seed(url, contacts=CONTACTS, callers=1)
    people = []
    with db_session(url) as s:
        for i, contact in enumerate(s.scalars(select(Contact).order_by(Contact.id))):
            contact.first_name = f"Zephyrine{i:02d}"
            contact.last_name = f"Quillborough-Vask{i:02d}"
            people.append((contact.first_name, contact.last_name, contact.phone))
        s.commit()
    with LiveServer(url) as server:
        yield server, seeded, people
    dispose_engine(url)


def needles(people: list[tuple[str, str, str]]) -> list[bytes]:
    """Each name and number, in every spelling the app might store or log."""
    out = []
    for first, last, phone in people:
        national = "0" + phone[3:]  # +442079460001 -> 02079460001
        spaced = f"{national[:3]} {national[3:7]} {national[7:]}"  # 020 7946 0001
        for text in (first, last, phone, phone[1:], national, spaced, phone[-7:]):
            out += [text.encode(), text.encode("utf-16-le")]
    return out


def files_to_search(db: Path, logs: Path) -> list[Path]:
    files = [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]
    return files + sorted(p for p in logs.rglob("*") if p.is_file())


def leaks(files: list[Path], people: list[tuple[str, str, str]]) -> list[str]:
    found = []
    for path in files:
        data = path.read_bytes()
        found += [f"{n!r} in {path.name}" for n in needles(people) if n in data]
    return found
