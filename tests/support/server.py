"""The real server for tests: a subprocess on a free loopback port, plus seed data.

`LiveServer` starts uvicorn with the app factory (as `caller-server serve` does) in a
child process, with the database in env CALLER_SERVER_DB, and waits for
`/api/v1/health`. Its output goes to a file the test can read (`log_text()`), e.g.
to check that no personal data was logged.

`seed(db_url)` writes a campaign (open around the clock by default), volunteers with
unique usernames and contacts with Ofcom drama numbers straight into the database.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session

from caller_server import auth
from caller_server.db import make_engine, resolve_db_url, session_factory
from caller_server.models import Base, Batch, Campaign, Contact, Volunteer

REPO = Path(__file__).resolve().parents[2]
PG_BASE_DSN = os.environ.get("CALLER_TEST_PG", "host=127.0.0.1 port=5432 user=postgres")
DRAMA_PREFIXES = ("+44207946", "+44113496", "+44121496", "+44161496")
DRAMA_COUNT = 1000 * len(DRAMA_PREFIXES)
FIRST_NAMES = ("Ada", "Bryn", "Cerys", "Dev", "Ezra", "Fern", "Gus", "Hana", "Ivo", "Jun")
TEST_LEASES_PER_MINUTE = 1000
TEST_SIGNINS_PER_ADDRESS = 100_000
LAST_NAMES = ("Quill", "Rook", "Sable", "Thorne", "Umber", "Vale", "Wren", "Yew")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the test process dies, so none is orphaned."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


_LOG_DIR: Path | None = None


def _log_dir() -> Path:
    """One folder for this test run's server logs, removed when the run ends."""
    global _LOG_DIR
    if _LOG_DIR is None:
        _LOG_DIR = Path(tempfile.mkdtemp(prefix="caller-server-logs-"))
        atexit.register(shutil.rmtree, _LOG_DIR, True)
    return _LOG_DIR


class LiveServer:
    """The API in a child process. `workers` > 1 runs uvicorn's multi-process mode."""

    def __init__(
        self,
        db_url: str,
        *,
        workers: int = 1,
        host: str = "127.0.0.1",
        port: int | None = None,
        command: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        via_cli: bool = False,
        args: Sequence[str] = (),
        tls_ca: Path | None = None,
    ) -> None:
        """`via_cli` starts `caller-server serve` (python -m caller_server) instead of
        uvicorn, with `args` added (e.g. --ssl-certfile). `tls_ca`: the server speaks
        HTTPS with a certificate this CA file vouches for."""
        self.db_url = resolve_db_url(db_url)
        self.workers = workers
        self.host = host
        self.port = port or free_port(host)
        self.command = list(command) if command else None
        self.extra_env = env or {}
        self.via_cli = via_cli
        self.args = list(args)
        self.tls_ca = tls_ca
        self._proc: subprocess.Popen[bytes] | None = None
        fd, name = tempfile.mkstemp(prefix="caller-server-", suffix=".log", dir=_log_dir())
        os.close(fd)
        self.log_path = Path(name)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls_ca else 'http'}://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _argv(self) -> list[str]:
        if self.command:
            return [*self.command, "--host", self.host, "--port", str(self.port)]
        if self.via_cli:
            return [
                sys.executable,
                "-m",
                "caller_server",
                "serve",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                *self.args,
            ]
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "caller_server.app:create_app",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--log-level",
            "info",
        ]
        if self.workers > 1:
            argv += ["--workers", str(self.workers)]
        return argv

    def start(self, timeout: float = 30.0) -> LiveServer:
        env = dict(os.environ)
        env["CALLER_SERVER_DB"] = self.db_url
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        # Tests and soaks lease far faster than a person: only the tests of the lease rate
        # limit itself set a real one (env={"CALLER_SERVER_LEASES_PER_MINUTE": "6"}).
        env.setdefault("CALLER_SERVER_LEASES_PER_MINUTE", str(TEST_LEASES_PER_MINUTE))
        # Every test signs in from 127.0.0.1, wrong passwords included: only the tests of
        # sign-in throttling itself set a real per-address allowance.
        env.setdefault("CALLER_SERVER_THROTTLE_PER_ADDRESS", str(TEST_SIGNINS_PER_ADDRESS))
        env.update(self.extra_env)
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(  # the server under test, stopped by stop()
                self._argv(),
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"server exited ({self._proc.returncode}):\n{self.log_text()}")
            try:
                verify: str | bool = str(self.tls_ca) if self.tls_ca else True
                health = requests.get(self.url + "/api/v1/health", timeout=1, verify=verify)
                if health.status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"server did not become healthy:\n{self.log_text()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 15.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    def restart(self, timeout: float = 30.0) -> LiveServer:
        """Stop and start again on the same port and database."""
        self.stop()
        return self.start(timeout)

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class Api:
    """A requests session against a LiveServer, signed in or not; every call times out."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self.http = requests.Session()
        self.timeout = timeout
        self.token = token
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> Api:
        api = cls(base_url)
        reply = api.post("/auth/login", json={"username": username, "password": password})
        assert reply.status_code == 200, reply.text
        token = reply.json()["token"]
        api.token = token
        api.http.headers["Authorization"] = f"Bearer {token}"
        return api

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.http.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def lease(self, campaign_id: int, size: int = 5, request_id: str | None = None) -> dict:
        reply = self.post(
            f"/campaigns/{campaign_id}/batches",
            json={"size": size, "request_id": request_id or str(uuid.uuid4())},
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def close(self) -> None:
        self.http.close()


# --- schema and seed data -------------------------------------------------------------


def create_schema(db_url: str) -> None:
    """The real migrations when they exist (caller_server.schema), else create_all."""
    url = resolve_db_url(db_url)
    try:
        from caller_server import schema
    except ImportError:
        schema = None  # type: ignore[assignment]
    if schema is not None and hasattr(schema, "upgrade"):
        schema.upgrade(url)
        return
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


_engines: dict[str, Engine] = {}


def engine_for(db_url: str) -> Engine:
    url = resolve_db_url(db_url)
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


@contextlib.contextmanager
def db_session(db_url: str) -> Iterator[Session]:
    """A session on the test database, for arranging and checking state directly."""
    with session_factory(engine_for(db_url))() as session:
        yield session


def dispose_engine(db_url: str) -> None:
    engine = _engines.pop(resolve_db_url(db_url), None)
    if engine is not None:
        engine.dispose()


def drama_number(index: int) -> str:
    """The index-th of the 4,000 UK drama numbers (E.164), wrapping around."""
    index %= DRAMA_COUNT
    return f"{DRAMA_PREFIXES[index // 1000]}{index % 1000:04d}"


DEFAULT_QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "support",
        "text": "Will you vote for {candidate}?",
        "kind": "single",
        "options": ["yes", "leaning", "undecided", "no"],
    },
    {
        "key": "issues",
        "text": "What matters most?",
        "kind": "multi",
        "options": ["housing", "buses", "parks", "schools"],
    },
    {
        "key": "score",
        "text": "How likely are you to vote?",
        "kind": "scale",
        "options": ["1", "2", "3", "4", "5"],
    },
    {"key": "comment", "text": "Anything else?", "kind": "text", "options": []},
]


def seed_campaign(db_url: str, **overrides: Any) -> int:
    """A campaign row; open around the clock unless `calling_hours` says otherwise."""
    script = overrides.pop("script", None) or {
        "intro": "Hello {first_name}, I'm {volunteer_first_name}, calling for {candidate}.",
        "crib_sheet": "- Be kind",
        "candidate_bio": "A *local* candidate.",
        "questions": overrides.pop("questions", DEFAULT_QUESTIONS),
    }
    if "outcomes" in overrides:
        script["outcomes"] = overrides.pop("outcomes")
    values: dict[str, Any] = {
        "name": "Northfield by-election",
        "seat": "Northfield",
        "candidate": "Sam Example",
        "timezone": "Europe/London",
        "calling_hours": "00:00-24:00",
        "target_contacts_per_hour": 20,
        "batch_size": 20,
        "max_attempts": 3,
        "lease_minutes": 45,
        "status": "active",
        "script": script,
        "script_version": uuid.uuid4().hex[:12],
    }
    if "active" in overrides:  # the boolean before campaigns had a status
        overrides["status"] = "active" if overrides.pop("active") else "closed"
    values.update(overrides)
    with session_factory(engine_for(db_url))() as session:
        campaign = Campaign(**values)
        session.add(campaign)
        session.commit()
        return campaign.id


def seed_volunteer(
    db_url: str,
    username: str,
    name: str = "Robin Tester",
    password: str = "correct horse",
    organiser: bool = False,
) -> int:
    with session_factory(engine_for(db_url))() as session:
        volunteer = Volunteer(
            username=username,
            name=name,
            password_hash=_hash(password),
            role="organiser" if organiser else "caller",
        )
        session.add(volunteer)
        session.commit()
        return volunteer.id


@functools.cache
def _hash(password: str) -> str:
    """argon2 is slow on purpose; tests reuse one hash per password."""
    return auth.hash_password(password)


_next_number: dict[str, int] = {}


def seed_contacts(db_url: str, campaign_id: int, count: int, start: int | None = None) -> list[int]:
    """`count` contacts with distinct drama numbers (fresh ones per database, if any left)."""
    url = resolve_db_url(db_url)
    if start is None:
        start = _next_number.get(url, 0)
    _next_number[url] = start + count
    rows = [
        {
            "campaign_id": campaign_id,
            "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
            "last_name": LAST_NAMES[i % len(LAST_NAMES)],
            "phone": drama_number(start + i),
            "ward": f"Ward {i % 4 + 1}",
            "attributes": {"age_band": "30-45"},
            "state": "available",
            "attempts": 0,
        }
        for i in range(count)
    ]
    with session_factory(engine_for(db_url))() as session:
        ids = list(session.scalars(insert(Contact).returning(Contact.id), rows)) if rows else []
        session.commit()
    return sorted(ids)


@dataclass
class Seeded:
    db_url: str
    campaign_id: int
    contact_ids: list[int]
    password: str
    callers: list[str] = field(default_factory=list)  # usernames
    organiser: str = ""
    volunteer_ids: dict[str, int] = field(default_factory=dict)


def seed(db_url: str, contacts: int = 10, callers: int = 2, **campaign: Any) -> Seeded:
    """A campaign with `contacts` contacts, `callers` callers and one organiser.

    Usernames are unique per call, so tests can share one database.
    """
    tag = uuid.uuid4().hex[:8]
    password = "correct horse battery"
    campaign_id = seed_campaign(db_url, **campaign)
    ids = seed_contacts(db_url, campaign_id, contacts)
    out = Seeded(db_url, campaign_id, ids, password)
    names = ("Alex Caller", "Bea Caller", "Cal Caller", "Dee Caller", "Eli Caller")
    for n in range(callers):
        username = f"caller{n + 1}-{tag}"
        out.volunteer_ids[username] = seed_volunteer(
            db_url, username, names[n % len(names)], password
        )
        out.callers.append(username)
    out.organiser = f"organiser-{tag}"
    out.volunteer_ids[out.organiser] = seed_volunteer(
        db_url, out.organiser, "Olu Organiser", password, organiser=True
    )
    return out


# --- PostgreSQL -------------------------------------------------------------------------


def pg_unavailable_reason() -> str | None:
    """None when the test PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_BASE_DSN + " dbname=test", connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: skip the PostgreSQL tests
        return f"PostgreSQL at 127.0.0.1:5432 (db test) unreachable: {type(exc).__name__}: {exc}"


def create_pg_database() -> str:
    """A fresh database test_<random>; returns its SQLAlchemy URL."""
    import psycopg

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_BASE_DSN + " dbname=test", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = dict(part.split("=", 1) for part in PG_BASE_DSN.split())
    user = params.get("user", "postgres")
    host = params.get("host", "127.0.0.1")
    port = params.get("port", "5432")
    return f"postgresql+psycopg://{user}@{host}:{port}/{name}"


def drop_pg_database(db_url: str) -> None:
    import psycopg

    dispose_engine(db_url)
    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_BASE_DSN + " dbname=test", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database with the schema, dropped afterwards."""
    url = create_pg_database()
    try:
        create_schema(url)
        yield url
    finally:
        drop_pg_database(url)


BACKENDS = ("sqlite", "postgres")  # the values of `fresh_database`'s kind


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A new database with the schema: a file in `folder`, or (kind "postgres") a new
    PostgreSQL database, the test skipped with the reason when none is reachable."""
    if kind == "postgres":
        import pytest

        reason = pg_unavailable_reason()
        if reason:
            pytest.skip(reason)
        with pg_database() as url:
            yield url
        return
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    create_schema(url)
    try:
        yield url
    finally:
        dispose_engine(url)


# --- arranging API state ------------------------------------------------------------------


def result_payload(
    batch_id: int | None, contact_id: int, outcome: str = "answered", **extra: Any
) -> dict[str, Any]:
    """One result as the app posts it (a fresh UUID; override fields with `extra`)."""
    now = dt.datetime.now(dt.UTC)
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "batch_id": batch_id,
        "contact_id": contact_id,
        "outcome": outcome,
        "answers": {},
        "notes": "",
        "started_at": now.isoformat(),
        "duration_s": 42,
        "recorded_at": now.isoformat(),
        "callback_at": None,
        "supersedes": None,
        "lease_proof": None,
    }
    body.update(extra)
    return body


def set_campaign_status(db_url: str, campaign_id: int, status: str) -> None:
    """Pause, resume or close a campaign as the organiser's command does."""
    from caller_server.campaign_admin import set_status

    with db_session(db_url) as session:
        set_status(session, campaign_id, status)
        session.commit()


def expire_lease(db_url: str, batch_id: int, ago: dt.timedelta = dt.timedelta(minutes=1)) -> None:
    """Make a batch's lease (and its contacts' leases) run out `ago`."""
    past = dt.datetime.now(dt.UTC) - ago
    with db_session(db_url) as session:
        session.execute(update(Batch).where(Batch.id == batch_id).values(expires_at=past))
        session.execute(
            update(Contact).where(Contact.batch_id == batch_id).values(lease_expires_at=past)
        )
        session.commit()


@contextlib.contextmanager
def seeded_sqlite_server(folder: Path, contacts: int) -> Iterator[tuple[LiveServer, Seeded]]:
    """A live server on a fresh SQLite file in `folder`, seeded with one campaign of
    `contacts` contacts and no callers (each test adds its own volunteers)."""
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    create_schema(url)
    seeded = seed(url, contacts=contacts, callers=0)
    with LiveServer(url) as server:
        yield server, seeded
    dispose_engine(url)
