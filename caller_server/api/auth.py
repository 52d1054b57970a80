"""Sign-in and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Response

from caller_server import auth
from caller_server.api.deps import CurrentVolunteer, DbSession, Token, db_call
from caller_server.api.errors import ApiError
from caller_server.api.schemas import ERRORS, LoginIn, LoginOut, VolunteerOut
from caller_server.timeutil import utcnow

router = APIRouter(tags=["auth"])

BAD_LOGIN = "Wrong username or password."


@router.post("/auth/login", response_model=LoginOut, responses={**ERRORS, 429: ERRORS[401]})
@db_call
def login(body: LoginIn, session: DbSession) -> LoginOut:
    now = utcnow()
    username = body.username.strip()
    attempt = auth.begin_attempt(session, username, now)  # committed: a burst sees it
    wait = auth.throttle_retry_after(session, username, now, exclude=attempt)
    if wait is not None:
        auth.forget_attempt(session, attempt)
        session.commit()
        raise ApiError(
            429,
            f"Too many failed sign-ins. Try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    volunteer = auth.authenticate(session, username, body.password)
    if volunteer is None:
        session.commit()  # the attempt row stays: it is the failure
        raise ApiError(401, BAD_LOGIN)
    auth.clear_failures(session, username)
    token, expires = auth.issue_token(session, volunteer, now)
    reply = LoginOut(
        token=token,
        expires_at=expires,
        volunteer=VolunteerOut(
            id=volunteer.id,
            username=volunteer.username,
            name=volunteer.name,
            role=volunteer.role,  # type: ignore[arg-type]  # the column holds the two roles
        ),
    )
    session.commit()
    return reply


@router.post("/auth/logout", status_code=204, responses=ERRORS)
@db_call
def logout(_volunteer: CurrentVolunteer, token: Token, session: DbSession) -> Response:
    auth.revoke_token(session, token, utcnow())
    session.commit()
    return Response(status_code=204)
