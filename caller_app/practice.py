"""Practice mode (`caller-app --demo`): the central server embedded in this process.

A temporary SQLite file holding the demo campaign, served on a free loopback port in a
daemon thread; the app is signed in as the demo volunteer with a token minted straight
into that file. This is the one module of `caller_app` that imports `caller_server`.

Start-up cost (issue 15): migrating and seeding a fresh database takes a second or
more (Alembic, the contacts import, an argon2 hash), and signing in by password
another argon2 verification. So the seeded database is prepared once — shipped in
the bundle by `build/build.py`, else built at the first practice start and kept in the
user's cache folder — keyed by everything that shapes it (`demo_key`), and each
practice start copies it (milliseconds). The sign-in is a token written into the copy:
no password is hashed or checked for practice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from caller_app import __version__
from caller_app.domain.models import Account

if TYPE_CHECKING:
    from caller_server.server import EmbeddedServer

log = logging.getLogger(__name__)

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented sign-in of the practice server
DB_FILE = "demo-server.sqlite3"


def demo_key() -> str:
    """A digest of what the prepared database is made from: this version, the server's
    migrations, the demo files and the seeding code. Any change gives a new file."""
    from caller_server import demo, schema

    digest = hashlib.sha256(__version__.encode())
    sources = sorted((schema.MIGRATIONS_DIR / "versions").glob("*.py"))
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    folder = demo.demo_dir()
    for name in ("campaign.toml", "contacts.csv"):
        digest.update((folder / name).read_bytes())
    code = Path(demo.__file__)
    if code.is_file():  # a bundle has no sources: its version stands for them
        digest.update(code.read_bytes())
    return digest.hexdigest()[:20]


def shipped_name(key: str) -> str:
    """The prepared database's file name in the demo folder (written by the build)."""
    return f"prepared-{key}.sqlite3"


def prepare(dest: Path) -> None:
    """Migrate and seed a demo database into `dest` (one self-contained file, no WAL)."""
    from caller_server.demo import seed_demo

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        work = Path(tmp) / "seed.sqlite3"
        seed_demo(f"sqlite:///{work}")
        partial = Path(tmp) / "out.sqlite3"
        conn = sqlite3.connect(work)
        try:
            conn.execute("VACUUM INTO ?", (str(partial),))
        finally:
            conn.close()
        os.replace(partial, dest)  # atomic: a concurrent start never copies half a file


def prepared_database(cache: Path) -> Path:
    """The prepared demo database: the bundle's, else the cached one (built if missing)."""
    from caller_server.demo import demo_dir

    folder = Path(str(demo_dir()))
    if getattr(sys, "frozen", False):  # the build shipped one, made from this very code
        for bundled in sorted(folder.glob(shipped_name("*"))):
            return bundled
    key = demo_key()
    shipped = folder / shipped_name(key)
    if shipped.is_file():
        return Path(str(shipped))
    cached = cache / f"demo-{key}.sqlite3"
    if not cached.is_file():
        log.info("preparing the practice database (once for this version)")
        prepare(cached)
    return cached


def mint_token(db_url: str) -> tuple[int, str, int, str]:
    """A sign-in token for the demo volunteer, written into the practice database by
    the server's own code: (campaign id, token, volunteer id, display name)."""
    from sqlalchemy import select

    from caller_server.auth import issue_token
    from caller_server.db import make_engine, session_factory
    from caller_server.models import Campaign, Volunteer

    engine = make_engine(db_url)
    try:
        with session_factory(engine).begin() as session:
            volunteer = session.scalars(
                select(Volunteer).where(Volunteer.username == DEMO_USERNAME)
            ).one()
            campaign_id = session.scalars(select(Campaign.id).order_by(Campaign.id)).first()
            if campaign_id is None:
                raise RuntimeError("the practice database holds no campaign")
            token, _expires = issue_token(session, volunteer)
            return campaign_id, token, volunteer.id, volunteer.name
    finally:
        engine.dispose()


class PracticeServer:
    """Start with `start()` (blocking, well under a second once the demo database is
    prepared: call it off the GUI thread). Then `url`, `token` and `account` sign in."""

    def __init__(self, folder: Path | None = None, cache: Path | None = None) -> None:
        self._own_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="caller-app-demo-"))
        self.cache = cache
        self.db_url = f"sqlite:///{self.folder / DB_FILE}"
        self._server: EmbeddedServer | None = None
        self.campaign_id: int | None = None
        self.token: str | None = None
        self._volunteer: tuple[int, str] | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the practice server is not running")
        return self._server.url

    @property
    def account(self) -> Account:
        """The demo volunteer, as signing in would have named them."""
        if self._volunteer is None:
            raise RuntimeError("the practice server is not running")
        return Account(self.url, DEMO_USERNAME, *self._volunteer)

    def start(self) -> PracticeServer:
        from caller_app import paths
        from caller_server.server import EmbeddedServer

        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prepared_database(self.cache or paths.cache_dir()), self.folder / DB_FILE)
        self.campaign_id, self.token, volunteer_id, name = mint_token(self.db_url)
        self._volunteer = (volunteer_id, name)
        self._server = EmbeddedServer(self.db_url).start()
        log.info("practice server on %s (campaign %s)", self._server.url, self.campaign_id)
        return self

    def stop_server(self) -> None:
        """Stop serving but keep the database (to show the app going offline)."""
        if self._server is not None:
            self._server.stop()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PracticeServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
