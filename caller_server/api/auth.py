"""Sign-in and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from caller_server import auth, signin
from caller_server.api.deps import CurrentVolunteer, DbSession, Token, db_call
from caller_server.api.errors import ApiError
from caller_server.api.schemas import ERRORS, LoginIn, LoginOut, VolunteerOut
from caller_server.models import Volunteer
from caller_server.timeutil import utcnow

router = APIRouter(tags=["auth"])

BAD_LOGIN = "Wrong username or password."


@router.post("/auth/login", response_model=LoginOut, responses={**ERRORS, 429: ERRORS[401]})
async def login(body: LoginIn, request: Request) -> LoginOut:
    """Async on purpose: the password waits for the hashing pool without holding a
    request thread or a database connection (`caller_server.signin`)."""
    now = utcnow()

    def reply(session: Session, volunteer: Volunteer) -> LoginOut:
        token, expires = auth.issue_token(session, volunteer, now)
        return LoginOut(
            token=token,
            expires_at=expires,
            volunteer=VolunteerOut(
                id=volunteer.id,
                username=volunteer.username,
                name=volunteer.name,
                role=volunteer.role,  # type: ignore[arg-type]  # the column holds the two roles
            ),
        )

    try:
        return await signin.sign_in(
            request.app.state.sessions,
            body.username,
            body.password,
            signin.client_address(request),
            reply,
            gate=request.app.state.signin_gate,
        )
    except signin.Throttled as exc:
        raise ApiError(429, str(exc), exc.code, {"Retry-After": str(exc.wait)}) from None
    except signin.WrongPassword:
        raise ApiError(401, BAD_LOGIN) from None


@router.post("/auth/logout", status_code=204, responses=ERRORS)
@db_call
def logout(_volunteer: CurrentVolunteer, token: Token, session: DbSession) -> Response:
    auth.revoke_token(session, token, utcnow())
    session.commit()
    return Response(status_code=204)
