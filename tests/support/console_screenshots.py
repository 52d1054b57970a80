"""Screenshots of every console page at desktop and tablet width, for the README.

    python -m tests.support.console_screenshots [OUT_DIR]

Seeds a throwaway SQLite database with invented people and UK drama numbers, starts the
real server, and drives Debian's headless Chromium (Playwright, `/usr/bin/chromium`)
through the pages, writing `console-<page>-<desktop|tablet>.png` (default
`docs/screenshots/`).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
import tempfile
import uuid
from pathlib import Path

from playwright.sync_api import Page

from caller_server import audit, campaign_file
from caller_server.models import Batch, Contact, Result
from tests.support.browser import chromium
from tests.support.server import (
    REPO,
    LiveServer,
    create_schema,
    db_session,
    drama_number,
    seed_volunteer,
)

SIZES = {"desktop": (1366, 768), "tablet": (820, 1180)}
PASSWORD = "correct horse battery"
CAMPAIGN = """
name = "Northfield by-election"
seat = "Northfield"
candidate = "Sam Example"
calling_hours = "00:00-24:00"
batch_size = 10
[script]
intro = "Hello {first_name}, calling for {candidate} in {polling_district}."
crib_sheet = "- Thank them for their time"
[[questions]]
key = "support"
text = "Will you vote for {candidate}?"
kind = "single"
options = ["yes", "leaning", "undecided", "no"]
[[questions]]
key = "issues"
text = "What matters most?"
kind = "multi"
options = ["housing", "buses", "parks"]
"""
FIRST = ("Ada", "Bryn", "Cerys", "Dev", "Ezra", "Fern", "Gus", "Hana", "Ivo", "Jun")
LAST = ("Quill", "Rook", "Sable", "Thorne", "Umber", "Vale", "Wren", "Yew")


def seed_demo(url: str) -> int:
    """A running campaign: 120 contacts, three callers' results tonight, one lease held."""
    rng = random.Random(7)
    organiser = seed_volunteer(url, "olu", "Olu Organiser", PASSWORD, organiser=True)
    callers = [
        seed_volunteer(url, u, n, PASSWORD)
        for u, n in (("alex", "Alex Caller"), ("bea", "Bea Caller"), ("cal", "Cal Caller"))
    ]
    now = dt.datetime.now(dt.UTC)
    with db_session(url) as s:
        cid = campaign_file.create_campaign(s, campaign_file.parse_campaign(CAMPAIGN))
        contacts = [
            Contact(
                campaign_id=cid,
                first_name=FIRST[i % 10],
                last_name=LAST[i % 8],
                phone=drama_number(i),
                ward=f"Ward {i % 3 + 1}",
                external_id=f"EL-{i:04d}",
                attributes={"polling_district": f"NF{i % 4 + 1}"},
            )
            for i in range(120)
        ]
        s.add_all(contacts)
        s.flush()
        outcomes = ["answered", "not_home", "busy", "voicemail", "refused"]
        for n, contact in enumerate(contacts[:60]):
            outcome = rng.choice(outcomes)
            at = now - dt.timedelta(minutes=rng.randint(1, 200))
            answers = (
                {
                    "support": rng.choice(["yes", "leaning", "undecided", "no"]),
                    "issues": rng.sample(["housing", "buses", "parks"], 2),
                }
                if outcome == "answered"
                else {}
            )
            s.add(
                Result(
                    id=str(uuid.uuid4()),
                    campaign_id=cid,
                    contact_id=contact.id,
                    volunteer_id=callers[n % 3],
                    outcome=outcome,
                    answers=answers,
                    started_at=at,
                    received_at=at,
                    payload_hash="demo",
                )
            )
            contact.state = "done" if outcome in ("answered", "refused") else "available"
            contact.attempts = 1
        batch = Batch(
            campaign_id=cid,
            volunteer_id=callers[0],
            request_id=str(uuid.uuid4()),
            created_at=now - dt.timedelta(minutes=12),
            expires_at=now + dt.timedelta(minutes=33),
        )
        s.add(batch)
        s.flush()
        for contact in contacts[60:70]:
            contact.state, contact.batch_id = "leased", batch.id
            contact.lease_expires_at = batch.expires_at
        audit.record(s, organiser, "created", cid, source="form")
        audit.record(
            s,
            organiser,
            "imported",
            cid,
            file="northfield.csv",
            rows=124,
            added=120,
            updated=0,
            skipped=4,
        )
        s.commit()
    return cid


def upload_file(folder: Path) -> Path:
    path = folder / "northfield-extra.csv"
    rows = [["First Name", "Surname", "Phone Number", "Mobile", "Elector No", "Polling District"]]
    rows += [
        [
            FIRST[i % 10],
            LAST[i % 8],
            "0" + drama_number(500 + i)[3:],
            "",
            f"EL-{500 + i}",
            f"NF{i % 4 + 1}",
        ]
        for i in range(8)
    ]
    rows += [["Kit", "Yew", "12345", "", "EL-0601", "NF2"], ["", "Rook", "", "", "EL-0602", ""]]
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, lineterminator="\r\n").writerows(rows)
    return path


def shoot(page: Page, out: Path, name: str) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(out / f"console-{name}-{size}.png"), full_page=False)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite3'}"
        create_schema(url)
        cid = seed_demo(url)
        with LiveServer(url) as server, chromium() as browser:
            page = browser.new_page()
            base = server.url + "/admin"
            page.goto(base + "/login")
            shoot(page, out, "sign-in")
            page.get_by_label("Username").fill("olu")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(base + "/")
            shoot(page, out, "campaigns")
            for name, path in (
                ("new-campaign", "/campaigns/new"),
                ("settings", f"/campaigns/{cid}/edit"),
                ("dashboard", f"/campaigns/{cid}/dashboard"),
                ("exports", f"/campaigns/{cid}/exports"),
                ("opt-outs", "/optouts"),
                ("audit-log", "/audit"),
                ("contacts", f"/campaigns/{cid}/contacts"),
            ):
                page.goto(base + path)
                shoot(page, out, name)
            page.get_by_label("CSV file").set_input_files(upload_file(Path(tmp)))
            page.get_by_role("button", name="Upload and preview").click()
            page.wait_for_selector("table.mapping")
            shoot(page, out, "mapping")
            page.get_by_role("button", name="Check the file").click()
            page.wait_for_selector("#report-figures")
            shoot(page, out, "report")
            browser.close()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
