"""Invites for the app (issue 14): look one up, and accept it (make the account, sign in).

The same rules as the join page (`caller_server.invites.join`): one use per account,
the password policy, throttled per client address; unusable codes all answer 404.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from caller_server import auth, invites, signin
from caller_server.api.errors import ApiError
from caller_server.api.schemas import (
    ERRORS,
    InviteOut,
    JoinIn,
    JoinOut,
    JoinPendingOut,
    VolunteerOut,
)
from caller_server.models import Volunteer
from caller_server.timeutil import utcnow

router = APIRouter(tags=["invites"])
_FIELDS = ("name", "username", "password")


def _throttled(exc: signin.Throttled) -> ApiError:
    return ApiError(429, str(exc), exc.code, {"Retry-After": str(exc.wait)})


@router.get("/invites/{code}", response_model=InviteOut, responses={**ERRORS, 429: ERRORS[401]})
async def invite(code: str, request: Request) -> InviteOut:
    try:
        view = await invites.look(request.app.state.sessions, code, signin.client_address(request))
    except invites.InviteGone:
        raise ApiError(404, invites.GONE, "invite_gone") from None
    except signin.Throttled as exc:
        raise _throttled(exc) from None
    return InviteOut(
        code=view.code, campaign_id=view.campaign_id, campaign_name=view.campaign_name,
        seat=view.seat, needs_approval=view.needs_approval,
    )  # fmt: skip


@router.post(
    "/invites/{code}/accept",
    response_model=JoinOut,
    responses={**ERRORS, 202: {"model": JoinPendingOut}, 409: ERRORS[401], 429: ERRORS[401]},
)
async def accept(code: str, body: JoinIn, request: Request) -> JoinOut | JSONResponse:
    """Make the account (a member of the invite's campaign) and sign it in; 202 with
    `pending` when an organiser approves each sign-up first (no token then)."""
    now = utcnow()

    def token_for(session: Session, volunteer: Volunteer) -> tuple[str, dt.datetime]:
        return auth.issue_token(session, volunteer, now)

    try:
        joined = await invites.join(
            request.app.state.sessions, code, body.name, body.username, body.password,
            signin.client_address(request), token_for, gate=request.app.state.signin_gate,
        )  # fmt: skip
    except invites.InviteGone:
        raise ApiError(404, invites.GONE, "invite_gone") from None
    except signin.Throttled as exc:
        raise _throttled(exc) from None
    except invites.JoinProblems as exc:
        first = next(f for f in _FIELDS if f in exc.problems)
        taken = first == "username" and "taken" in exc.problems[first]
        code_name = "username_taken" if taken else f"invalid_{first}"
        raise ApiError(409 if taken else 422, exc.problems[first], code_name) from None
    if joined.pending:
        reply = JoinPendingOut(
            pending=True, campaign_id=joined.campaign_id, message=invites.PENDING
        )
        return JSONResponse(reply.model_dump(), status_code=202)
    token, expires = cast("tuple[str, dt.datetime]", joined.extra)  # token_for's pair
    return JoinOut(
        token=token,
        expires_at=expires,
        campaign_id=joined.campaign_id,
        volunteer=VolunteerOut(
            id=joined.volunteer_id, username=body.username.strip(), name=body.name.strip(),
            role="caller",
        ),
    )  # fmt: skip
