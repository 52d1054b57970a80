"""The network half of accepting an invite (issue 14): blocking, safe on any thread, no Qt.

Like `signin.log_in`: the server's version is checked first (an app too old for the
server stops here, before anything is wiped or sent), then the account is made through
the invite (or, when the volunteer made it on the join page already, they sign in and
the invite only names the campaign). Someone else signing in on this computer: the
previous volunteer's delivered results are checked before the core wipes them.
"""

from __future__ import annotations

from caller_app.api import ApiClient
from caller_app.domain.models import Account
from caller_app.store import Store

from .signin import check_before_wipe, other_person


def join(
    store: Store,
    api: ApiClient,
    old_api: ApiClient | None,
    code: str,
    name: str,
    username: str,
    password: str,
    create: bool,
    previous: Account | None,
    old_token: str | None,
) -> tuple[str, Account, int]:
    """(token, account, the invite's campaign id). Raises AwaitingApproval when the new
    account waits for an organiser."""
    api.health()
    if create:
        token, account, campaign_id = api.accept_invite(
            code, name.strip(), username.strip(), password
        )
    else:
        campaign_id = api.invite(code)[0]
        token, account = api.login(username.strip(), password)
    if old_api is not None and previous is not None and other_person(previous, account):
        check_before_wipe(store, old_api, old_token)
    return token, account, campaign_id
