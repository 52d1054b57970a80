"""Ending a session (release, no sign-out) and finishing a batch leave no contact behind.

test_privacy.py covers sign-out. Here the volunteer keeps their account: they work
through one batch (the app leases the next), then end the session, which gives the
rest back. After each step the raw bytes of the database, its -wal and -shm files
and the logs must hold no name or number of a contact the app no longer holds, i.e.
the local database holds only the current batch's contacts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest

from caller_app.api import ApiClient
from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import ResultDraft
from caller_app.logs import setup_logging
from caller_app.store import Store
from caller_app.sync import SyncPolicy
from caller_server.models import Campaign
from tests.support.corekit import FAST_SYNC, fast_session, wait_for
from tests.support.keyring_backend import memory_keyring
from tests.support.privacy import files_to_search, leaks
from tests.support.server import db_session

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = pytest.mark.timeout(120)

BATCH = 4


def _flush() -> None:
    for handler in logging.getLogger("caller_app").handlers:
        handler.flush()


def test_release_and_finished_batches_leave_no_contact_data(qapp, live, tmp_path):
    server, seeded, people = live
    by_phone = {phone: (first, last, phone) for first, last, phone in people}
    db, logs = tmp_path / "app" / "caller-app.sqlite3", tmp_path / "app" / "logs"
    setup_logging(logs, level=logging.DEBUG)
    with db_session(seeded.db_url) as s:  # small batches, so there is a "next" one
        s.get(Campaign, seeded.campaign_id).batch_size = BATCH
        s.commit()
    store = Store(db)
    options = {**FAST_SYNC, "prefetch_below": 1}
    with memory_keyring():
        core = CallerCore(
            store,
            Credentials(),
            sync_policy=SyncPolicy(**options),
            watch_network=False,
            api_factory=lambda url: ApiClient(url, fast_session()),
        )
        ended: list[int] = []
        core.session_ended.connect(ended.append)
        core.sign_in(server.url, seeded.callers[0], seeded.password)
        core.fetch_campaigns()  # as the campaign picker does: the batch size comes with it
        core.choose_campaign(seeded.campaign_id)
        wait_for(lambda: core.remaining() > 0, 30, "contacts")
        worked = []
        # Work every contact of the first batch; the engine then leases a second one.
        first = core.current_contact()
        assert first is not None
        for _ in range(BATCH):
            contact = core.current_contact()
            assert contact is not None
            assert contact.batch_id == first.batch_id
            worked.append(by_phone[contact.phone])
            core.record(
                ResultDraft(
                    contact_id=contact.id,
                    batch_id=contact.batch_id,
                    campaign_id=seeded.campaign_id,
                    outcome="not_home",
                    started_at=dt.datetime.now(dt.UTC),
                    duration_s=12,
                )
            )
        wait_for(lambda: core.current_contact() is not None, 30, "the next batch")
        wait_for(lambda: store.waiting_count() == 0, 30, "the uploads")
        wait_for(
            lambda: not [b for b, _ in store.live_batches() if b == first.batch_id],
            30,
            "the finished batch to be retired",
        )
        current = core.current_contact()
        assert current is not None
        assert current.batch_id != first.batch_id
        _flush()
        gone = leaks(files_to_search(db, logs), worked)
        assert gone == [], f"contacts of the finished batch remain: {gone[:4]}"

        held = leaks(files_to_search(db, logs), people)
        assert held, "the test sees the current batch's contacts in the file"
        core.end_session()
        wait_for(lambda: ended, 60, "the session to end")
        wait_for(lambda: not store.batches_to_release(), 30, "the release to be confirmed")
        _flush()
        assert leaks(files_to_search(db, logs), people) == []
        core.shutdown()
    store.close()
    assert leaks(files_to_search(db, logs), people) == []
