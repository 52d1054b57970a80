"""The network half of signing in and out: blocking, safe on any thread, no Qt.

`CallerCore` runs these on its task thread (or in place, for scripts and tests) and
applies what they return on the GUI thread: saving the account, the keyring, the wipe.
"""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor

from caller_app.api import ApiClient, ApiError
from caller_app.domain.models import Account
from caller_app.store import Store

from .reconcile import check_delivered

log = logging.getLogger(__name__)


def other_person(previous: Account, account: Account) -> bool:
    """Someone else (or another server) signed in on this computer."""
    return (previous.server_url, previous.username) != (account.server_url, account.username)


def log_in(
    store: Store,
    api: ApiClient,
    old_api: ApiClient | None,
    username: str,
    password: str,
    previous: Account | None,
    old_token: str | None,
    checker: ApiClient | None = None,
) -> tuple[str, Account]:
    """Check the server version and sign in. Someone else signing in: the server is
    first asked whether it holds each of the previous volunteer's delivered results,
    before the core wipes them. With a `checker` (a second client of the same server)
    the version check runs beside the sign-in: one round trip instead of two."""
    if checker is None:
        api.health()
        token, account = api.login(username.strip(), password)
    else:
        token, account = _login_while_checking(api, checker, username.strip(), password)
    if old_api is not None and previous is not None and other_person(previous, account):
        check_before_wipe(store, old_api, old_token)
    return token, account


def _login_while_checking(
    api: ApiClient, checker: ApiClient, username: str, password: str
) -> tuple[str, Account]:
    """`checker.health()` on a helper thread while `api` signs in; both clients are
    the caller's (tracked, so an abort reaches both), and the helper is waited for
    before returning. The check's failure wins over the sign-in's outcome, and a token
    issued by a server we cannot work with is given back."""
    with ThreadPoolExecutor(1, thread_name_prefix="health-check") as pool:
        check = pool.submit(checker.health)
        api.assume_compatible()
        try:
            token, account = api.login(username, password)
        except BaseException:
            check.result()  # an incompatible or unreachable server's word comes first
            raise
        try:
            check.result()
        except BaseException:
            with contextlib.suppress(ApiError):
                api.logout()
            raise
    return token, account


def adopt(
    store: Store,
    old_api: ApiClient | None,
    account: Account,
    previous: Account | None,
    old_token: str | None,
) -> tuple[str, Account]:
    """Sign in with a token handed over in-process (practice mode: no password to
    check). Someone else signed in before: their delivered results are checked first,
    as `log_in` does."""
    if old_api is not None and previous is not None and other_person(previous, account):
        check_before_wipe(store, old_api, old_token)
    return "", account


def check_before_wipe(store: Store, api: ApiClient, token: str | None) -> None:
    """Ask the server whether it holds each delivered result, before a wipe. Confirmed
    ones may then be deleted; missing ones go back to the outbox. When the check cannot
    run (offline, token gone) the wipe keeps them all."""
    if not token:
        return
    api.token = token
    try:
        check_delivered(store, api)
    except ApiError as exc:
        log.info("results check before wiping skipped (%s)", type(exc).__name__)
