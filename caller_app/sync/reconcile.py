"""Reconciliation: does the server still hold every result it accepted?

A server restored from last night's backup has lost what it accepted since. Each
delivered result stays in the store until a later `POST /results/check` confirms it;
the ids reported missing go back to the outbox (same id, same payload) and are sent
again. Pure Python: the sync engine runs it at session start, CallerCore before it
wipes local data.
"""

from __future__ import annotations

import logging

from caller_app.api import ApiClient
from caller_app.api.client import MAX_CHECK_IDS
from caller_app.store import Store

log = logging.getLogger(__name__)


def check_delivered(store: Store, api: ApiClient) -> int:
    """Check every unconfirmed delivered result; returns how many went back to pending."""
    ids = store.unconfirmed_ids()
    returned = 0
    for start in range(0, len(ids), MAX_CHECK_IDS):
        chunk = ids[start : start + MAX_CHECK_IDS]
        returned += store.apply_check(chunk, api.check_results(chunk))
    if ids:
        log.info("checked %d delivered results: %d missing, queued again", len(ids), returned)
    return returned
