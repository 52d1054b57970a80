"""ApiClient against the real server (subprocess on loopback, SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from caller_app.api import (
    ApiClient,
    BadServerUrl,
    Offline,
    Rejected,
    SignedOut,
    normalise_server_url,
)
from caller_app.domain.models import Result
from tests.support.server import free_port

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def client(live_server, seeded):
    api = ApiClient(live_server.url, timeout=(2, 10))
    api.login(seeded.callers[0], seeded.password)
    yield api
    api.close()


def result(contact_id: int, batch_id: int, outcome: str = "answered", **kw) -> Result:
    return Result(str(uuid.uuid4()), contact_id, batch_id, 0, outcome, NOW, 12, NOW, **kw)


def test_sign_in_campaigns_and_script_with_etag(live_server, seeded) -> None:
    api = ApiClient(live_server.url)
    assert api.health() == 1
    token, account = api.login(seeded.callers[0], seeded.password)
    assert token
    assert api.token == token
    assert account.server_url == live_server.url
    assert account.username == seeded.callers[0]
    campaign = next(c for c in api.campaigns() if c.id == seeded.campaign_id)
    assert campaign.calling_now
    assert campaign.lease_minutes > 0
    script, etag = api.script(seeded.campaign_id)
    assert script.campaign_id == seeded.campaign_id
    assert script.outcomes
    assert etag
    assert api.script(seeded.campaign_id, etag) is None  # 304: unchanged
    api.logout()
    assert api.token is None
    with pytest.raises(SignedOut):
        ApiClient(live_server.url, token=token).campaigns()  # the token was revoked


def test_wrong_password_is_rejected_with_the_servers_words(live_server, seeded) -> None:
    api = ApiClient(live_server.url)
    with pytest.raises(Rejected) as err:
        api.login(seeded.callers[0], "not the password")
    assert err.value.status == 401
    assert "password" in str(err.value).lower()


def test_unknown_token_means_signed_out(live_server) -> None:
    api = ApiClient(live_server.url, token="no-such-token")
    with pytest.raises(SignedOut, match="sign in again"):
        api.campaigns()


def test_lease_is_idempotent_and_renew_release_work(client, seeded) -> None:
    rid = str(uuid.uuid4())
    lease = client.lease(seeded.campaign_id, 3, rid)
    assert lease.batch_id
    assert len(lease.contacts) == 3
    assert lease.reason is None
    assert all(c.phone.startswith("+44") and c.batch_id == lease.batch_id for c in lease.contacts)
    again = client.lease(seeded.campaign_id, 3, rid)  # the reply was "lost": same batch
    assert again.batch_id == lease.batch_id
    assert [c.id for c in again.contacts] == [c.id for c in lease.contacts]
    renewal = client.renew(lease.batch_id)
    assert renewal.lease_expires_at >= lease.lease_expires_at
    assert renewal.lease_expires_in_s > 0
    assert renewal.contact_ids == tuple(c.id for c in lease.contacts)
    assert all(c.lease_proof for c in lease.contacts)
    assert client.release(lease.batch_id, [lease.contacts[0].id]) == 1
    assert [c.id for c in client.batch(lease.batch_id).contacts] == [
        c.id for c in lease.contacts[1:]
    ]


def test_upload_accepts_once_then_reports_duplicates_and_rejections(client, seeded) -> None:
    lease = client.lease(seeded.campaign_id, 3, str(uuid.uuid4()))
    good = result(lease.contacts[0].id, lease.batch_id, answers={"support": "yes"})
    bad = result(lease.contacts[1].id, lease.batch_id, "no_such_outcome")
    reply = client.post_results([good, bad])
    assert reply.accepted == (good.id,)
    assert reply.duplicates == ()
    assert [(r.result_id, r.code) for r in reply.rejected] == [(bad.id, "invalid_outcome")]
    assert reply.rejected[0].message
    reply = client.post_results([good])
    assert reply.duplicates == (good.id,)
    assert reply.accepted == ()
    changed = Result(**{**good.__dict__, "notes": "changed"})
    reply = client.post_results([changed])
    assert [r.code for r in reply.rejected] == ["conflict"]
    fix = result(lease.contacts[0].id, lease.batch_id, "not_home", supersedes=good.id)
    assert client.post_results([fix]).accepted == (fix.id,)
    progress = client.progress(seeded.campaign_id)
    assert progress.my_calls == 1  # the correction replaced the first call


def test_nothing_listening_is_offline() -> None:
    api = ApiClient(f"http://127.0.0.1:{free_port()}", timeout=(1, 1))
    with pytest.raises(Offline, match="internet connection"):
        api.health()


def test_server_urls_are_checked() -> None:
    assert normalise_server_url(" bank.example.org/ ") == "https://bank.example.org"
    assert normalise_server_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert normalise_server_url("http://localhost:8000/") == "http://localhost:8000"
    with pytest.raises(BadServerUrl, match="https://"):
        normalise_server_url("http://bank.example.org")
    for bad in ("", "ftp://bank.example.org", "https://"):
        with pytest.raises(BadServerUrl):
            normalise_server_url(bad)
