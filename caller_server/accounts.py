"""Volunteer accounts and campaign membership (issue 14), for the CLI and the console.

Every change here records its audit entry in the caller's transaction (the caller
commits); entries carry volunteer and campaign ids only, never a name or username.

- Usernames are compared trimmed and case-folded (`models.username_key`).
- Disabling revokes every sign-in token at once, refuses sign-in (`signin._open`)
  and every token (`auth.volunteer_for_token`), and puts the contacts the volunteer
  holds back in the pool (`dashboard.release_volunteer`, the console's remedy: a call
  already made is still accepted, flagged late).
- A one-time link sets a password: a reset, or a new volunteer's first password. Only
  its SHA-256 is stored; it works once, until it expires; a new link replaces older ones.
- A campaign is open to every volunteer, or to its members only. Organisers see all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from caller_server import audit, auth, dashboard
from caller_server.models import (
    Batch,
    Campaign,
    CampaignMember,
    PasswordLink,
    Result,
    Token,
    Volunteer,
    username_key,
)
from caller_server.passwords import password_problem
from caller_server.progress import tonight_start
from caller_server.timeutil import as_utc, utcnow

ROLES = ("caller", "organiser")
RESET_LIFETIME = dt.timedelta(hours=24)
WELCOME_LIFETIME = dt.timedelta(days=7)
# "Calls tonight" on the volunteers list counts from midnight here (campaigns may differ).
TEAM_TIMEZONE = "Europe/London"
MAX_IMPORT_ROWS = 2000
# A hash no password can match: a volunteer added without a password waits for a link.
NO_PASSWORD = "!no password yet"  # noqa: S105  (not a password: matches none)


class AccountError(ValueError):
    """A change that cannot be made; the message is one plain line for the organiser."""


# --- volunteers ----------------------------------------------------------------------


def find(session: Session, ref: str | int) -> Volunteer:
    """A volunteer by id, or by username in any case."""
    volunteer: Volunteer | None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        volunteer = session.get(Volunteer, int(ref))
        if volunteer is None and isinstance(ref, str):
            volunteer = _by_username(session, ref)
    else:
        volunteer = _by_username(session, ref)
    if volunteer is None:
        raise AccountError(f"no volunteer {ref!r}")
    return volunteer


def _by_username(session: Session, username: str) -> Volunteer | None:
    return session.scalar(select(Volunteer).where(Volunteer.username_key == username_key(username)))


def check_username(username: str) -> str:
    cleaned = username.strip()
    if not cleaned or len(cleaned) > 100:
        raise AccountError("a username must be 1 to 100 characters")
    if any(ch.isspace() for ch in cleaned) or not cleaned.isprintable():
        raise AccountError("a username cannot contain spaces")
    return cleaned


def check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)


def add_volunteer(
    session: Session,
    username: str,
    name: str,
    role: str = "caller",
    password: str | None = None,
    actor: int | None = None,
    now: dt.datetime | None = None,
) -> Volunteer:
    """Add one volunteer. Without a password, they set theirs with a one-time link."""
    username = check_username(username)
    name = name.strip()
    if not name or len(name) > 200:
        raise AccountError("a name must be 1 to 200 characters")
    if role not in ROLES:
        raise AccountError(f"a role is caller or organiser, not {role!r}")
    if password is not None:
        check_password(password, username)
    if _by_username(session, username) is not None:
        raise AccountError(f"there is already a volunteer {username!r}")
    volunteer = Volunteer(
        username=username,
        name=name,
        role=role,
        password_hash=auth.hash_password(password) if password is not None else NO_PASSWORD,
        created_at=now or utcnow(),
    )
    session.add(volunteer)
    session.flush()
    audit.record(session, actor, "volunteer_added", None, volunteer_id=volunteer.id, role=role)
    return volunteer


@dataclass
class BulkAdd:
    """A bulk add: the new volunteers with their links, or the problems (nothing added)."""

    rows: int = 0
    added: list[tuple[Volunteer, str]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def _column(headers: list[str], *names: str) -> int | None:
    folded = [h.strip().casefold() for h in headers]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def bulk_add(
    session: Session, data: bytes, actor: int | None, now: dt.datetime | None = None
) -> BulkAdd:
    """Add every volunteer in a CSV (name, and username or email), or none of them.

    All or nothing, like the contacts import without --skip-invalid: a team sheet with
    one bad row is fixed and uploaded again, and nobody is left half added. Each new
    volunteer gets a one-time link to set their password. Lines are numbered as in a
    spreadsheet (the header is line 1).
    """
    now = now or utcnow()
    report = BulkAdd()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.problems.append((1, "the file is not UTF-8 text; save it as CSV UTF-8"))
        return report
    table = list(csv.reader(io.StringIO(text)))
    if not table:
        report.problems.append((1, "the file is empty"))
        return report
    headers = table[0]
    name_at = _column(headers, "name", "full name")
    user_at = _column(headers, "username", "user name")
    email_at = _column(headers, "email", "e-mail", "email address")
    if name_at is None or (user_at is None and email_at is None):
        report.problems.append((1, "the first row needs the headers name, and username or email"))
        return report
    seen: dict[str, int] = {}
    wanted: list[tuple[int, str, str]] = []
    for line, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        report.rows += 1
        if report.rows > MAX_IMPORT_ROWS:
            report.problems.append((line, f"more than {MAX_IMPORT_ROWS} volunteers in one file"))
            break

        def cell(at: int | None, row: list[str] = row) -> str:
            return row[at].strip() if at is not None and at < len(row) else ""

        name = cell(name_at)
        username = cell(user_at) or cell(email_at)
        if not name:
            report.problems.append((line, "no name"))
            continue
        if not username:
            report.problems.append((line, "no username or email"))
            continue
        if email_at is not None and not cell(user_at) and "@" not in username:
            report.problems.append((line, "the email address has no @"))
            continue
        try:
            username = check_username(username)
        except AccountError as exc:
            report.problems.append((line, str(exc)))
            continue
        key = username_key(username)
        if key in seen:
            report.problems.append((line, f"the same username as line {seen[key]}"))
            continue
        seen[key] = line
        if _by_username(session, username) is not None:
            report.problems.append((line, "already has an account"))
            continue
        wanted.append((line, username, name))
    if report.problems:
        return report
    for _line, username, name in wanted:
        volunteer = add_volunteer(session, username, name, "caller", None, actor, now)
        report.added.append((volunteer, issue_link(session, volunteer, actor, now, welcome=True)))
    audit.record(session, actor, "imported", None, volunteers=len(report.added))
    return report


def set_role(session: Session, volunteer: Volunteer, role: str, actor: int | None) -> bool:
    """Make the volunteer a caller or an organiser; False when already so."""
    if role not in ROLES:
        raise AccountError(f"a role is caller or organiser, not {role!r}")
    if volunteer.role == role:
        return False
    if volunteer.role == "organiser":
        _keep_an_organiser(session, volunteer)
    volunteer.role = role
    audit.record(session, actor, "role_changed", None, volunteer_id=volunteer.id, role=role)
    return True


def _keep_an_organiser(session: Session, leaving: Volunteer) -> None:
    """Refuse to demote or disable the last organiser who can sign in: nobody could undo it."""
    others = session.scalar(
        select(func.count())
        .select_from(Volunteer)
        .where(
            Volunteer.role == "organiser",
            Volunteer.disabled_at.is_(None),
            Volunteer.id != leaving.id,
        )
    )
    if not others:
        raise AccountError("this is the only organiser; make someone else an organiser first")


def disable(session: Session, volunteer: Volunteer, actor: int | None, now: dt.datetime) -> int:
    """Turn the account off: every token revoked, held contacts released; returns how many."""
    if volunteer.disabled_at is not None:
        return 0
    if volunteer.role == "organiser":
        _keep_an_organiser(session, volunteer)
    volunteer.disabled_at = now
    tokens = auth.revoke_all(session, volunteer.id, now)
    released = release_everywhere(session, volunteer.id, now)
    _expire_links(session, volunteer.id, now)
    audit.record(
        session, actor, "disabled", None, at=now, volunteer_id=volunteer.id,
        tokens_revoked=tokens, released=released,
    )  # fmt: skip
    return released


def enable(session: Session, volunteer: Volunteer, actor: int | None, now: dt.datetime) -> bool:
    if volunteer.disabled_at is None:
        return False
    volunteer.disabled_at = None
    audit.record(session, actor, "enabled", None, at=now, volunteer_id=volunteer.id)
    return True


def release_everywhere(session: Session, volunteer_id: int, now: dt.datetime) -> int:
    """Release the volunteer's held contacts in every campaign."""
    campaigns = session.scalars(
        select(Batch.campaign_id)
        .where(Batch.volunteer_id == volunteer_id, Batch.released_at.is_(None))
        .distinct()
    ).all()
    return sum(dashboard.release_volunteer(session, cid, volunteer_id, now) for cid in campaigns)


# --- one-time password links ---------------------------------------------------------


def issue_link(
    session: Session,
    volunteer: Volunteer,
    actor: int | None,
    now: dt.datetime,
    welcome: bool = False,
) -> str:
    """A new one-time link secret for the volunteer; older unused links stop working."""
    if volunteer.disabled_at is not None:
        raise AccountError("the account is turned off; turn it on first")
    _expire_links(session, volunteer.id, now)
    secret = secrets.token_urlsafe(32)
    lifetime = WELCOME_LIFETIME if welcome else RESET_LIFETIME
    session.add(
        PasswordLink(
            token_hash=auth.hash_token(secret),
            volunteer_id=volunteer.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    if not welcome:
        audit.record(session, actor, "reset_link", None, at=now, volunteer_id=volunteer.id)
    return secret


def _expire_links(session: Session, volunteer_id: int, now: dt.datetime) -> None:
    session.execute(
        update(PasswordLink)
        .where(PasswordLink.volunteer_id == volunteer_id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )


def link_path(secret: str) -> str:
    return f"/admin/set-password/{secret}"


def volunteer_for_link(session: Session, secret: str, now: dt.datetime) -> Volunteer | None:
    """The volunteer of a live link (unused, unexpired, account on); None otherwise."""
    return session.scalar(
        select(Volunteer)
        .join(PasswordLink, PasswordLink.volunteer_id == Volunteer.id)
        .where(
            PasswordLink.token_hash == auth.hash_token(secret),
            PasswordLink.used_at.is_(None),
            PasswordLink.expires_at > now,
            Volunteer.disabled_at.is_(None),
        )
    )


def use_link(session: Session, secret: str, password: str, now: dt.datetime) -> Volunteer:
    """Set the password through a link, once. Every earlier sign-in is revoked."""
    volunteer = volunteer_for_link(session, secret, now)
    if volunteer is None:
        raise AccountError(
            "This link has expired or was already used. Ask an organiser for a new one."
        )
    check_password(password, volunteer.username)
    used = session.execute(
        update(PasswordLink)
        .where(PasswordLink.token_hash == auth.hash_token(secret), PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    if not used.rowcount:  # type: ignore[attr-defined]  # a CursorResult
        raise AccountError("This link was already used. Ask an organiser for a new one.")
    volunteer.password_hash = auth.hash_password(password)
    auth.revoke_all(session, volunteer.id, now)
    audit.record(session, volunteer.id, "password_set", None, at=now, volunteer_id=volunteer.id)
    return volunteer


# --- membership ----------------------------------------------------------------------


def visible_to(volunteer: Volunteer) -> ColumnElement[bool]:
    """The campaigns this volunteer may see and lease: open ones and their own."""
    if volunteer.role == "organiser":
        return Campaign.id.is_not(None)
    member = exists().where(
        CampaignMember.campaign_id == Campaign.id, CampaignMember.volunteer_id == volunteer.id
    )
    return or_(Campaign.open_to_all.is_(True), member)


def sees_campaign() -> ColumnElement[bool]:
    """`visible_to` for a query that joins the volunteer and the campaign rows."""
    member = (
        exists()
        .where(
            CampaignMember.campaign_id == Campaign.id,
            CampaignMember.volunteer_id == Volunteer.id,
        )
        .correlate(Campaign, Volunteer)
    )
    return or_(Volunteer.role == "organiser", Campaign.open_to_all.is_(True), member)


def may_see(session: Session, campaign: Campaign, volunteer: Volunteer) -> bool:
    if volunteer.role == "organiser" or campaign.open_to_all:
        return True
    return session.get(CampaignMember, (campaign.id, volunteer.id)) is not None


def add_member(session: Session, campaign_id: int, volunteer: Volunteer, actor: int | None) -> bool:
    if session.get(CampaignMember, (campaign_id, volunteer.id)) is not None:
        return False
    session.add(CampaignMember(campaign_id=campaign_id, volunteer_id=volunteer.id))
    session.flush()
    audit.record(session, actor, "member_added", campaign_id, volunteer_id=volunteer.id)
    return True


def remove_member(
    session: Session, campaign_id: int, volunteer: Volunteer, actor: int | None, now: dt.datetime
) -> int:
    """Take the volunteer off the campaign; their held contacts there go back to the pool."""
    gone = session.execute(
        delete(CampaignMember).where(
            CampaignMember.campaign_id == campaign_id,
            CampaignMember.volunteer_id == volunteer.id,
        )
    ).rowcount  # type: ignore[attr-defined]  # a CursorResult
    if not gone:
        raise AccountError("that volunteer is not a member of this campaign")
    campaign = session.get(Campaign, campaign_id)
    released = 0
    if campaign is not None and not campaign.open_to_all and volunteer.role != "organiser":
        released = dashboard.release_volunteer(session, campaign_id, volunteer.id, now)
    audit.record(
        session, actor, "member_removed", campaign_id, at=now, volunteer_id=volunteer.id,
        released=released,
    )  # fmt: skip
    return released


def members(session: Session, campaign_id: int) -> list[Volunteer]:
    return list(
        session.scalars(
            select(Volunteer)
            .join(CampaignMember, CampaignMember.volunteer_id == Volunteer.id)
            .where(CampaignMember.campaign_id == campaign_id)
            .order_by(Volunteer.name, Volunteer.id)
        )
    )


def release_non_members(session: Session, campaign_id: int, now: dt.datetime) -> int:
    """A campaign no longer open to all: callers who are not members give back its contacts."""
    holders = session.scalars(
        select(Batch.volunteer_id)
        .join(Volunteer, Volunteer.id == Batch.volunteer_id)
        .where(
            Batch.campaign_id == campaign_id,
            Batch.released_at.is_(None),
            Volunteer.role != "organiser",
            ~exists().where(
                CampaignMember.campaign_id == campaign_id,
                CampaignMember.volunteer_id == Batch.volunteer_id,
            ),
        )
        .distinct()
    ).all()
    return sum(dashboard.release_volunteer(session, campaign_id, v, now) for v in holders)


def set_open(
    session: Session, campaign: Campaign, open_to_all: bool, actor: int | None, now: dt.datetime
) -> bool:
    if campaign.open_to_all == open_to_all:
        return False
    campaign.open_to_all = open_to_all
    released = 0 if open_to_all else release_non_members(session, campaign.id, now)
    audit.record(
        session, actor, "updated", campaign.id, at=now, changed=["open_to_every_volunteer"],
        open_to_every_volunteer=open_to_all, released=released,
    )  # fmt: skip
    return True


# --- the list ------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerRow:
    id: int
    name: str
    username: str
    role: str
    disabled: bool
    campaigns: list[str]
    last_seen: dt.datetime | None
    calls_tonight: int


def list_volunteers(session: Session, now: dt.datetime) -> list[VolunteerRow]:
    """Every volunteer with their campaigns, when last seen and tonight's calls."""
    volunteers = list(session.scalars(select(Volunteer).order_by(Volunteer.name, Volunteer.id)))
    open_names = [
        n for (n,) in session.execute(
            select(Campaign.name).where(Campaign.open_to_all.is_(True), Campaign.status != "closed")
        )
    ]  # fmt: skip
    own: dict[int, list[str]] = {}
    for vid, name in session.execute(
        select(CampaignMember.volunteer_id, Campaign.name)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .where(Campaign.status != "closed")
        .order_by(Campaign.name)
    ):
        own.setdefault(vid, []).append(name)
    seen: dict[int, dt.datetime] = {}
    for table, vid_col, at_col in (
        (Token, Token.volunteer_id, Token.created_at),
        (Batch, Batch.volunteer_id, Batch.created_at),
        (Result, Result.volunteer_id, Result.received_at),
    ):
        for vid, at in session.execute(select(vid_col, func.max(at_col)).group_by(vid_col)):
            at = as_utc(at)
            if vid not in seen or at > seen[vid]:
                seen[vid] = at
        del table
    since = tonight_start(TEAM_TIMEZONE, now)
    calls = dict(
        session.execute(
            select(Result.volunteer_id, func.count())
            .where(
                Result.received_at >= since, Result.voided_at.is_(None), Result.supersedes.is_(None)
            )
            .group_by(Result.volunteer_id)
        ).all()
    )
    rows = []
    for v in volunteers:
        if v.role == "organiser":
            names = ["every campaign"]
        else:
            names = sorted(set(open_names) | set(own.get(v.id, [])))
        rows.append(
            VolunteerRow(
                v.id,
                v.name,
                v.username,
                v.role,
                v.disabled_at is not None,
                names,
                seen.get(v.id),
                int(calls.get(v.id, 0)),
            )
        )
    return rows


def volunteers_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Volunteer]:
    return {v.id: v for v in session.scalars(select(Volunteer).where(Volunteer.id.in_(list(ids))))}


__all__ = [
    "ROLES",
    "AccountError",
    "BulkAdd",
    "VolunteerRow",
    "add_member",
    "add_volunteer",
    "bulk_add",
    "disable",
    "enable",
    "find",
    "issue_link",
    "link_path",
    "list_volunteers",
    "members",
    "release_everywhere",
    "release_non_members",
    "remove_member",
    "set_open",
    "set_role",
    "use_link",
    "visible_to",
    "volunteer_for_link",
]
