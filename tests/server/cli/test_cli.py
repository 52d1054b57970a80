"""The real `caller-server` command line, run as a subprocess on SQLite and PostgreSQL.

Bad input must end with a non-zero status, one line on stderr, no traceback, and
every table's row count as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caller_server import schema
from caller_server.db import make_engine
from caller_server.export import CALL_COLUMNS, HEADER
from caller_server.models import AuditEntry, Base, Batch, Campaign, Contact, Result, Volunteer
from tests.support.cli import cli
from tests.support.server import (
    REPO,
    create_pg_database,
    drop_pg_database,
    free_port,
    pg_unavailable_reason,
)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
CAMPAIGN_TOML = """
name = "CLI test"
seat = "Nowhere East"
candidate = "Sam Example"
calling_hours = "00:00-24:00"
[script]
intro = "Hello {first_name}, this is {volunteer_first_name}."
[[questions]]
key = "vote"
text = "How will you vote?"
kind = "single"
options = ["Us", "Them"]
"""
CSV_HEADER = "first_name,last_name,phone,ward,age_band\r\n"


# --- fixtures and helpers ---------------------------------------------------------------


def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'cli-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    reason = pg_unavailable_reason()
    if reason:
        pytest.skip(reason)
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database initialised through `caller-server init`, shared by the module."""
    for url in fresh_database(backend, tmp_path_factory.mktemp("cli")):
        proc = cli(url, "init")
        assert proc.returncode == 0, proc.stderr
        yield url


@pytest.fixture(scope="module")
def shared_campaign(db: str, tmp_path_factory: pytest.TempPathFactory) -> int:
    """A campaign for tests that only need one to exist (and change nothing in it)."""
    return make_campaign(db, tmp_path_factory.mktemp("campaign"))


@pytest.fixture
def empty_db(backend: str, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(backend, tmp_path)


def table_counts(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return {
                name: session.scalar(select(func.count()).select_from(table))
                for name, table in Base.metadata.tables.items()
            }
    finally:
        engine.dispose()


def assert_refused(proc: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Non-zero, one stderr line holding every `expected`, no traceback; that line."""
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for text in expected:
        assert text in lines[0]
    return lines[0]


def make_campaign(db_url: str, tmp_path: Path) -> int:
    path = tmp_path / f"c-{uuid.uuid4().hex[:6]}.toml"
    path.write_text(CAMPAIGN_TOML, encoding="utf-8")
    proc = cli(db_url, "campaign", "create", str(path))
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout)


def drama(i: int) -> str:
    """The i-th (0..3999) Ofcom drama number, written as people write them."""
    prefix = ("020 7946 0", "0113 496 0", "0121 496 0", "0161 496 0")[i // 1000]
    return f"{prefix}{i % 1000:03d}"


def csv_file(tmp_path: Path, rows: list[str], header: str = CSV_HEADER, bom: bool = True) -> Path:
    path = tmp_path / f"contacts-{uuid.uuid4().hex[:6]}.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (header + "".join(rows)).encode())
    return path


# --- init and the database option -------------------------------------------------------


def test_init_creates_then_upgrades_idempotently(empty_db: str) -> None:
    first = cli(empty_db, "init")
    assert first.returncode == 0, first.stderr
    assert f"revision {schema.head_revision()}" in first.stdout
    assert schema.current_revision(empty_db) == schema.head_revision()
    again = cli(None, "--db", empty_db, "init")  # the option before the command
    assert again.returncode == 0, again.stderr
    assert schema.current_revision(empty_db) == schema.head_revision()


def test_commands_refuse_an_uninitialised_database(empty_db: str, tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text(CAMPAIGN_TOML, encoding="utf-8")
    assert_refused(cli(empty_db, "campaign", "create", str(toml)), "caller-server init")
    if empty_db.startswith("sqlite"):
        assert not Path(empty_db.removeprefix("sqlite:///")).exists()  # no stray empty file


def test_database_from_the_environment(db: str, tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text(CAMPAIGN_TOML, encoding="utf-8")
    proc = cli(None, "campaign", "create", str(toml), env={"CALLER_SERVER_DB": db})
    assert proc.returncode == 0, proc.stderr
    engine = make_engine(db)
    with Session(engine) as session:
        assert session.get(Campaign, int(proc.stdout)) is not None
    engine.dispose()


def test_unreachable_database_is_one_line() -> None:
    port = free_port()
    assert_refused(cli(f"postgresql://postgres@127.0.0.1:{port}/nope", "init"), "cannot open")


@pytest.mark.parametrize(
    "args",
    [[], ["bogus"], ["volunteer"], ["volunteer", "add"], ["serve", "--port", "99999"],
     ["serve", "--workers", "0"], ["results", "export", "abc"], ["volunteer", "add", "someone"],
     ["contacts", "import", "-3", "x"]],
)  # fmt: skip
def test_usage_errors_are_one_line(args: list[str]) -> None:
    proc = cli(None, *args)
    assert proc.returncode == 2
    assert_refused(proc, "caller-server")


# --- volunteer add ----------------------------------------------------------------------


def test_volunteer_add(db: str) -> None:
    name = f"vol_{uuid.uuid4().hex[:8]}"
    proc = cli(db, "volunteer", "add", name, "--name", "Robin Tester", "--organiser",
               stdin="correct horse\n")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    engine = make_engine(db)
    with Session(engine) as session:
        vol = session.scalars(select(Volunteer).where(Volunteer.username == name)).one()
        assert (vol.name, vol.role) == ("Robin Tester", "organiser")
        assert vol.password_hash.startswith("$argon2")
        assert "correct horse" not in vol.password_hash
    engine.dispose()

    before = table_counts(db)
    assert_refused(cli(db, "volunteer", "add", name, "--name", "X", stdin="pw\n"),
                   "already exists")  # fmt: skip
    assert_refused(cli(db, "volunteer", "add", name + "b", "--name", "X", stdin="\n"),
                   "password is empty")  # fmt: skip
    assert_refused(cli(db, "volunteer", "add", "  ", "--name", "X", stdin="pw\n"), "username")
    assert table_counts(db) == before


# --- campaign create --------------------------------------------------------------------


def test_campaign_create_prints_the_id_alone(db: str, tmp_path: Path) -> None:
    campaign_id = make_campaign(db, tmp_path)
    engine = make_engine(db)
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign.calling_hours == "00:00-24:00"
        assert campaign.script["questions"][0]["key"] == "vote"
        assert [o["code"] for o in campaign.script["outcomes"]][:2] == ["answered", "not_home"]
        assert len(campaign.script_version) == 16
    engine.dispose()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x\nseat = 1', "not valid TOML"),
        ("colour = 'red'\n" + CAMPAIGN_TOML, "colour: unknown key"),
        ("batch_size = 500\n" + CAMPAIGN_TOML, "batch_size: must be between 1 and 50"),
        (CAMPAIGN_TOML.replace('"single"', '"ranking"'), "questions[1].kind: must be one of"),
        (CAMPAIGN_TOML.replace("{first_name}", "{Surname}"), "unknown placeholder {Surname}"),
    ],
)
def test_campaign_create_bad_files(db: str, tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    before = table_counts(db)
    assert_refused(cli(db, "campaign", "create", str(path)), "bad.toml", expected)
    assert table_counts(db) == before


def test_campaign_create_missing_file(db: str, tmp_path: Path) -> None:
    assert_refused(cli(db, "campaign", "create", str(tmp_path / "nope.toml")), "cannot read")


# --- contacts import --------------------------------------------------------------------


def test_contacts_import_with_bom_and_crlf(db: str, tmp_path: Path) -> None:
    campaign_id = make_campaign(db, tmp_path)
    rows = [f"Amara{i},Lomax,{drama(i)},Gasworks,18-24\r\n" for i in range(10)]
    proc = cli(db, "contacts", "import", str(campaign_id), str(csv_file(tmp_path, rows)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "imported 10, skipped 0"
    engine = make_engine(db)
    with Session(engine) as session:
        contacts = session.scalars(
            select(Contact).where(Contact.campaign_id == campaign_id).order_by(Contact.id)
        ).all()
        assert [c.phone for c in contacts][:2] == ["+442079460000", "+442079460001"]
        assert contacts[0].attributes == {"age_band": "18-24"}
        assert contacts[0].first_name == "Amara0"  # the BOM did not end up in a name
    engine.dispose()


def test_contacts_import_bad_rows(db: str, tmp_path: Path) -> None:
    campaign_id = make_campaign(db, tmp_path)
    rows = [
        f"Ben,Quayle,{drama(100)},,\r\n",  # 2 ok
        f",Quayle,{drama(101)},,\r\n",  # 3 missing first name
        "Chloe,Varga,07700 900123,,\r\n",  # 4 invalid phone (drama mobile: not valid)
        f"Ben,Quayle,{drama(100)},,\r\n",  # 5 the same person as line 2
        f"Eilidh,Nolan,{drama(102)},,\r\n",  # 6 ok
    ]
    path = csv_file(tmp_path, rows)
    before = table_counts(db)
    proc = cli(db, "contacts", "import", str(campaign_id), str(path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()
    assert err[:3] == [
        "line 3: missing first_name",
        "line 4: phone is not a valid number",
        "line 5: duplicate contact: same name and phone as line 2",
    ]
    assert "nothing imported" in err[-1]
    assert "Quayle" not in proc.stderr
    assert "7946" not in proc.stderr
    assert proc.stdout.strip() == "imported 0, skipped 5"
    assert table_counts(db) == before

    proc = cli(db, "contacts", "import", str(campaign_id), str(path), "--skip-invalid")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "imported 2, skipped 3"
    assert table_counts(db)["contacts"] == before["contacts"] + 2

    # Importing again: every row is now already in the campaign (or bad).
    proc = cli(db, "contacts", "import", str(campaign_id), str(path), "--skip-invalid")
    assert proc.stdout.strip() == "imported 0, skipped 5"
    assert "line 2: contact is already in this campaign" in proc.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"first_name,last_name,ward\r\nA,B,C\r\n", "missing column phone"),
        (b"first_name,last_name,phone\r\nZo\xeb,B,020 7946 0001\r\n", "line 2 is not UTF-8"),
        (b"", "the file is empty"),
    ],
)
def test_contacts_import_bad_files(
    db: str, shared_campaign: int, tmp_path: Path, content: bytes, expected: str
) -> None:
    campaign_id = shared_campaign
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = table_counts(db)
    assert_refused(cli(db, "contacts", "import", str(campaign_id), str(path)), expected)
    assert table_counts(db) == before


def test_contacts_import_unknown_campaign_and_missing_file(
    db: str, shared_campaign: int, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, [f"A,B,{drama(5)},,\r\n"])
    before = table_counts(db)
    assert_refused(cli(db, "contacts", "import", "987654", str(path)), "no campaign with id 987654")
    missing = str(tmp_path / "nope.csv")
    assert_refused(cli(db, "contacts", "import", str(shared_campaign), missing), "cannot read")
    assert table_counts(db) == before


@pytest.mark.slow
def test_contacts_import_100k_rows(db: str, tmp_path: Path) -> None:
    """100,000 rows in one go. Only 4,000 drama numbers exist, so each person appears 25
    times: the first of each imports and the other 96,000 rows are reported as duplicates."""
    campaign_id = make_campaign(db, tmp_path)
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\ufeff" + CSV_HEADER)
        for n in range(100_000):
            i = n % 4000
            fh.write(f"First{i},Last{i},{drama(i)},Ward {i % 7},band{i % 5}\r\n")
    proc = cli(db, "contacts", "import", str(campaign_id), str(path), "--skip-invalid")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "imported 4000, skipped 96000"
    err = proc.stderr.strip().splitlines()
    assert err[0] == "line 4002: duplicate contact: same name and phone as line 2"
    assert err[-1] == "... and 95950 more problems"
    engine = make_engine(db)
    with Session(engine) as session:
        where = Contact.campaign_id == campaign_id
        assert session.scalar(select(func.count()).where(where)) == 4000
        assert session.scalar(select(func.count(func.distinct(Contact.phone))).where(where)) == 4000
        last = session.scalars(
            select(Contact).where(where, Contact.first_name == "First3999")
        ).one()
        assert (last.phone, last.ward, last.attributes) == (
            "+441614960999",
            "Ward 2",
            {"age_band": "band4"},
        )
    engine.dispose()


# --- results export ---------------------------------------------------------------------


def seed_results(db_url: str, campaign_id: int) -> list[str]:
    """Two results for the campaign's first contact, written straight to the database."""
    engine = make_engine(db_url)
    now = dt.datetime(2026, 11, 26, 18, 4, 5, tzinfo=dt.UTC)
    with Session(engine) as session, session.begin():
        contact = session.scalars(
            select(Contact).where(Contact.campaign_id == campaign_id).order_by(Contact.id)
        ).first()
        vol = Volunteer(username=f"x_{uuid.uuid4().hex[:8]}", name="Robin", password_hash="x")
        session.add(vol)
        session.flush()
        batch = Batch(campaign_id=campaign_id, volunteer_id=vol.id, request_id=str(uuid.uuid4()),
                      expires_at=now)  # fmt: skip
        session.add(batch)
        session.flush()
        ids = [str(uuid.uuid4()), str(uuid.uuid4())]
        session.add_all([
            Result(id=ids[0], campaign_id=campaign_id, contact_id=contact.id, volunteer_id=vol.id,
                   batch_id=batch.id, outcome="answered", answers={"vote": "Us"},
                   notes='=HYPERLINK("http://example.invalid","x")', started_at=now,
                   duration_s=95, recorded_at=now, received_at=now, payload_hash="a" * 64),
            Result(id=ids[1], campaign_id=campaign_id, contact_id=contact.id, volunteer_id=vol.id,
                   batch_id=batch.id, outcome="call_back", answers={}, notes="-ok\nsecond line",
                   started_at=now, duration_s=5, callback_at=now + dt.timedelta(days=1),
                   received_at=now + dt.timedelta(seconds=1), late=True, payload_hash="b" * 64),
        ])  # fmt: skip
    engine.dispose()
    return ids


def test_results_export(db: str, tmp_path: Path) -> None:
    campaign_id = make_campaign(db, tmp_path)
    rows = [f"@Amara,+Lomax,{drama(200)},-Ward,\r\n"]
    assert (
        cli(db, "contacts", "import", str(campaign_id), str(csv_file(tmp_path, rows))).returncode
        == 0
    )
    ids = seed_results(db, campaign_id)

    proc = cli(db, "results", "export", str(campaign_id))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(",".join([*HEADER, "How will you vote?", *CALL_COLUMNS]) + "\r\n")
    table = list(csv.DictReader(io.StringIO(proc.stdout, newline="")))
    assert [r["result_id"] for r in table] == ids
    first, second = table
    assert first["phone"] == "+442079460200"  # E.164 kept as is (see export.py)
    assert (first["first_name"], first["last_name"], first["ward"]) == (
        "'@Amara",
        "'+Lomax",
        "'-Ward",
    )
    assert first["notes"].startswith("'=HYPERLINK")
    assert first["How will you vote?"] == "Us"
    assert (first["outcome"], first["duration_s"], first["late"]) == ("answered", "95", "false")
    assert (first["outcome_label"], first["volunteer"]) == ("Spoke to them", "Robin")
    assert first["started_at"] == "2026-11-26T18:04:05+00:00"  # Europe/London, in November
    assert first["callback_at"] == ""
    assert second["notes"] == "'-ok\nsecond line"
    assert (second["callback_at"], second["late"]) == ("2026-11-27T18:04:05+00:00", "true")

    out = tmp_path / "results.csv"
    proc = cli(db, "results", "export", str(campaign_id), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().decode("utf-8") == cli(db, "results", "export", str(campaign_id)).stdout


def test_results_export_unknown_campaign(db: str, tmp_path: Path) -> None:
    out = tmp_path / "never.csv"
    assert_refused(cli(db, "results", "export", "987654", "-o", str(out)), "no campaign")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
    proc = cli(db, "results", "export", "987654")
    assert_refused(proc, "no campaign")
    assert proc.stdout == ""


def test_results_export_empty_campaign_has_the_header(db: str, shared_campaign: int) -> None:
    proc = cli(db, "results", "export", str(shared_campaign))
    assert proc.stdout == ",".join([*HEADER, "How will you vote?", *CALL_COLUMNS]) + "\r\n"


# --- serve and demo ---------------------------------------------------------------------


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no healthy server at {url}")


def stop(proc: subprocess.Popen[str]) -> str:
    """Interrupt the server as Ctrl+C would; its stdout, with the pipes closed."""
    proc.send_signal(signal.SIGINT)
    try:
        out, _err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _err = proc.communicate()
    return out or ""


def test_serve(db: str) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "caller_server", "serve", "--port", str(port), "--db", db]
    proc = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        # The port is taken now: a second server says so in one line.
        assert_refused(cli(db, "serve", "--port", str(port)), f"127.0.0.1:{port}")
    finally:
        stop(proc)


def test_demo_serves_the_demo_campaign(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("CALLER_SERVER_DB", None)
    argv = [sys.executable, "-m", "caller_server", "demo", "--port", str(port)]
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        login = requests.post(
            f"{url}/api/v1/auth/login", json={"username": "demo", "password": "demo"}, timeout=10
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        campaigns = requests.get(f"{url}/api/v1/campaigns", headers=headers, timeout=10).json()
        assert [c["seat"] for c in campaigns["campaigns"]] == ["Riverside North"]
        batch = requests.post(
            f"{url}/api/v1/campaigns/{campaigns['campaigns'][0]['id']}/batches",
            json={"size": 5, "request_id": str(uuid.uuid4())}, headers=headers, timeout=10,
        ).json()  # fmt: skip
        assert len(batch["contacts"]) == 5  # open around the clock
    finally:
        out = stop(proc)
    assert url in out
    assert "demo / demo" in out
    assert not list(tmp_path.glob("caller-server-demo-*"))  # the demo database is gone


def test_a_bad_database_url_is_one_line(tmp_path: Path) -> None:
    assert_refused(cli("nosuchdb://x/y", "init"), "not a usable database URL")


def test_unexpected_errors_are_one_line_with_the_traceback_only_when_verbose(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """In-process: no real command fails unexpectedly on purpose, so one is made to."""
    import logging

    from caller_server import cli as cli_module

    def broken(_args: object, _url: str) -> int:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setitem(cli_module._HANDLERS, ("init", None), broken)
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert cli_module.main(["init", "--db", db]) == 1
    err = capsys.readouterr().err
    assert err == "caller-server: error: unexpected RuntimeError: disk on fire; " \
        "run with --verbose for details\n"  # fmt: skip

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # let basicConfig install a fresh handler
    monkeypatch.setattr(root, "level", root.level)
    assert cli_module.main(["--verbose", "init", "--db", db]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert (
        err.strip().splitlines()[-1]
        == "caller-server: error: unexpected RuntimeError: disk on fire"
    )


# --- issue 13: campaign list / update / pause / resume / close ----------------------------


def audit_actions(db_url: str, campaign_id: int | None) -> list[str]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return list(
                session.scalars(
                    select(AuditEntry.action)
                    .where(AuditEntry.campaign_id == campaign_id)
                    .order_by(AuditEntry.id)
                )
            )
    finally:
        engine.dispose()


def test_campaign_update_in_place_and_list(db: str, tmp_path: Path) -> None:
    campaign_id = make_campaign(db, tmp_path)
    engine = make_engine(db)
    with Session(engine) as session:
        before = session.get(Campaign, campaign_id).script_version
    toml = tmp_path / "fixed.toml"
    toml.write_text(
        CAMPAIGN_TOML.replace(
            'calling_hours = "00:00-24:00"', 'calling_hours = "10:00-20:00"'
        ).replace("Hello {first_name}", "Hi {first_name}"),
        encoding="utf-8",
    )
    campaigns_before = table_counts(db)["campaigns"]
    proc = cli(db, "campaign", "update", str(campaign_id), str(toml))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"updated campaign {campaign_id}: calling_hours, script"
    assert table_counts(db)["campaigns"] == campaigns_before  # never a second campaign
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign.calling_hours == "10:00-20:00"
        assert campaign.script["intro"].startswith("Hi ")
        assert campaign.script_version != before
    engine.dispose()
    again = cli(db, "campaign", "update", str(campaign_id), str(toml))
    assert "already as fixed.toml says" in again.stdout
    assert_refused(cli(db, "campaign", "update", "987654", str(toml)), "no campaign with id")

    listing = cli(db, "campaign", "list")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0] == "id\tstatus\tcontacts\tdone\tname"
    assert f"{campaign_id}\tactive\t0\t0\tCLI test" in lines
    assert audit_actions(db, campaign_id) == ["created", "updated"]


def test_pause_resume_close(db: str, tmp_path: Path) -> None:
    campaign_id = make_campaign(db, tmp_path)
    ok = cli(db, "contacts", "import", str(campaign_id),
             str(csv_file(tmp_path, [f"Amara,Lomax,{drama(300)},,\r\n"])))  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    # A live lease, straight into the database.
    engine = make_engine(db)
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        vol = Volunteer(username=f"x_{uuid.uuid4().hex[:8]}", name="Robin", password_hash="x")
        session.add(vol)
        session.flush()
        later = now + dt.timedelta(hours=1)
        batch = Batch(campaign_id=campaign_id, volunteer_id=vol.id,
                      request_id=str(uuid.uuid4()), expires_at=later)  # fmt: skip
        session.add(batch)
        session.flush()
        contact = session.scalars(select(Contact).where(Contact.campaign_id == campaign_id)).one()
        contact.batch_id, contact.state = batch.id, "leased"
        contact.lease_expires_at = now + dt.timedelta(hours=1)
        batch_id = batch.id
    assert cli(db, "campaign", "pause", str(campaign_id)).returncode == 0
    assert_refused(cli(db, "campaign", "pause", str(campaign_id)), "is paused")
    assert cli(db, "campaign", "resume", str(campaign_id)).returncode == 0
    proc = cli(db, "campaign", "close", str(campaign_id))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"campaign {campaign_id} closed; 1 leased contacts released"
    with Session(engine) as session:
        assert session.get(Campaign, campaign_id).status == "closed"
        contact = session.scalars(select(Contact).where(Contact.campaign_id == campaign_id)).one()
        assert (contact.batch_id, contact.state) == (None, "available")
        assert session.get(Batch, batch_id).released_at is not None
    engine.dispose()
    assert_refused(cli(db, "campaign", "resume", str(campaign_id)), "is closed")
    assert_refused(
        cli(db, "contacts", "import", str(campaign_id),
            str(csv_file(tmp_path, [f"Ben,Lomax,{drama(301)},,\r\n"]))),
        "is closed",
    )  # fmt: skip
    assert f"{campaign_id}\tclosed\t1\t0" in cli(db, "campaign", "list").stdout
    assert audit_actions(db, campaign_id) == ["created", "imported", "paused", "resumed",
                                              "closed"]  # fmt: skip


def test_contacts_import_with_map_and_report(db: str, tmp_path: Path) -> None:
    campaign_id = make_campaign(db, tmp_path)
    header = "Elector No,Forename,Surname,Home,Mobile,Polling District\r\n"
    rows = [
        f"E1,Amara,Lomax,{drama(400)},,PD1\r\n",
        f"E2,Ben,Lomax,{drama(400)},,PD1\r\n",  # household
        f"E3,Chloe,Varga,,{drama(401)},PD2\r\n",  # mobile only
        f"E4,Dev,,{drama(402)},,PD2\r\n",  # no surname
    ]
    path = csv_file(tmp_path, rows, header=header)
    report = tmp_path / "problems.csv"
    proc = cli(db, "contacts", "import", str(campaign_id), str(path), "--skip-invalid",
               "--map", "home=phone,Mobile=phone_fallback", "--report", str(report))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "imported 3, skipped 1"
    assert "line 5: missing last_name" in proc.stderr
    assert "Dev" not in proc.stderr
    table = list(csv.reader(io.StringIO(report.read_text("utf-8"), newline="")))
    assert table[0][:3] == ["line", "reason", "Elector No"]
    assert table[1][:4] == ["5", "missing last_name", "E4", "Dev"]
    engine = make_engine(db)
    with Session(engine) as session:
        found = session.scalars(
            select(Contact).where(Contact.campaign_id == campaign_id).order_by(Contact.id)
        ).all()
        assert [(c.external_id, c.phone) for c in found] == [
            ("E1", "+442079460400"), ("E2", "+442079460400"), ("E3", "+442079460401")]  # fmt: skip
        assert found[0].attributes == {"polling_district": "PD1"}
    engine.dispose()
    # The same file again: the ids are known, so three updates and no problem for them.
    proc = cli(db, "contacts", "import", str(campaign_id), str(path), "--skip-invalid",
               "--map", "home=phone,Mobile=phone_fallback")  # fmt: skip
    assert proc.stdout.strip() == "imported 3, skipped 1 (0 added, 3 updated)"
    before = table_counts(db)
    assert_refused(cli(db, "contacts", "import", str(campaign_id), str(path),
                       "--map", "Nope=phone"), "no column 'Nope'")  # fmt: skip
    assert table_counts(db) == before


def test_suppress_import(db: str, shared_campaign: int, tmp_path: Path) -> None:
    path = tmp_path / "optout.csv"
    path.write_text(f"Tel\r\n{drama(500)}\r\nnot a number\r\n{drama(501)}\r\n", encoding="utf-8")
    proc = cli(db, "suppress", "import", str(path), "--campaign", str(shared_campaign))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "suppressed 2 numbers, 0 already suppressed, skipped 1"
    assert proc.stderr.strip().splitlines() == ["line 3: phone is not a valid number"]
    proc = cli(db, "suppress", "import", str(path))  # every campaign
    assert proc.stdout.strip() == "suppressed 2 numbers, 0 already suppressed, skipped 1"
    proc = cli(db, "suppress", "import", str(path))
    assert proc.stdout.strip() == "suppressed 0 numbers, 2 already suppressed, skipped 1"
    assert audit_actions(db, shared_campaign)[-1] == "suppressed"
    assert_refused(cli(db, "suppress", "import", str(tmp_path / "nope.csv")), "cannot read")


def test_results_export_options(db: str, tmp_path: Path) -> None:
    campaign_id = make_campaign(db, tmp_path)
    rows = [f"Amara,Lomax,{drama(600)},Gasworks,18-24\r\n", f"Ben,Lomax,{drama(601)},,\r\n"]
    assert cli(db, "contacts", "import", str(campaign_id),
               str(csv_file(tmp_path, rows))).returncode == 0  # fmt: skip
    first, second = seed_results(db, campaign_id)
    engine = make_engine(db)
    with Session(engine) as session, session.begin():
        session.get(Result, second).supersedes = first  # the call_back corrects the answer
    engine.dispose()

    proc = cli(db, "results", "export", str(campaign_id))
    assert [r["result_id"] for r in csv.DictReader(io.StringIO(proc.stdout))] == [second]
    proc = cli(db, "results", "export", str(campaign_id), "--all-versions", "--excel")
    assert proc.stdout.startswith("\ufeffresult_id,")
    table = list(csv.DictReader(io.StringIO(proc.stdout.removeprefix("\ufeff"))))
    assert {r["result_id"]: r["superseded_by"] for r in table} == {first: second, second: ""}
    assert table[0]["age_band"] == "18-24"

    out = tmp_path / "contacts.csv"
    proc = cli(db, "results", "export", str(campaign_id), "--per-contact", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"wrote 2 contacts to {out}"
    per = list(csv.DictReader(io.StringIO(out.read_text("utf-8"), newline="")))
    assert [(r["first_name"], r["calls"], r["outcome"]) for r in per] == [
        ("Amara", "1", "call_back"), ("Ben", "0", "")]  # fmt: skip
    assert_refused(cli(db, "results", "export", str(campaign_id), "--per-contact",
                       "--all-versions"), "--all-versions")  # fmt: skip
    assert audit_actions(db, campaign_id).count("exported") == 3
