"""The demo: a ready-made campaign, volunteer ``demo``/``demo`` and 200 invented contacts.

Used by ``caller-server demo`` and by the desktop app's practice mode. Seeding is
idempotent: on a database that already holds the demo campaign it returns that
campaign's id and adds nothing.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from sqlalchemy import select

from caller_server import schema
from caller_server.auth import create_volunteer
from caller_server.campaign_file import create_campaign, parse_campaign
from caller_server.contacts_import import import_contacts_text
from caller_server.db import make_engine, session_factory
from caller_server.models import Campaign, Volunteer

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented sign-in of the practice server
DEMO_NAME = "Sam Practice"  # the script greets with the first name: "My name's Sam"


def demo_dir() -> Traversable:
    """The demo files, from the installed ``caller_resources`` package.

    A source checkout whose editable install cannot map ``caller_resources`` falls
    back to the repository's ``resources/`` folder.
    """
    try:
        return resources.files("caller_resources") / "demo"
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "resources" / "demo"


def seed_demo(db_url: str) -> int:
    """Create or upgrade the schema and add the demo; the demo campaign's id."""
    schema.upgrade(db_url)
    folder = demo_dir()
    spec = parse_campaign((folder / "campaign.toml").read_text("utf-8"), "demo campaign.toml")
    contacts = (folder / "contacts.csv").read_text("utf-8")
    engine = make_engine(db_url)
    try:
        with session_factory(engine).begin() as session:
            if (
                session.scalar(select(Volunteer.id).where(Volunteer.username == DEMO_USERNAME))
                is None
            ):
                create_volunteer(session, DEMO_USERNAME, DEMO_NAME, DEMO_PASSWORD)
            existing = session.scalar(
                select(Campaign.id).where(Campaign.name == spec.name, Campaign.seat == spec.seat)
            )
            if existing is not None:
                return existing
            campaign_id = create_campaign(session, spec)
            report = import_contacts_text(
                session, campaign_id, contacts, source="demo contacts.csv"
            )
            if report.problems:  # the shipped file is checked by the tests
                raise RuntimeError(f"demo contacts.csv has {len(report.problems)} bad rows")
            return campaign_id
    finally:
        engine.dispose()
