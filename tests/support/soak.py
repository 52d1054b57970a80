"""The chaos soak engine, shared by bench/soak.py (long) and test_soak_short.py (short).

A real server (`caller-server serve --workers 2`, PostgreSQL in a fresh database when
reachable, else SQLite) behind a FaultProxy that flaps the link: resets, blackholes,
1-3 s latency, dropped replies, refused connections. Several volunteers, each the real
app core in a child process (tests/support/soak_child.py), record results through it.
At random the children are SIGKILLed and restarted on the same database file, and the
server is restarted. Some kills are naps: the laptop slept past its lease, so the
lease ends on the server and in the app's own database, and others may lease those
contacts meanwhile. Once, the server is restored from a backup taken earlier in the
run ("last night's backup"), and the apps must give it back every result it lost.
At the end the link heals, each child drains its outbox, and:

- every result committed on any client is on the server exactly once (`lost`,
  `duplicates`, `unknown` are 0) and none was rejected;
- no contact was in two live leases: a result that arrived on time (not `late`) for
  a contact of batch A proves the contact was leased to A, continuously, from A's
  creation until then, so no other batch may have taken it in between;
- no contact was called by two volunteers (`called_by_two`): nobody's retry comes
  due within a soak, so a second volunteer's result for a contact means two people
  held it (the count leaves out contacts made callable again on purpose, `_recycle`).
  One case is the edge the contract allows and flags: the first volunteer recorded the
  call, the laptop slept before it was sent, the lease ran out and someone else was
  handed the person; the late result arrives marked `double_call`. Those are counted
  apart (`slept_on_a_call`), and only when the call was recorded before the nap and the
  second lease began after it;
- `PRAGMA integrity_check` is "ok" on every client database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import random
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select, update

from caller_server.models import Batch, BatchContact, Contact, Result
from tests.support import dbsnapshot
from tests.support.child import Child
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.server import (
    LiveServer,
    create_pg_database,
    create_schema,
    db_session,
    dispose_engine,
    drop_pg_database,
    pg_unavailable_reason,
    seed,
    seed_volunteer,
)

MAX_CONTACTS = 3900
FAULTS = (Fault.RESET, Fault.BLACKHOLE, Fault.LATENCY, Fault.DROP_REPLY, Fault.REFUSE)


@dataclass
class SoakConfig:
    seconds: float = 60.0
    volunteers: int = 3
    database: str = "auto"  # auto | sqlite | postgres
    workers: int = 2
    seed: int | None = None
    kill_every: tuple[float, float] = (3.0, 8.0)  # a random child, every U(a, b) seconds
    restart_every: tuple[float, float] = (15.0, 30.0)  # the server
    fault_every: tuple[float, float] = (0.5, 3.0)  # each link state lasts U(a, b) seconds
    nap_chance: float = 0.3  # a killed child "slept" past its lease (others may take it)
    nap_for: tuple[float, float] = (3.0, 8.0)  # and comes back this much later
    restore: bool = True  # back up the server at 30 % of the run, restore it at 60 %
    # `caller-server restored --minutes` after the restore: None is the command's default,
    # the longest lease (the soak's 1 minute) + 1 minute, which the README asks for
    recovery_minutes: float | None = None
    work_dir: Path | None = None
    log = print


@dataclass
class SoakReport:
    recorded: int = 0  # results committed on clients (in their databases)
    printed: int = 0  # ids the children printed after commit (all must be recorded)
    on_server: int = 0
    duplicates: int = 0
    lost: int = 0
    unknown: int = 0  # on the server, committed on no client
    rejected: int = 0
    overlapping_leases: int = 0
    late: int = 0  # accepted after their lease ran out (allowed, flagged)
    double_calls: int = 0
    faults: int = 0
    kills: int = 0
    naps: int = 0  # kills after which the volunteer's leases were made to run out
    restarts: int = 0
    restores: int = 0  # the server's database put back to an earlier backup
    called_by_two: int = 0  # contacts with results from two volunteers (must be 0)
    slept_on_a_call: int = 0  # ... explained by a nap with the first call unsent (allowed)
    integrity: dict[str, str] = field(default_factory=dict)
    database: str = ""
    seed: int = 0
    wall_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    # ids and times (never names or numbers) behind a problem, to read after a failure
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        skip = ("problems", "details")
        lines = [f"{k:>18}: {v}" for k, v in asdict(self).items() if k not in skip]
        lines.append(f"{'verdict':>18}: " + ("OK" if self.ok else "; ".join(self.problems)))
        lines += [f"{'':>18}  {d}" for d in self.details[:8]]
        return "\n".join(lines)


@dataclass
class Volunteer:
    username: str
    volunteer_id: int
    db: Path
    child: Child | None = None
    printed: set[str] = field(default_factory=set)
    wake_at: float = 0.0  # when a killed child is started again
    naps: list[dt.datetime] = field(default_factory=list)  # when its leases were ended


def _database(kind: str, work: Path) -> tuple[str, str]:
    """(url, label) of a fresh server database."""
    if kind in ("auto", "postgres"):
        reason = pg_unavailable_reason()
        if reason is None:
            url = create_pg_database()
            create_schema(url)
            return url, "postgresql"
        if kind == "postgres":
            raise RuntimeError(reason)
    url = f"sqlite:///{work / 'server.sqlite3'}"
    create_schema(url)
    return url, "sqlite"


def run_soak(cfg: SoakConfig) -> SoakReport:
    seed_ = cfg.seed if cfg.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed_)
    work = cfg.work_dir or Path(os.environ.get("TMPDIR", "/tmp")) / f"soak-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True, exist_ok=True)
    report = SoakReport(seed=seed_)
    url, report.database = _database(cfg.database, work)
    started = time.monotonic()
    try:
        _soak(cfg, rng, work, url, report)
    finally:
        dispose_engine(url)
        if report.database == "postgresql":
            drop_pg_database(url)
    report.wall_s = round(time.monotonic() - started, 1)
    return report


def _soak(cfg: SoakConfig, rng: random.Random, work: Path, url: str, report: SoakReport) -> None:
    # ~5 results a second per volunteer; outcomes park most contacts for hours, so
    # every result needs a fresh one. A one-minute lease makes expiry and re-leasing happen.
    wanted = int(cfg.volunteers * cfg.seconds * 6) + 200
    contacts = min(wanted, MAX_CONTACTS)  # drama numbers run out at 4,000
    data = seed(url, contacts=contacts, callers=0, lease_minutes=1, max_attempts=1000)
    recycle_every = 10.0 if wanted > contacts else None
    recycled: dict[int, list[dt.datetime]] = {}  # contact id -> when made callable again
    volunteers = []
    for n in range(cfg.volunteers):
        name = f"soak{n}-{uuid.uuid4().hex[:6]}"
        vid = seed_volunteer(url, name, "Sol Soak", data.password)
        volunteers.append(Volunteer(name, vid, work / f"client{n}.sqlite3"))
    server = LiveServer(url, workers=cfg.workers, via_cli=True).start(60)
    proxy = FaultProxy("127.0.0.1", server.port).start()

    def spawn(v: Volunteer, mode: str = "record") -> Child:
        return Child(
            "tests.support.soak_child",
            mode,
            v.db,
            proxy.url,
            v.username,
            data.password,
            data.campaign_id,
            rng.randrange(1 << 30),
        )

    def reap(v: Volunteer) -> None:
        if v.child is not None:
            v.child.kill()
            v.printed |= v.child.ids()
            v.child = None

    try:
        for v in volunteers:
            v.child = spawn(v)
        now = time.monotonic()
        deadline = now + cfg.seconds
        next_kill = now + rng.uniform(*cfg.kill_every)
        next_restart = now + rng.uniform(*cfg.restart_every)
        next_fault = now
        next_recycle = now + (recycle_every or cfg.seconds + 1)
        backup_at = now + 0.3 * cfg.seconds if cfg.restore else math.inf
        restore_at = now + 0.6 * cfg.seconds if cfg.restore else math.inf
        backup: dbsnapshot.Snapshot | None = None
        napped: set[int] = set()  # volunteers who napped since the backup
        while time.monotonic() < deadline:
            now = time.monotonic()
            if recycle_every and now >= next_recycle:
                _recycle(url, data.campaign_id, recycled)
                next_recycle = now + recycle_every
            if now >= backup_at:
                cfg.log(f"[soak] backing up the server at {dt.datetime.now(dt.UTC):%H:%M:%S.%f}")
                backup = dbsnapshot.snapshot(url, server)
                napped.clear()
                proxy.set_upstream("127.0.0.1", server.port)
                backup_at = math.inf
            if backup is not None and now >= restore_at:
                cfg.log(f"[soak] restoring the server at {dt.datetime.now(dt.UTC):%H:%M:%S.%f}")
                dbsnapshot.restore(
                    backup, server, cfg.recovery_minutes, lambda: _still_ran_out(url, napped)
                )
                proxy.set_upstream("127.0.0.1", server.port)
                dbsnapshot.discard(backup)
                backup, restore_at = None, math.inf
                report.restores += 1
            if now >= next_fault:
                _flap(proxy, rng)
                next_fault = now + rng.uniform(*cfg.fault_every)
            if now >= next_kill:
                victim = rng.choice(volunteers)
                reap(victim)
                report.kills += 1
                victim.wake_at = now
                if rng.random() < cfg.nap_chance:  # a long sleep: its leases run out
                    victim.naps.append(dt.datetime.now(dt.UTC))
                    if backup is not None:
                        napped.add(victim.volunteer_id)
                    _expire_leases(url, victim.volunteer_id)
                    _expire_local_leases(victim.db)
                    victim.wake_at = now + rng.uniform(*cfg.nap_for)  # others lease them
                    report.naps += 1
                next_kill = now + rng.uniform(*cfg.kill_every)
            for v in volunteers:
                if v.child is None and now >= v.wake_at:
                    v.child = spawn(v)
            if now >= next_restart:
                cfg.log(f"[soak] restarting the server ({report.kills} kills so far)")
                server.restart(60)
                proxy.set_upstream("127.0.0.1", server.port)
                report.restarts += 1
                next_restart = time.monotonic() + rng.uniform(*cfg.restart_every)
            time.sleep(0.05)
        report.faults = proxy.faults_injected
        proxy.clear()
        for v in volunteers:
            report.kills += v.child is not None
            reap(v)
        cfg.log("[soak] chaos over; draining every client")
        drains = [(v, spawn(v, "drain")) for v in volunteers]
        for v, child in drains:
            code = child.wait(240)
            if code != 0 or "drained" not in child.lines:
                report.problems.append(
                    f"{v.username} did not drain (exit {code}): "
                    + " | ".join((child.lines + child.stderr)[-5:])
                )
    finally:
        for v in volunteers:
            if v.child is not None and v.child.proc.poll() is None:
                v.child.kill()
        proxy.stop()
        server.stop()
    _verify(url, data.campaign_id, volunteers, report, recycled)


def _still_ran_out(url: str, napped: set[int]) -> None:
    """A restore does not turn the clock back: leases that ran out in a nap since the
    backup have still run out in the restored database (a real nap is time passing,
    which no restore undoes; the soak's nap is an edit, which one would)."""
    for volunteer_id in napped:
        _expire_leases(url, volunteer_id)


def _expire_local_leases(db: Path) -> None:
    """The sleeping app's own clock passed its lease end too (its process is dead)."""
    if not db.exists():
        return
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat()
    conn = sqlite3.connect(db, timeout=30)
    try:
        with conn:
            conn.execute("UPDATE batches SET lease_expires_at = ?", (past,))
    finally:
        conn.close()


def _expire_leases(url: str, volunteer_id: int) -> None:
    """As if the killed app's laptop slept past the lease: its batches run out now."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with db_session(url) as s:
        mine = select(Batch.id).where(Batch.volunteer_id == volunteer_id)
        s.execute(update(Batch).where(Batch.volunteer_id == volunteer_id).values(expires_at=past))
        s.execute(update(Contact).where(Contact.batch_id.in_(mine)).values(lease_expires_at=past))
        s.commit()


def _recycle(url: str, campaign_id: int, recycled: dict[int, list[dt.datetime]]) -> None:
    """Long runs: contacts not leased now may be called again (as if freshly imported)."""
    free = (
        Contact.campaign_id == campaign_id,
        Contact.batch_id.is_(None),
        Contact.state != "available",
    )
    at = dt.datetime.now(dt.UTC)
    with db_session(url) as s:
        for contact_id in s.scalars(select(Contact.id).where(*free)):
            recycled.setdefault(contact_id, []).append(at)
        s.execute(update(Contact).where(*free).values(state="available", next_call_after=None))
        s.commit()


def _called_by_two(
    rows: list,  # type: ignore[type-arg]
    recycled: dict[int, list[dt.datetime]],
    naps: dict[int, list[dt.datetime]],
    batches: dict[int, dt.datetime],
    details: list[str],
) -> tuple[int, int]:
    """Contacts that two volunteers called in one life (between two recycles): those
    not explained by a nap, and those that are (see the module docstring). Each
    unexplained pair goes to `details`."""
    lives: dict[tuple[int, int], list] = {}  # type: ignore[type-arg]
    for r in rows:
        at = _aware(r.recorded_at or r.received_at)
        life = sum(1 for when in recycled.get(r.contact_id, ()) if when <= at)
        lives.setdefault((r.contact_id, life), []).append(r)
    unexplained: set[int] = set()
    slept: set[int] = set()
    for (contact, _life), results in lives.items():
        if len({r.volunteer_id for r in results}) < 2:
            continue
        results.sort(key=lambda r: _aware(r.recorded_at or r.received_at))
        pairs = [(a, b) for a, b in itertools.pairwise(results) if a.volunteer_id != b.volunteer_id]
        if all(_slept_between(a, b, naps, batches) for a, b in pairs):
            slept.add(contact)
            continue
        unexplained.add(contact)
        slept_at = [f"{n:%H:%M:%S.%f}" for n in naps.get(results[0].volunteer_id, [])]
        for a, b in pairs:
            details.append(
                f"contact {contact}: {_described(a, batches)} then {_described(b, batches)}; "
                f"naps of the first: {slept_at}"
            )
    return len(unexplained), len(slept)


def _described(r, batches: dict[int, dt.datetime]) -> str:  # type: ignore[no-untyped-def]
    began = batches.get(r.batch_id)
    return (
        f"[volunteer {r.volunteer_id} batch {r.batch_id} "
        f"began {f'{began:%H:%M:%S.%f}' if began else 'forgotten'} "
        f"recorded {r.recorded_at:%H:%M:%S.%f} received {r.received_at:%H:%M:%S.%f}"
        f"{' late' if r.late else ''}{' double_call' if r.double_call else ''}]"
    )


def _slept_between(first, second, naps, batches) -> bool:  # type: ignore[no-untyped-def]
    """The first call was recorded before its volunteer's nap, which ended that lease,
    and the second volunteer's lease began after the nap. A batch the restore forgot
    has no start on record: the second call itself is then the latest it could have."""
    recorded = _aware(first.recorded_at or first.received_at)
    began = batches.get(second.batch_id) or second.recorded_at or second.received_at
    return any(recorded <= nap <= _aware(began) for nap in naps.get(first.volunteer_id, ()))


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _flap(proxy: FaultProxy, rng: random.Random) -> None:
    """Half the time a clear line, else one of the faults, until the next flap."""
    if rng.random() < 0.5:
        proxy.clear()
        return
    fault = rng.choice(FAULTS)
    if fault is Fault.LATENCY:
        proxy.set_fault(fault, delay=rng.uniform(1.0, 3.0))
    elif fault is Fault.RESET:
        proxy.set_fault(fault, after_bytes=rng.choice([0, 10, 200]))
    else:
        proxy.set_fault(fault)


def _local(db: Path) -> tuple[dict[str, str], str]:
    """({result id: state}, integrity_check) of a client database."""
    conn = sqlite3.connect(db)
    try:
        states = dict(conn.execute("SELECT id, state FROM results").fetchall())
        return states, conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _verify(
    url: str,
    campaign_id: int,
    volunteers: list[Volunteer],
    report: SoakReport,
    recycled: dict[int, list[dt.datetime]],
) -> None:
    local: dict[str, str] = {}
    for v in volunteers:
        states, report.integrity[v.db.name] = _local(v.db)
        local.update(states)
        report.printed += len(v.printed)
        missing = v.printed - set(states)
        if missing:
            report.problems.append(f"{len(missing)} printed ids of {v.username} not in its db")
        if report.integrity[v.db.name] != "ok":
            report.problems.append(f"integrity_check of {v.db.name}")
    report.recorded = len(local)
    report.rejected = sum(1 for s in local.values() if s.upper() == "REJECTED")
    with db_session(url) as s:
        rows = s.execute(
            select(
                Result.id,
                Result.contact_id,
                Result.batch_id,
                Result.late,
                Result.double_call,
                Result.received_at,
                Result.volunteer_id,
                Result.recorded_at,
            ).where(Result.campaign_id == campaign_id)
        ).all()
        batches = {
            b.id: b.created_at
            for b in s.scalars(select(Batch).where(Batch.campaign_id == campaign_id))
        }
        holders: dict[int, list[int]] = {}
        for link in s.scalars(select(BatchContact)):
            holders.setdefault(link.contact_id, []).append(link.batch_id)
    counts = Counter(r.id for r in rows)
    report.on_server = len(rows)
    report.duplicates = sum(n - 1 for n in counts.values())
    lost = set(local) - set(counts)
    report.lost = len(lost)
    report.details += [f"lost {i} ({local[i]} on its client)" for i in sorted(lost)[:8]]
    report.unknown = len(set(counts) - set(local))
    report.late = sum(1 for r in rows if r.late)
    report.double_calls = sum(1 for r in rows if r.double_call)
    report.called_by_two, report.slept_on_a_call = _called_by_two(
        rows, recycled, {v.volunteer_id: v.naps for v in volunteers}, batches, report.details
    )
    for r in rows:  # an on-time result proves the lease held from batch creation to then
        if r.late or r.batch_id not in batches:
            continue
        start = batches[r.batch_id]
        for other in holders.get(r.contact_id, []):
            if other != r.batch_id and start < batches.get(other, start) < r.received_at:
                report.overlapping_leases += 1
    for name in (
        "duplicates",
        "lost",
        "unknown",
        "rejected",
        "overlapping_leases",
        "called_by_two",
    ):
        if getattr(report, name):
            report.problems.append(f"{name}={getattr(report, name)}")
    if report.recorded == 0:
        report.problems.append("nothing was recorded")
