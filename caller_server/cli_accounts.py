"""``caller-server volunteer list|import|role|disable|enable|reset`` and campaign members.

The logic lives in accounts.py (shared with the console); this only parses, prints and
runs each command in one transaction. Output names ids and usernames, which the
organiser asked for; links are printed because the organiser hands them out.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from caller_server import accounts
from caller_server.cli import MAX_PROBLEM_LINES, PROG, _transaction
from caller_server.timeutil import utcnow

ENV_URL = "CALLER_SERVER_URL"


def _link(args: argparse.Namespace, secret: str) -> str:
    base = (args.url or os.environ.get(ENV_URL) or "").rstrip("/")
    return f"{base}{accounts.link_path(secret)}"


def _base_note(args: argparse.Namespace) -> None:
    if not (args.url or os.environ.get(ENV_URL)):
        print(f"(put your server's address before each link, or pass --url / set {ENV_URL})",
              file=sys.stderr)  # fmt: skip


def cmd_list(args: argparse.Namespace, url: str) -> int:
    with _transaction(url) as session:
        rows = accounts.list_volunteers(session, utcnow())
    print("id\tusername\trole\tstatus\tcalls tonight\tlast seen\tname\tcampaigns")
    for r in rows:
        seen = r.last_seen.strftime("%Y-%m-%d %H:%M") if r.last_seen else "never"
        status = "disabled" if r.disabled else "active"
        print(f"{r.id}\t{r.username}\t{r.role}\t{status}\t{r.calls_tonight}\t{seen}\t{r.name}\t"
              f"{', '.join(r.campaigns)}")  # fmt: skip
    return 0


def cmd_import(args: argparse.Namespace, url: str) -> int:
    from caller_server.contacts_import import read_bytes

    data = read_bytes(args.file)
    with _transaction(url) as session:
        report = accounts.bulk_add(session, data, None, utcnow())
        links = [(v.username, _link(args, secret)) for v, secret in report.added]
    if report.problems:
        for line, reason in report.problems[:MAX_PROBLEM_LINES]:
            print(f"line {line}: {reason}", file=sys.stderr)
        print(f"{PROG}: error: {len(report.problems)} rows have problems; nobody was added "
              "(fix them and run the import again)", file=sys.stderr)  # fmt: skip
        return 1
    _base_note(args)
    print("username\tset-password link (one use, 7 days)")
    for username, link in links:
        print(f"{username}\t{link}")
    print(f"added {len(links)} volunteers", file=sys.stderr)
    return 0


def cmd_role(args: argparse.Namespace, url: str) -> int:
    with _transaction(url) as session:
        volunteer = accounts.find(session, args.volunteer)
        changed = accounts.set_role(session, volunteer, args.role, None)
        username = volunteer.username
    article = "an" if args.role == "organiser" else "a"
    print(f"{username} is {'now' if changed else 'already'} {article} {args.role}")
    return 0


def cmd_disable(args: argparse.Namespace, url: str) -> int:
    with _transaction(url) as session:
        volunteer = accounts.find(session, args.volunteer)
        was = volunteer.disabled_at is not None
        released = accounts.disable(session, volunteer, None, utcnow())
        username = volunteer.username
    if was:
        print(f"{username} was already disabled")
    else:
        print(f"disabled {username}: signed out everywhere; {released} held contacts released")
    return 0


def cmd_enable(args: argparse.Namespace, url: str) -> int:
    with _transaction(url) as session:
        volunteer = accounts.find(session, args.volunteer)
        changed = accounts.enable(session, volunteer, None, utcnow())
        username = volunteer.username
    print(f"{username} {'may sign in again' if changed else 'was not disabled'}")
    return 0


def cmd_reset(args: argparse.Namespace, url: str) -> int:
    with _transaction(url) as session:
        volunteer = accounts.find(session, args.volunteer)
        secret = accounts.issue_link(session, volunteer, None, utcnow())
    _base_note(args)
    print(_link(args, secret))
    print("the link sets a new password once, within 24 hours", file=sys.stderr)
    return 0


def cmd_members(args: argparse.Namespace, url: str) -> int:
    from caller_server.campaign_admin import get_campaign

    with _transaction(url) as session:
        campaign = get_campaign(session, args.campaign_id)
        rows = [(v.id, v.username, v.name) for v in accounts.members(session, campaign.id)]
        is_open = campaign.open_to_all
    print(f"campaign {args.campaign_id} is "
          f"{'open to every volunteer' if is_open else 'for its members only'}")  # fmt: skip
    for vid, username, name in rows:
        print(f"{vid}\t{username}\t{name}")
    return 0


def cmd_add_member(args: argparse.Namespace, url: str) -> int:
    from caller_server.campaign_admin import get_campaign

    with _transaction(url) as session:
        get_campaign(session, args.campaign_id)
        added = [accounts.add_member(session, args.campaign_id, accounts.find(session, ref), None)
                 for ref in args.volunteers]  # fmt: skip
    print(f"added {sum(added)} members to campaign {args.campaign_id}")
    return 0


def cmd_remove_member(args: argparse.Namespace, url: str) -> int:
    from caller_server.campaign_admin import get_campaign

    with _transaction(url) as session:
        get_campaign(session, args.campaign_id)
        volunteer = accounts.find(session, args.volunteer)
        released = accounts.remove_member(session, args.campaign_id, volunteer, None, utcnow())
    print(f"removed from campaign {args.campaign_id}; {released} held contacts released")
    return 0


def cmd_open(args: argparse.Namespace, url: str) -> int:
    from caller_server.campaign_admin import get_campaign

    with _transaction(url) as session:
        campaign = get_campaign(session, args.campaign_id, lock=True)
        accounts.set_open(session, campaign, args.setting == "on", None, utcnow())
    which = "open to every volunteer" if args.setting == "on" else "for its members only"
    print(f"campaign {args.campaign_id} is {which}")
    return 0


HANDLERS: dict[tuple[str, str | None], Callable[[argparse.Namespace, str], int]] = {
    ("volunteer", "list"): cmd_list,
    ("volunteer", "import"): cmd_import,
    ("volunteer", "role"): cmd_role,
    ("volunteer", "disable"): cmd_disable,
    ("volunteer", "enable"): cmd_enable,
    ("volunteer", "reset"): cmd_reset,
    ("campaign", "members"): cmd_members,
    ("campaign", "add-member"): cmd_add_member,
    ("campaign", "remove-member"): cmd_remove_member,
    ("campaign", "open"): cmd_open,
}


def add_arguments(volunteer, campaign, add, record_id) -> None:  # type: ignore[no-untyped-def]
    """The accounts commands' arguments, on the subparsers cli.build_parser made."""
    who = {"metavar": "VOLUNTEER", "help": "id or username (any case)"}
    add(volunteer, "list", "list volunteers: role, campaigns, last seen, calls tonight")
    p = add(
        volunteer,
        "import",
        "add volunteers from a CSV (name, and username or email); prints a one-time "
        "set-password link for each; adds nobody if a row is bad",
    )
    p.add_argument("file", metavar="FILE.csv", type=Path)
    p.add_argument("--url", help=f"the server's address for the links (env {ENV_URL})")
    p = add(volunteer, "role", "make a volunteer a caller or an organiser")
    p.add_argument("volunteer", **who)
    p.add_argument("role", choices=accounts.ROLES)
    p = add(volunteer, "disable", "turn an account off: signed out at once, held contacts "
            "released, no sign-in until enabled")  # fmt: skip
    p.add_argument("volunteer", **who)
    add(volunteer, "enable", "let a disabled volunteer sign in again").add_argument(
        "volunteer", **who
    )
    p = add(volunteer, "reset", "print a one-time link (24 hours) to set a new password")
    p.add_argument("volunteer", **who)
    p.add_argument("--url", help=f"the server's address for the link (env {ENV_URL})")

    add(campaign, "members", "show who may see a campaign").add_argument(
        "campaign_id", metavar="CAMPAIGN_ID", type=record_id
    )
    p = add(campaign, "add-member", "let volunteers see and lease a members-only campaign")
    p.add_argument("campaign_id", metavar="CAMPAIGN_ID", type=record_id)
    p.add_argument("volunteers", nargs="+", metavar="VOLUNTEER", help="ids or usernames")
    p = add(campaign, "remove-member", "take a volunteer off a campaign (held contacts released)")
    p.add_argument("campaign_id", metavar="CAMPAIGN_ID", type=record_id)
    p.add_argument("volunteer", **who)
    p = add(campaign, "open", "on: every volunteer sees the campaign; off: its members only")
    p.add_argument("campaign_id", metavar="CAMPAIGN_ID", type=record_id)
    p.add_argument("setting", choices=("on", "off"))


__all__ = ["HANDLERS", "add_arguments"]
