"""Request dependencies: a database session per request and the signed-in volunteer."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from caller_server import accounts, auth
from caller_server.api.errors import ApiError
from caller_server.api.schemas import IdPath
from caller_server.models import Campaign, Volunteer
from caller_server.timeutil import utcnow

F = TypeVar("F", bound=Callable[..., Any])
_bearer = HTTPBearer(auto_error=False, description="The token from /api/v1/auth/login")


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_token(credentials: Credentials) -> str:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "Please sign in.")
    return credentials.credentials


Token = Annotated[str, Depends(bearer_token)]


def db_call(fn: F) -> F:
    """End any open transaction before a sync endpoint returns or raises.

    Each sync step runs in a worker thread. A step that left its transaction open
    would hold SQLite's write lock (BEGIN IMMEDIATE) or a pooled connection while
    waiting for a thread for its next step, and under load every thread can end up
    waiting on it. So results are built first, then the session is rolled back.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session) and value.in_transaction():
                    value.rollback()

    return wrapper  # type: ignore[return-value]


SIGNED_OUT = "Your sign-in has expired. Please sign in again."


@db_call
def current_volunteer(session: DbSession, token: Token) -> Volunteer:
    """The token's volunteer, read in this request (`auth.signed_in`).

    Taken out of the session before db_call's rollback, which would otherwise expire
    it and make the endpoint's first `volunteer.id` read the row once more. So it is
    a snapshot: an endpoint that changes the volunteer writes with a statement.
    """
    volunteer = auth.volunteer_for_token(session, token, utcnow())
    if volunteer is None:
        raise ApiError(401, SIGNED_OUT)
    session.expunge(volunteer)
    return volunteer


CurrentVolunteer = Annotated[Volunteer, Depends(current_volunteer)]


@dataclass(frozen=True)
class CampaignAccess:
    """The signed-in volunteer and a campaign they may see (any status)."""

    volunteer: Volunteer
    campaign: Campaign


@db_call
def campaign_access(campaign_id: IdPath, session: DbSession, token: Token) -> CampaignAccess:
    """The token's volunteer and the path's campaign in one query: 401 for a dead token
    (checked afresh, as `current_volunteer` does), 404 for a campaign that does not
    exist or that they may not see (`accounts.visible_to`). Both are snapshots, taken
    out of the session as in `current_volunteer`."""
    row = session.execute(
        auth.signed_in(token, utcnow())
        .add_columns(Campaign)
        .outerjoin(Campaign, (Campaign.id == campaign_id) & accounts.sees_campaign())
    ).first()
    if row is None:
        raise ApiError(401, SIGNED_OUT)
    volunteer, campaign = row
    if campaign is None:
        raise ApiError(404, "No such campaign.")
    session.expunge(volunteer)
    session.expunge(campaign)
    return CampaignAccess(volunteer, campaign)


def listed_campaign(access: Annotated[CampaignAccess, Depends(campaign_access)]) -> CampaignAccess:
    """As `campaign_access`, for what the volunteer API lists: a closed campaign is 404."""
    if access.campaign.status == "closed":
        raise ApiError(404, "No such campaign.")
    return access


VisibleCampaign = Annotated[CampaignAccess, Depends(campaign_access)]
ListedCampaign = Annotated[CampaignAccess, Depends(listed_campaign)]


def organiser(volunteer: CurrentVolunteer) -> Volunteer:
    if volunteer.role != "organiser":
        raise ApiError(403, "Only organisers may do this.")
    return volunteer


Organiser = Annotated[Volunteer, Depends(organiser)]


def any_campaign(
    session: Session, campaign_id: int, volunteer: Volunteer | None = None
) -> Campaign:
    """A campaign in any status: leasing answers a closed one with a reason, not 404.

    With a volunteer: 404 unless they may see it (accounts.may_see).
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ApiError(404, "No such campaign.")
    if volunteer is not None and not accounts.may_see(session, campaign, volunteer):
        raise ApiError(404, "No such campaign.")
    return campaign
