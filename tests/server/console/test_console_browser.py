"""One organiser journey in a real browser: Debian's headless Chromium driven by Playwright.

Sign in; create a campaign with the form; upload an Excel-style voter file (BOM, CRLF,
"Phone Number"/"Mobile"/"Elector No" columns, bad rows); map, read the report,
import; watch the dashboard move, without a reload, while a real app core records
results; pause (the app core and the volunteer API see it), resume, close; export
and check the file row by row against the server's database.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from caller_server.models import Contact, Result
from tests.support.browser import needs_chromium
from tests.support.server import (
    Api,
    LiveServer,
    create_schema,
    db_session,
    drama_number,
    seed_volunteer,
)

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(240),
    needs_chromium,
]
PASSWORD = "correct horse battery"
BLOCKS = (
    '[[questions]]\nkey = "support"\ntext = "Will you vote for {candidate}?"\n'
    'kind = "single"\noptions = ["yes", "no"]\n\n'
    '[[questions]]\nkey = "issues"\ntext = "What matters most?"\nkind = "multi"\n'
    'options = ["housing", "buses"]\n'
)


def _national(index: int) -> str:
    return "0" + drama_number(index)[3:]


def voter_file(path: Path) -> Path:
    """Six good rows (two share a landline, one has only a mobile) and two bad ones."""
    rows = [
        ["First Name", "Surname", "Phone Number", "Mobile", "Elector No", "Polling District"],
        ["Ada", "Quill", _national(900), "", "EL-001", "NF1"],
        ["Bryn", "Quill", _national(900), "", "EL-002", "NF1"],
        ["Cerys", "Rook", "", _national(901), "EL-003", "NF2"],
        ["Dev", "Sable", _national(902), _national(903), "EL-004", "NF2"],
        ["Ezra", "Thorne", _national(904), "", "EL-005", "NF3"],
        ["Fern", "Umber", _national(905), "", "EL-006", "NF3"],
        ["Gus", "Vale", "12345", "", "EL-007", "NF1"],  # not a number
        ["", "Wren", _national(906), "", "EL-008", "NF1"],  # no first name
    ]
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, lineterminator="\r\n").writerows(rows)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('console-browser') / 'server.sqlite3'}"
    create_schema(url)
    with LiveServer(url) as live:
        yield live


def test_an_organiser_runs_a_campaign_from_the_console(
    server: LiveServer, browser, qapp, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.corekit import Core, wait_for

    expect = playwright_api.expect
    seed_volunteer(server.db_url, "olu", "Olu Organiser", PASSWORD, organiser=True)
    caller_id = seed_volunteer(server.db_url, "casey", "Casey Caller", PASSWORD)
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    base = server.url + "/admin"

    # Sign in.
    page.goto(base + "/")
    expect(page).to_have_url(base + "/login")
    page.get_by_label("Username").fill("olu")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Campaigns", exact=True)).to_be_visible()

    # Create a campaign with the form.
    page.get_by_role("link", name="New campaign", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Northfield phone bank")
    page.get_by_label("Seat", exact=True).fill("Northfield")
    page.get_by_label("Candidate", exact=True).fill("Sam Example")
    page.get_by_label("Calling hours").fill("00:00-24:00")
    page.get_by_label("Contacts per batch").fill("4")
    page.get_by_label("Introduction (Markdown)").fill(
        "Hello {first_name}, I'm {volunteer_first_name}. You vote in {polling_district}."
    )
    page.get_by_label("Questions and outcomes (campaign file blocks)").fill(BLOCKS)
    page.get_by_role("button", name="Create campaign", exact=True).click()
    expect(page.get_by_role("heading", name="Contacts", exact=True)).to_be_visible()
    campaign_id = int(page.url.split("/campaigns/")[1].split("/")[0])

    # Upload, map, read the report, import.
    page.get_by_label("CSV file").set_input_files(voter_file(tmp_path / "voters.csv"))
    page.get_by_role("button", name="Upload and preview", exact=True).click()
    expect(page.get_by_role("heading", name="Which column is which?", exact=True)).to_be_visible()
    guessed = {
        label: page.get_by_label(label, exact=True).input_value()
        for label in (
            "First Name",
            "Surname",
            "Phone Number",
            "Mobile",
            "Elector No",
            "Polling District",
        )
    }
    assert guessed == {
        "First Name": "first_name",
        "Surname": "last_name",
        "Phone Number": "phone",
        "Mobile": "phone_fallback",
        "Elector No": "external_id",
        "Polling District": "polling_district",
    }
    page.get_by_role("button", name="Check the file", exact=True).click()
    expect(page.locator("#added")).to_have_text("6")
    expect(page.locator("#problems")).to_have_text("2")
    lines = page.locator("#problem-rows tbody tr td:first-child").all_inner_texts()
    assert lines == ["8", "9"]
    with page.expect_download() as report_download:
        page.get_by_role("link", name="Download the report (CSV)", exact=True).click()
    report_text = Path(report_download.value.path()).read_text(encoding="utf-8")
    report = list(csv.reader(report_text.splitlines()))
    assert [row[:2] for row in report[1:]] == [
        ["8", "phone is not a valid number"],
        ["9", "missing first_name"],
    ]
    page.get_by_role("button", name="Import 6 contacts, skip the problem rows", exact=True).click()
    expect(page.locator("#import-result")).to_contain_text("6 added, 0 updated, 2 skipped")
    with db_session(server.db_url) as s:
        contacts = {
            c.id: c for c in s.scalars(select(Contact).where(Contact.campaign_id == campaign_id))
        }
    assert sorted(c.external_id for c in contacts.values()) == [f"EL-00{i}" for i in range(1, 7)]

    # The script preview fills the imported column, escaped.
    page.get_by_role("link", name="Settings and script", exact=True).click()
    expect(page.locator(".preview")).to_contain_text("You vote in NF1.")

    # The dashboard moves while a real app core records results.
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("#calls-tonight")).to_have_text("0")
    page.evaluate("window.consoleMarker = 'no reload'")
    core = Core.start(tmp_path / "app.sqlite3", server.url, "casey", PASSWORD, campaign_id)
    reasons: list[str] = []
    core.engine.out_of_contacts.connect(lambda reason, _opens: reasons.append(reason))
    try:
        core.wait_for_contacts(2)
        recorded = core.record(2, random.Random(13))
        core.wait_delivered()
        expect(page.locator("#calls-tonight")).to_have_text("2", timeout=20_000)
        expect(page.locator("#volunteers")).to_contain_text("Casey Caller")
        assert page.evaluate("window.consoleMarker") == "no reload"

        # Pause: the volunteer API and the app core see it; resume; close.
        page.get_by_role("link", name="Settings and script", exact=True).click()
        page.get_by_role("button", name="Pause", exact=True).click()
        expect(page.locator(".notice")).to_contain_text("Paused")
        api = Api.login(server.url, "casey", PASSWORD)
        assert api.lease(campaign_id, 2)["reason"] == "paused"
        api.close()
        left = core.store.remaining(campaign_id)
        recorded += core.record(left, random.Random(14))
        core.wait_delivered()
        wait_for(lambda: "paused" in reasons, 30, "the app core to hear 'paused'")
        page.get_by_role("button", name="Resume", exact=True).click()
        expect(page.locator(".notice")).to_contain_text("Resumed")
        page.get_by_role("button", name="Close the campaign", exact=True).click()
        expect(page.locator(".notice")).to_contain_text("Closed")
    finally:
        core.stop()

    # Export per call and check it row by row.
    page.get_by_role("link", name="Exports", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download", exact=True).first.click()
    with Path(download.value.path()).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with db_session(server.db_url) as s:
        stored = {
            r.id: r for r in s.scalars(select(Result).where(Result.volunteer_id == caller_id))
        }
    assert {r.id for r in recorded} == set(stored)
    assert [row["result_id"] for row in rows] == sorted(
        stored, key=lambda rid: (stored[rid].received_at, rid)
    )
    for row in rows:
        result = stored[row["result_id"]]
        contact = contacts[result.contact_id]
        assert row["external_id"] == contact.external_id
        assert row["first_name"] == contact.first_name
        assert row["polling_district"] == contact.attributes["polling_district"]
        assert row["outcome"] == result.outcome
        assert row["volunteer"] == "Casey Caller"
        assert "." not in row["started_at"]  # seconds, no microseconds
    assert errors == []
