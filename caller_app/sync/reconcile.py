"""Reconciliation: does the server still hold every result it accepted?

A server restored from last night's backup has lost what it accepted since. Each
delivered result stays in the store until a later `POST /results/check` confirms it;
the ids reported missing go back to the outbox (same id, same payload) and are sent
again. Pure Python: the sync engine runs it at session start, CallerCore before it
wipes local data.

A backup older than a check has lost results the server had confirmed, so every
check also covers every result of the last `KEPT_FOR`; a server that says it is
`recovering` (restored a moment ago) gets a check at once, not at the next start.
"""

from __future__ import annotations

import datetime as dt
import logging

from caller_app.domain.contract import MAX_CHECK_IDS
from caller_app.store import Store

from .port import ApiPort

log = logging.getLogger(__name__)

# How far back a check after a restore reaches: "last night's backup" and then some.
KEPT_FOR = dt.timedelta(hours=48)


def check_delivered(store: Store, api: ApiPort) -> int:
    """Check every delivered result not yet confirmed, and every one of the last
    `KEPT_FOR` even if confirmed (a backup older than the confirmation lost it too: an
    app that missed the recovery window still sends it back at its next start); returns
    how many went back to pending. One request per 1,000 ids: cheap at session start."""
    ids = store.ids_to_check(store.clock() - KEPT_FOR)
    returned = 0
    for start in range(0, len(ids), MAX_CHECK_IDS):
        chunk = ids[start : start + MAX_CHECK_IDS]
        returned += store.apply_check(chunk, api.check_results(chunk))
    if ids:
        log.info("checked %d delivered results: %d missing, queued again", len(ids), returned)
    return returned
