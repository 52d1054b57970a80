"""The signed-in volunteer and their preferences."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import update

from caller_server.api.deps import CurrentVolunteer, DbSession, db_call
from caller_server.api.schemas import ERRORS, MeOut, PreferencesIn
from caller_server.models import Volunteer

router = APIRouter(tags=["me"])


def _me(volunteer: Volunteer) -> MeOut:
    return MeOut(
        id=volunteer.id,
        username=volunteer.username,
        name=volunteer.name,
        role=volunteer.role,  # type: ignore[arg-type]
        leaderboard_opt_in=bool(volunteer.leaderboard_opt_in),
    )


@router.get("/me", response_model=MeOut, responses=ERRORS)
@db_call
def get_me(volunteer: CurrentVolunteer) -> MeOut:
    return _me(volunteer)


@router.put("/me/preferences", response_model=MeOut, responses=ERRORS)
@db_call
def put_preferences(body: PreferencesIn, volunteer: CurrentVolunteer, session: DbSession) -> MeOut:
    # `volunteer` is a snapshot (deps.current_volunteer): the change is a statement.
    session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer.id)
        .values(leaderboard_opt_in=body.leaderboard_opt_in)
    )
    session.commit()
    volunteer.leaderboard_opt_in = body.leaderboard_opt_in
    return _me(volunteer)
