"""Practice mode's server (`caller_app.practice`): a prepared demo database, copied per
start, and a sign-in token minted into it (issue 15: no migration, seeding or argon2
at each start)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from caller_app import practice
from caller_app.api import ApiClient
from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.store import Store
from tests.support.corekit import wait_for
from tests.support.keyring_backend import memory_keyring


def test_the_demo_database_is_prepared_once_and_copied(tmp_path: Path, monkeypatch):
    # the demo files in a folder of the test's own: a bundle build leaves a shipped
    # prepared file in the source tree, which would be used instead of the cache
    folder = _demo_copy(tmp_path / "demo")
    monkeypatch.setattr("caller_server.demo.demo_dir", lambda: folder)
    cache = tmp_path / "cache"
    built: list[Path] = []
    real_prepare = practice.prepare

    def counting_prepare(dest: Path) -> None:
        built.append(dest)
        real_prepare(dest)

    monkeypatch.setattr(practice, "prepare", counting_prepare)
    for run in range(2):
        with practice.PracticeServer(tmp_path / f"run{run}", cache=cache) as server:
            assert server.campaign_id is not None
            api = ApiClient(server.url)
            api.token = server.token
            try:
                assert [c.id for c in api.campaigns()] == [server.campaign_id]
            finally:
                api.close()
    assert len(built) == 1  # the second start copied the cached file
    assert built[0].parent == cache
    assert built[0].name == f"demo-{practice.demo_key()}.sqlite3"


def _demo_copy(folder: Path) -> Path:
    """The shipped demo files in a folder of the test's own."""
    from caller_server import demo

    folder.mkdir()
    for name in ("campaign.toml", "contacts.csv"):
        (folder / name).write_bytes((demo.demo_dir() / name).read_bytes())
    return folder


def test_a_shipped_database_is_used_before_the_cache(tmp_path: Path, monkeypatch):
    """The bundle's file (written by build/build.py) wins: nothing is built at start."""
    shipped = _demo_copy(tmp_path / "demo")
    monkeypatch.setattr("caller_server.demo.demo_dir", lambda: shipped)
    name = practice.shipped_name(practice.demo_key())
    practice.prepare(shipped / name)
    cache = tmp_path / "cache"
    assert practice.prepared_database(cache) == shipped / name
    assert not cache.exists() or not any(cache.iterdir())


def test_the_key_follows_the_demo_files(tmp_path: Path, monkeypatch):
    before = practice.demo_key()
    folder = _demo_copy(tmp_path / "demo")
    monkeypatch.setattr("caller_server.demo.demo_dir", lambda: folder)
    assert practice.demo_key() == before
    (folder / "contacts.csv").write_bytes((folder / "contacts.csv").read_bytes() + b"\n")
    assert practice.demo_key() != before


def test_token_sign_in_makes_no_login_request(qtbot, tmp_path: Path):
    """The launcher's practice path: signed in with the minted token, then calling."""
    with memory_keyring(), practice.PracticeServer(tmp_path / "server") as server:
        core = CallerCore(Store(tmp_path / "app.sqlite3"), Credentials(), watch_network=False)
        done: list[object] = []
        errors: list[BaseException] = []
        core.begin_token_sign_in(server.account, server.token, False, done.append, errors.append)
        wait_for(lambda: done or errors, 20, "the sign-in")
        try:
            assert not errors
            assert core.signed_in
            assert core.account is not None
            assert core.account.username == practice.DEMO_USERNAME
            campaigns = core.fetch_campaigns()  # the token works against the server
            core.choose_campaign(campaigns[0].id)
            wait_for(lambda: core.current_contact() is not None, 20, "a contact")
        finally:
            core.shutdown()
            core.store.close()
        # the server's throttle table records every password sign-in: none happened
        import sqlite3

        conn = sqlite3.connect(server.folder / practice.DB_FILE)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            assert "tokens" in tables
            assert conn.execute("SELECT count(*) FROM tokens").fetchone()[0] == 1
        finally:
            conn.close()


@pytest.mark.parametrize("missing", ["account", "url"])
def test_account_before_start_is_an_error(missing: str):
    server = practice.PracticeServer()
    try:
        with pytest.raises(RuntimeError):
            getattr(server, missing)
    finally:
        server.stop()


def test_a_bundle_finds_its_shipped_database_without_sources(tmp_path: Path, monkeypatch):
    """Frozen, the seeding code's source is not there to key by: the one file the build
    shipped is used, and the key still works (the release self-test starts practice)."""
    from caller_server import demo

    shipped = _demo_copy(tmp_path / "demo")
    monkeypatch.setattr("caller_server.demo.demo_dir", lambda: shipped)
    practice.prepare(shipped / practice.shipped_name("0123456789abcdef0123"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(demo, "__file__", str(tmp_path / "gone" / "demo.pyc"))
    cache = tmp_path / "cache"
    assert practice.prepared_database(cache) == shipped / practice.shipped_name(
        "0123456789abcdef0123"
    )
    assert len(practice.demo_key()) == 20
