"""Making invites for tests, as the console does (through caller_server.invites)."""

from __future__ import annotations

from caller_server import invites
from caller_server.models import Campaign
from tests.support.server import db_session


def make_invite(
    db_url: str, campaign_id: int, days: int = 7, max_uses: int = 5, needs_approval: bool = False
) -> str:
    """A new invite's code for the campaign."""
    with db_session(db_url) as s:
        campaign = s.get(Campaign, campaign_id)
        assert campaign is not None
        invite = invites.create(s, campaign, None, days, max_uses, needs_approval)
        s.commit()
        return invite.code
