"""Issue item 9: sync end to end over loopback with 100 ms added latency.

    QT_QPA_PLATFORM=offscreen python bench/sync_e2e.py [--runs 3] [--outbox 10000]

`caller-server serve --workers 2` (SQLite) behind tests/support/faultproxy.py. The
latency fault holds back every message `--delay` seconds in each direction (so a
request and its reply each wait: +2 x delay per exchange). Baseline: the same proxy
passing traffic straight through, in the same run.
a. A fresh app (new store): sign in, campaigns, choose the campaign, until the sync
   engine has stored a batch and the first contact can be shown.
b. A full outbox of `--outbox` results drained by the sync engine (100 per upload).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib


def fresh_app(folder: Path, url: str, username: str, password: str) -> tuple[Any, float]:
    """Seconds from a fresh store to the first contact available to the caller screen."""
    from caller_app.app import CallerCore
    from caller_app.credentials import Credentials
    from caller_app.store import Store
    from tests.support.corekit import wait_for

    start = time.perf_counter()
    core = CallerCore(Store(folder / "app.sqlite3"), Credentials(), watch_network=False)
    core.sign_in(url, username, password)
    campaign = core.fetch_campaigns()[0]
    core.choose_campaign(campaign.id)
    wait_for(lambda: core.current_contact() is not None, 120, "the first contact")
    return core, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh starts per mode")
    parser.add_argument("--outbox", type=int, default=10_000)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds, each direction")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from app_caller import fill_outbox
    from PySide6.QtCore import QCoreApplication

    from tests.support.corekit import wait_for
    from tests.support.faultproxy import Fault, FaultProxy
    from tests.support.keyring_backend import memory_keyring
    from tests.support.server import Api, create_schema, seed

    app = QCoreApplication.instance() or QCoreApplication([])
    assert app is not None
    first: dict[str, list[float]] = {"pass-through": [], "latency": []}
    drain: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, memory_keyring():
        db = f"sqlite:///{Path(tmp) / 'server.sqlite3'}"
        create_schema(db)
        # A caller per fresh start: each keeps the batch it leased (no release at
        # shutdown), and the campaign's holding limit would refuse a third one.
        seeded = seed(
            db,
            contacts=4000,
            callers=2 * args.runs + 1,
            batch_size=20,
            max_held_contacts=4000,  # the outbox's caller holds 1,000 (default: 40)
        )
        fresh_callers = iter(seeded.callers[1:])
        server = benchlib.start_server(db, workers=args.workers)
        try:
            with FaultProxy("127.0.0.1", server.port) as proxy:
                for mode in ("pass-through", "latency"):
                    if mode == "latency":
                        proxy.set_fault(Fault.LATENCY, delay=args.delay)
                    else:
                        proxy.clear()
                    for run in range(args.runs):
                        folder = Path(tmp) / f"first-{mode}-{run}"
                        core, seconds = fresh_app(
                            folder, proxy.url, next(fresh_callers), seeded.password
                        )
                        first[mode].append(seconds)
                        core.shutdown()
                        core.store.close()
                # b. the outbox, for the second caller's 1,000 leased contacts
                api = Api.login(server.url, seeded.callers[0], seeded.password)
                leased: list[tuple[int, int]] = []
                while len(leased) < 1000:
                    batch = api.lease(seeded.campaign_id, 50)
                    leased += [(batch["batch_id"], c["id"]) for c in batch["contacts"]]
                api.close()
                for mode in ("pass-through", "latency"):
                    if mode == "latency":
                        proxy.set_fault(Fault.LATENCY, delay=args.delay)
                    else:
                        proxy.clear()
                    folder = Path(tmp) / f"drain-{mode}"
                    core, _ = fresh_app(folder, proxy.url, seeded.callers[0], seeded.password)
                    core.shutdown()
                    fill_outbox(core.store, leased, seeded.campaign_id, args.outbox)
                    start = time.perf_counter()
                    core.choose_campaign(seeded.campaign_id)
                    wait_for(lambda c=core: c.store.waiting_count() == 0, 1200, "the upload")
                    drain[mode] = time.perf_counter() - start
                    core.shutdown()
                    core.store.close()
        finally:
            server.stop()
    base, lat = statistics.median(first["pass-through"]), statistics.median(first["latency"])
    rows = [
        {
            "what": "fresh app -> first contact",
            "pass_through_s": round(base, 3),
            f"latency_{args.delay * 1000:.0f}ms_s": round(lat, 3),
            "ratio": benchlib.ratio(lat, base),
        },
        {
            "what": f"{args.outbox:,}-result outbox drained",
            "pass_through_s": round(drain["pass-through"], 2),
            f"latency_{args.delay * 1000:.0f}ms_s": round(drain["latency"], 2),
            "ratio": benchlib.ratio(drain["latency"], drain["pass-through"]),
            "results_per_s_latency": round(args.outbox / drain["latency"], 1),
        },
    ]
    benchlib.print_table(f"9. sync end to end via the proxy (median of {args.runs} starts)", rows)
    benchlib.write_json(
        "sync_e2e", {"params": vars(args), "rows": rows, "first_s": first, "drain_s": drain}
    )


if __name__ == "__main__":
    main()
