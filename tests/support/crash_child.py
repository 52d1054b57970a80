"""A volunteer's app core in a child process, for the crash test to SIGKILL.

`record` mode signs in, starts the sync engine and records results as fast as a
keen volunteer would, printing each result id after its commit returned; it never
stops by itself. `drain` mode is the restart: it syncs until the outbox is empty,
prints "drained" and exits 0. With env CRASH_CHILD_TOKEN it skips signing in, as
the app does when the keyring holds its token.

    python -m tests.support.crash_child record|drain --db F --url U --username N
        --password P --campaign ID [--seed S]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from tests.support.corekit import Core, make_draft, wait_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["record", "drain"])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--campaign", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    app = QCoreApplication([])
    # A restart reads the token from the keyring; here the test hands it over.
    token = os.environ.get("CRASH_CHILD_TOKEN") or None
    core = Core.start(args.db, args.url, args.username, args.password, args.campaign, token=token)
    if args.mode == "drain":
        core.wait_delivered(timeout=60)
        wait_for(lambda: not core.store.batches_to_release(), 30, "releases")
        core.stop()
        print("drained", flush=True)
        return 0

    rng = random.Random(args.seed)
    core.wait_for_contacts(1)
    print("ready", flush=True)
    while True:
        app.processEvents()
        contact = core.store.next_contact(args.campaign)
        if contact is None:
            time.sleep(0.01)
            continue
        result = core.store.record(make_draft(contact.id, contact.batch_id, args.campaign, rng))
        print(result.id, flush=True)  # committed: it must reach the server
        core.engine.result_recorded()
        time.sleep(rng.uniform(0.0, 0.01))


if __name__ == "__main__":
    sys.exit(main())
