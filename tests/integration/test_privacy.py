"""After sign-out no contact's name or number is left on the volunteer's computer.

The app core (CallerCore, as the UI drives it) signs in, leases contacts with
distinctive invented names, records calls (some still waiting to upload because
the line is down) and signs out. Then the raw bytes of the database file, its
-wal and -shm files and every log file are searched for each contact's names and
phone number in the forms it could be written in.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid

import pytest

from caller_app.api import ApiClient
from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import ResultDraft
from caller_app.logs import setup_logging
from caller_app.store import Store
from caller_app.sync import SyncPolicy
from tests.support.corekit import FAST_SYNC, fast_session, wait_for
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.keyring_backend import memory_keyring
from tests.support.privacy import files_to_search, leaks

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = pytest.mark.timeout(120)

CONTACTS = 12


def test_sign_out_leaves_no_contact_data(qapp, live, tmp_path):
    server, seeded, people = live
    db, logs = tmp_path / "app" / "caller-app.sqlite3", tmp_path / "app" / "logs"
    setup_logging(logs, level=logging.DEBUG)  # the most talkative the app can be
    store = Store(db)
    with memory_keyring(), FaultProxy("127.0.0.1", server.port) as proxy:
        core = CallerCore(
            store,
            Credentials(),
            sync_policy=SyncPolicy(**FAST_SYNC),
            watch_network=False,
            api_factory=lambda url: ApiClient(url, fast_session()),
        )
        done: list[bool] = []
        core.sign_out_finished.connect(lambda: done.append(True))
        core.sign_in(proxy.url, seeded.callers[0], seeded.password)
        core.choose_campaign(seeded.campaign_id)
        wait_for(lambda: core.remaining() >= 6, 30, "contacts")

        def call(outcome: str, answers: dict | None = None) -> None:
            contact = core.current_contact()
            assert contact is not None
            core.record(
                ResultDraft(
                    contact_id=contact.id,
                    batch_id=contact.batch_id,
                    campaign_id=seeded.campaign_id,
                    outcome=outcome,
                    started_at=dt.datetime.now(dt.UTC),
                    duration_s=42,
                    answers=answers or {},
                    notes=f"note {uuid.uuid4().hex[:6]}",
                )
            )

        call("answered", {"support": "yes"})
        call("not_home")
        call("busy")
        wait_for(lambda: store.waiting_count() == 0, 30, "the first uploads")
        proxy.set_fault(Fault.REFUSE)  # these stay queued through the sign-out
        call("voicemail")
        call("answered", {"support": "no"})

        for handler in logging.getLogger("caller_app").handlers:
            handler.flush()
        before = leaks(files_to_search(db, logs), people)
        assert any("caller-app.sqlite3" in hit for hit in before), "test sees no contact data"

        core.sign_out()
        wait_for(lambda: done, 60, "the sign-out to finish")
        assert store.waiting_count() == 2  # results kept, only their ids and answers
        for handler in logging.getLogger("caller_app").handlers:
            handler.flush()
        assert leaks(files_to_search(db, logs), people) == []
        core.shutdown()
    store.close()
    assert leaks(files_to_search(db, logs), people) == []
