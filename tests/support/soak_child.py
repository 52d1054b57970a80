"""One simulated volunteer for the chaos soak: the real app core in a child process.

`record` signs in (or reuses the token saved beside the database, as the app reuses
the keyring after a restart), runs the SyncEngine on its thread and records results
at a volunteer's pace, printing each id once its commit returned. It never stops by
itself: the soak SIGKILLs it. `drain` is the last restart: it syncs until the outbox
is empty and no release is pending, prints "drained" and exits 0.

    python -m tests.support.soak_child record|drain --db F --url U --username N
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

from caller_app.api import ApiClient, ApiError, Throttled
from caller_app.store import Store
from caller_app.sync import SyncEngine
from tests.support.corekit import FAST_SYNC, fast_session, make_draft

TIMEOUT = (2.0, 8.0)  # (connect, read): a blackholed request gives up after 8 s
ENGINE = {**FAST_SYNC, "renew_every_s": 8.0, "prefetch_below": 4}


def token_path(db: Path) -> Path:
    return db.with_name(db.name + ".token")


def sign_in(store: Store, db: Path, url: str, username: str, password: str) -> str:
    """The saved token, else sign in through the flapping link until it works."""
    path = token_path(db)
    if path.exists() and store.account() is not None:
        return path.read_text().strip()
    while True:
        api = ApiClient(url, fast_session(), timeout=TIMEOUT)
        try:
            token, account = api.login(username, password)
        except Throttled as exc:
            time.sleep(min(exc.retry_after, 5.0))
            continue
        except ApiError:
            time.sleep(0.2)
            continue
        finally:
            api.close()
        store.save_account(account)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(token)
        os.replace(tmp, path)  # a kill leaves the old file or the new one, never half
        return token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["record", "drain"])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--campaign", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    args = parser.parse_args(argv)

    app = QCoreApplication([])
    store = Store(args.db)
    token = sign_in(store, args.db, args.url, args.username, args.password)
    api = ApiClient(args.url, fast_session(), token=token, timeout=TIMEOUT)
    engine = SyncEngine(store, api, args.campaign, **ENGINE)
    signed_out: list[bool] = []
    engine.signed_out.connect(lambda: signed_out.append(True))
    engine.run_in_thread()
    print("ready", flush=True)

    def sign_in_again() -> None:
        """A server restored from a backup forgot tokens issued since: the volunteer
        signs in again, and everything recorded meanwhile goes up then."""
        token_path(args.db).unlink(missing_ok=True)
        engine.set_token(sign_in(store, args.db, args.url, args.username, args.password))
        signed_out.clear()

    if args.mode == "drain":
        deadline = time.monotonic() + args.drain_timeout
        # The session's results check too: a restored server may lack results this
        # app holds as delivered, and only the check sends them again.
        while store.waiting_count() or store.batches_to_release() or not engine.session_checked:
            app.processEvents()
            if signed_out:
                sign_in_again()
            if time.monotonic() > deadline:
                print(
                    f"stuck waiting={store.waiting_count()} signed_out={bool(signed_out)} "
                    f"checked={engine.session_checked}",
                    flush=True,
                )
                return 1
            engine.sync_now()
            time.sleep(0.2)
        engine.shutdown(20000)
        store.close()
        print("drained", flush=True)
        return 0

    rng = random.Random(args.seed)
    while True:
        app.processEvents()
        if signed_out:
            sign_in_again()
        contact = store.next_contact(args.campaign)
        if contact is None:
            time.sleep(0.05)
            continue
        result = store.record(make_draft(contact.id, contact.batch_id, args.campaign, rng))
        print(result.id, flush=True)  # committed: it must reach the server exactly once
        engine.result_recorded()
        time.sleep(rng.uniform(0.02, 0.25))


if __name__ == "__main__":
    sys.exit(main())
