"""The local store on a real SQLite file: durability settings, outbox rules, privacy."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest

from caller_app.domain.models import Account, Campaign, Contact, Rejection, ResultDraft
from caller_app.store import (
    DELIVERED,
    PENDING,
    REJECTED,
    SCHEMA_VERSION,
    NewerSchemaError,
    Store,
)
from tests.support.clock import MovableClock

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
LEASE_END = NOW + dt.timedelta(minutes=45)
CAMPAIGN = 7
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")


def contacts(batch_id: int, ids: range) -> list[Contact]:
    return [
        Contact(
            id=i,
            batch_id=batch_id,
            campaign_id=CAMPAIGN,
            first_name=f"Zelda{i}",
            last_name="Quimby",
            phone=f"+4420794601{i:02d}",
            ward="Ward 1",
            attempt=1,
            previous_notes=("left a message",),
            attributes={"age_band": "30-45"},
        )
        for i in ids
    ]


def draft(contact: Contact, outcome: str = "answered", **kw) -> ResultDraft:
    return ResultDraft(
        contact_id=contact.id,
        batch_id=contact.batch_id,
        campaign_id=contact.campaign_id,
        outcome=outcome,
        started_at=NOW,
        duration_s=42,
        answers=kw.pop("answers", {"support": "yes"}),
        notes=kw.pop("notes", "keen on buses"),
        **kw,
    )


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW, frozen=True)


@pytest.fixture
def store(tmp_path: Path, clock: MovableClock) -> Store:
    s = Store(tmp_path / "caller-app.sqlite3", clock=clock)
    s.save_account(ACCOUNT)
    s.add_batch(1, CAMPAIGN, LEASE_END, contacts(1, range(1, 4)))
    yield s
    s.close()


def work_next(store: Store, outcome: str = "answered"):
    contact = store.next_contact(CAMPAIGN)
    assert contact is not None
    return store.record(draft(contact, outcome))


def test_every_connection_is_durable(store: Store) -> None:
    for _ in range(2):  # a fresh pooled connection each time gets the same settings
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
        store.engine.dispose()
    assert store.integrity_check() == "ok"


def test_schema_upgrade_is_idempotent_and_refuses_newer(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    again = Store(path)  # no error, no second create
    assert again.account() is None
    again.close()
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(NewerSchemaError, match="newer version"):
        Store(path)


def test_record_is_one_transaction_and_moves_on(store: Store) -> None:
    first = store.next_contact(CAMPAIGN)
    result = work_next(store)
    assert result.contact_id == first.id
    assert len(result.id) == 36
    assert result.recorded_at.tzinfo is not None
    assert store.next_contact(CAMPAIGN).id != first.id
    assert store.remaining(CAMPAIGN) == 2
    assert store.waiting_count() == 1
    assert [r.id for r in store.results(PENDING)] == [result.id]
    assert store.session_stats(store.start_session(CAMPAIGN)).calls == 0


def test_naive_timestamps_are_refused(store: Store) -> None:
    contact = store.next_contact(CAMPAIGN)
    bad = ResultDraft(contact.id, 1, CAMPAIGN, "answered", dt.datetime(2026, 1, 1), 3)
    with pytest.raises(ValueError, match="time zone"):
        store.record(bad)
    assert store.waiting_count() == 0
    assert store.remaining(CAMPAIGN) == 3


def test_undo_only_before_upload_began(store: Store) -> None:
    first = work_next(store)
    undone = store.undo_last(CAMPAIGN)
    assert undone is not None
    assert undone.id == first.id
    assert store.remaining(CAMPAIGN) == 3
    assert store.waiting_count() == 0
    assert store.next_contact(CAMPAIGN).id == first.contact_id

    again = work_next(store)
    assert [r.id for r in store.claim_for_upload()] == [again.id]
    assert store.undo_last(CAMPAIGN) is None  # frozen: a correction is needed instead
    assert store.result(again.id) == again


def test_correction_is_a_new_result_that_supersedes(store: Store) -> None:
    session = store.start_session(CAMPAIGN)
    original = work_next(store, "not_home")
    store.claim_for_upload()
    contact = store.contact(1, original.contact_id)
    fixed = store.record_correction(original.id, draft(contact, "answered"))
    assert fixed.id != original.id
    assert fixed.supersedes == original.id
    assert store.result(original.id).outcome == "not_home"  # payload untouched
    stats = store.session_stats(session)
    assert stats.calls == 1
    assert stats.by_outcome == {"answered": 1}
    assert stats.waiting == 1  # one call waiting (its correction), not two


def test_uploaded_counts_calls_not_corrections(store: Store) -> None:
    """3 calls, one corrected after upload: "Uploaded: 3", never 4."""
    session = store.start_session(CAMPAIGN)
    first = work_next(store, "not_home")
    work_next(store, "busy")
    work_next(store, "answered")
    store.mark_delivered([r.id for r in store.claim_for_upload()])
    contact = store.contact(1, first.contact_id)
    fixed = store.record_correction(first.id, draft(contact, "answered"))
    stats = store.session_stats(session)
    assert (stats.calls, stats.uploaded, stats.waiting) == (3, 2, 1)  # the correction waits
    store.mark_delivered([r.id for r in store.claim_for_upload()])
    assert store.result(fixed.id) is not None
    stats = store.session_stats(session)
    assert (stats.calls, stats.uploaded, stats.waiting, stats.needs_attention) == (3, 3, 0, 0)
    assert stats.by_outcome == {"answered": 2, "busy": 1}


def test_undoing_an_unsent_correction_keeps_the_contact_worked(store: Store) -> None:
    original = work_next(store, "not_home")
    store.claim_for_upload()  # uploading: frozen, so undo cannot take it back
    assert store.undo_last(CAMPAIGN) is None
    contact = store.contact(1, original.contact_id)
    fixed = store.record_correction(original.id, draft(contact, "answered"))
    undone = store.undo_last(CAMPAIGN)
    assert undone is not None
    assert (undone.id, undone.supersedes) == (fixed.id, original.id)
    assert store.next_contact(CAMPAIGN).id != original.contact_id  # still worked
    assert store.remaining(CAMPAIGN) == 2
    again = store.record_correction(original.id, draft(contact, "busy"))
    assert again.supersedes == original.id


def test_a_correction_supersedes_the_latest_of_its_chain(store: Store) -> None:
    a = work_next(store, "not_home")
    store.claim_for_upload()
    store.mark_delivered([a.id])
    contact = store.contact(1, a.contact_id)
    b = store.record_correction(a.id, draft(contact, "busy"))
    assert b.supersedes == a.id
    assert store.latest_in_chain(a.id) == b.id
    store.claim_for_upload()  # b is frozen too: the next correction must name b
    c = store.record_correction(a.id, draft(contact, "answered"))
    assert c.supersedes == b.id
    assert store.latest_in_chain(a.id) == store.latest_in_chain(b.id) == c.id
    assert store.latest_in_chain(c.id) == c.id
    # a refused link is not on the server: the chain ends before it
    store.mark_rejected([Rejection(c.id, "invalid_answers", "No.")])
    assert store.latest_in_chain(a.id) == b.id
    assert store.latest_in_chain("not-a-result") == "not-a-result"


def test_retry_attention_sends_a_refused_result_again_unchanged(store: Store) -> None:
    a, b = work_next(store), work_next(store)
    claimed = {r.id: r for r in store.claim_for_upload()}
    store.mark_rejected(
        [Rejection(a.id, "invalid_answers", "Unknown question."), Rejection(b.id, "x", "y")]
    )
    assert store.outbox_counts() == (0, 2)
    assert store.retry_attention([a.id, "not-a-result"]) == 1
    assert store.retry_attention([]) == 0
    assert store.outbox_counts() == (1, 1)
    assert [i.result.id for i in store.needs_attention()] == [b.id]
    again = store.claim_for_upload()
    assert again == [claimed[a.id]]  # same id, same frozen payload
    store.mark_rejected([Rejection(a.id, "invalid_answers", "Still unknown.")])
    items = {i.result.id: i for i in store.needs_attention()}
    assert items[a.id].message == "Still unknown."  # the old reason was cleared, not kept
    assert store.retry_attention([a.id]) == 1
    assert store.mark_delivered([a.id]) == 1
    assert store.retry_attention([a.id]) == 0  # only refused results move


def test_claim_freezes_and_only_listed_ids_leave(store: Store) -> None:
    a, b, c = (work_next(store) for _ in range(3))
    claimed = store.claim_for_upload(limit=2)
    assert [r.id for r in claimed] == [a.id, b.id]
    assert store.mark_delivered([a.id, "not-a-result"]) == 1
    assert store.waiting_count() == 2
    # a second claim (a retry) returns the unconfirmed one again, oldest first
    assert [r.id for r in store.claim_for_upload()] == [b.id, c.id]
    store.mark_rejected([Rejection(c.id, "invalid_outcome", "Unknown outcome.")])
    items = store.needs_attention()
    assert [(i.result.id, i.code, i.message) for i in items] == [
        (c.id, "invalid_outcome", "Unknown outcome.")
    ]
    assert {r.id for r in store.results(DELIVERED)} == {a.id}
    assert {r.id for r in store.results(REJECTED)} == {c.id}
    store.dismiss_attention(c.id)
    assert store.needs_attention() == []


def test_claim_takes_only_the_signed_in_accounts_results(store: Store) -> None:
    mine = work_next(store)
    store.save_account(Account("https://bank.example.org", "other", 9, "Other Person"))
    assert store.claim_for_upload() == []
    store.save_account(ACCOUNT)
    assert [r.id for r in store.claim_for_upload()] == [mine.id]


def test_lease_request_id_is_reused_until_a_batch_arrives(store: Store) -> None:
    rid = store.lease_request_id(CAMPAIGN)
    assert store.lease_request_id(CAMPAIGN) == rid
    assert store.add_batch(2, CAMPAIGN, LEASE_END, contacts(2, range(10, 12))) == 2
    assert store.lease_request_id(CAMPAIGN) != rid
    # the same batch again (the server's answer to a repeated request_id) adds nothing
    assert store.add_batch(2, CAMPAIGN, LEASE_END, contacts(2, range(10, 12))) == 0
    assert store.remaining(CAMPAIGN) == 5


def test_next_contact_follows_lease_order(store: Store) -> None:
    store.add_batch(2, CAMPAIGN, LEASE_END, contacts(2, range(10, 11)))
    seen = []
    while (c := store.next_contact(CAMPAIGN)) is not None:
        seen.append(c.id)
        store.record(draft(c))
    assert seen == [1, 2, 3, 10]


def test_release_deletes_contacts_and_remembers_unworked(store: Store) -> None:
    work_next(store)
    assert store.release_batch(1) == [2, 3]
    assert store.next_contact(CAMPAIGN) is None
    assert store.live_batches() == []
    assert store.batches_to_release() == [(1, [2, 3])]
    assert store.release_batch(1) == [2, 3]  # idempotent
    store.drop_batch(1)
    assert store.batches_to_release() == []
    assert store.waiting_count() == 1  # the result is untouched


def test_finished_batches_retire_once_delivered(store: Store) -> None:
    results = [work_next(store) for _ in range(3)]
    assert store.retire_finished_batches() == []  # results still waiting
    store.claim_for_upload()
    store.mark_delivered(r.id for r in results)
    assert store.retire_finished_batches() == [1]
    assert store.live_batches() == []


def test_wipe_removes_contact_data_from_the_file(store: Store, tmp_path: Path) -> None:
    store.save_campaigns([_campaign()])
    confirmed, unconfirmed = work_next(store), work_next(store)
    store.claim_for_upload()
    store.mark_delivered([confirmed.id, unconfirmed.id])
    store.apply_check([confirmed.id], missing=[])  # the server said it holds this one
    waiting = work_next(store)
    store.wipe_account_data()
    assert store.account() is None
    assert store.campaigns() == []
    assert store.next_contact(CAMPAIGN) is None
    # never lose a call the server has not confirmed holding (a restore may have lost it)
    assert [r.id for r in store.results()] == [unconfirmed.id, waiting.id]
    assert store.last_server_url() == ACCOUNT.server_url
    store.close()
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for needle in (b"Zelda", b"Quimby", b"+44207946", b"left a message"):
        assert needle not in blob


def test_two_threads_record_and_upload_without_loss(store: Store) -> None:
    store.add_batch(3, CAMPAIGN, LEASE_END, contacts(3, range(100, 160)))
    recorded: list[str] = []
    delivered: set[str] = set()
    done = threading.Event()

    def volunteer() -> None:
        while (c := store.next_contact(CAMPAIGN)) is not None:
            recorded.append(store.record(draft(c)).id)
        done.set()

    def sender() -> None:
        while not done.is_set() or store.waiting_count():
            batch = store.claim_for_upload(limit=7)
            store.mark_delivered(r.id for r in batch)
            delivered.update(r.id for r in batch)

    threads = [threading.Thread(target=volunteer), threading.Thread(target=sender)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(recorded) == 63
    assert delivered == set(recorded)
    assert store.integrity_check() == "ok"


def _campaign() -> Campaign:
    return Campaign(
        id=CAMPAIGN,
        name="Northfield",
        seat="Northfield",
        candidate="Sam Example",
        timezone="Europe/London",
        calling_hours="09:00-21:00",
        calling_now=False,
        opens_at=NOW,
        target_contacts_per_hour=20,
        batch_size=20,
        max_attempts=3,
        lease_minutes=45,
    )


def test_campaigns_and_script_round_trip(store: Store) -> None:
    from caller_app.domain.models import Outcome, Question, Script

    store.save_campaigns([_campaign()])
    assert store.campaigns() == [_campaign()]
    assert store.campaign(CAMPAIGN) == _campaign()
    script = Script(
        CAMPAIGN,
        "v1",
        "Hi {first_name}",
        "crib",
        "bio",
        "Sam",
        "Northfield",
        (Question("support", "Vote?", "single", ("yes", "no")),),
        (Outcome("answered", "Spoke", True, True),),
    )
    store.save_script(script, '"v1"')
    assert store.script(CAMPAIGN) == script
    assert store.script_etag(CAMPAIGN) == '"v1"'
