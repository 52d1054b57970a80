"""Console pages end to end in-process: campaigns, contacts import, dashboard, audit."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from caller_server.models import AuditEntry, Campaign, Contact
from tests.support.console import Console, ScriptFinder
from tests.support.server import Seeded, db_session, drama_number


def assert_no_inline_script(html: str) -> None:
    finder = ScriptFinder()
    finder.feed(html)
    assert finder.inline == []


FORM = {
    "name": "Eastbrook canvass", "seat": "Eastbrook", "candidate": "Jo Example",
    "timezone": "Europe/London", "calling_hours": "00:00-24:00", "batch_size": "5",
    "max_attempts": "3", "lease_minutes": "30", "target_contacts_per_hour": "20",
    "max_held_contacts": "", "intro": "Hi {first_name}, about {polling_district}.",
    "crib_sheet": "<script>alert(1)</script>", "candidate_bio": "",
    "blocks": '[[questions]]\nkey = "support"\ntext = "Support?"\nkind = "single"\n'
              'options = ["yes", "no"]\n',
}  # fmt: skip


def _national(index: int) -> str:
    return "0" + drama_number(index)[3:]


def contacts_csv(start: int) -> bytes:
    """A voter file as Excel writes it: BOM, CRLF, a household, a mobile-only row, bad rows."""
    rows = [
        ["First Name", "Surname", "Phone Number", "Mobile", "Elector No", "Polling District"],
        ["Ada", "Quill", _national(start), "", "E1", "PD1"],
        ["Bryn", "Quill", _national(start), "", "E2", "PD1"],  # same household number
        ["Cerys", "Rook", "", _national(start + 1), "E3", "PD2"],  # mobile only
        ["Dev", "Sable", "12345", "", "E4", "PD2"],  # bad number
        ["", "Thorne", _national(start + 2), "", "E5", "PD3"],
    ]  # no first name
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode()


def test_create_edit_preview_status_and_duplicate(organiser: Console, data: Seeded) -> None:
    organiser.get("/campaigns/new")
    bad = organiser.post("/campaigns/new", {**FORM, "batch_size": "many"})
    assert bad.status_code == 422
    assert "batch_size: must be a whole number" in bad.text
    made = organiser.post("/campaigns/new", FORM)
    assert made.status_code == 303
    campaign_id = int(re.search(r"/campaigns/(\d+)/", made.headers["location"]).group(1))
    page = organiser.get(f"/campaigns/{campaign_id}/edit")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # escaped, never run
    assert "<script>alert(1)" not in page.text
    organiser.post(f"/campaigns/{campaign_id}/edit", {**FORM, "name": "Eastbrook phone bank"})
    with db_session(data.db_url) as s:
        assert s.get(Campaign, campaign_id).name == "Eastbrook phone bank"
    for action, status in (("pause", "paused"), ("resume", "active"), ("close", "closed")):
        organiser.get(f"/campaigns/{campaign_id}/edit")
        assert organiser.post(f"/campaigns/{campaign_id}/{action}").status_code == 303
        with db_session(data.db_url) as s:
            assert s.get(Campaign, campaign_id).status == status
    copy = organiser.post(f"/campaigns/{campaign_id}/duplicate")
    copy_id = int(re.search(r"/campaigns/(\d+)/", copy.headers["location"]).group(1))
    with db_session(data.db_url) as s:
        original, duplicate = s.get(Campaign, campaign_id), s.get(Campaign, copy_id)
        assert duplicate.name == "Eastbrook phone bank (copy)"
        assert duplicate.status == "active"
        assert duplicate.script == original.script
        actions = set(
            s.scalars(
                select(AuditEntry.action).where(AuditEntry.campaign_id.in_([campaign_id, copy_id]))
            )
        )
    assert {"created", "updated", "paused", "resumed", "closed", "duplicated"} <= actions
    toml = organiser.get(f"/campaigns/{copy_id}/campaign.toml")
    uploaded = organiser.post(
        "/campaigns/upload", files={"file": ("c.toml", toml.content, "application/toml")}
    )
    assert uploaded.status_code == 303


def test_upload_map_report_and_import_contacts(organiser: Console, data: Seeded) -> None:
    cid = data.campaign_id
    organiser.get(f"/campaigns/{cid}/contacts")
    page = organiser.post(
        f"/campaigns/{cid}/contacts/upload",
        files={"file": ("voters.csv", contacts_csv(3000), "text/csv")},
    )
    assert page.status_code == 200
    organiser.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    upload = re.search(r'name="upload" value="([0-9a-f]+)"', page.text).group(1)
    assert page.text.count(" selected>") == 6  # one choice per column
    assert_no_inline_script(page.text)
    selected = dict(
        re.findall(r'name="(map-\d)".*?<option value="([a-z_]+)" selected', page.text, re.S)
    )
    assert selected == {
        "map-0": "first_name",
        "map-1": "last_name",
        "map-2": "phone",
        "map-3": "phone_fallback",
        "map-4": "external_id",
        "map-5": "polling_district",
    }
    report = organiser.post(f"/campaigns/{cid}/contacts/check", {"upload": upload, **selected})
    assert report.status_code == 200
    assert re.search(r'id="added">3<', report.text)
    assert re.search(r'id="problems">2<', report.text)
    assert "Ada" not in report.text  # reasons and line numbers, no names
    assert_no_inline_script(report.text)
    problems = organiser.client.get(
        f"/admin/campaigns/{cid}/contacts/report.csv", params={"upload": upload}
    )
    assert problems.headers["cache-control"] == "no-store"
    lines = list(csv.reader(io.StringIO(problems.text)))
    assert lines[0][:3] == ["line", "reason", "First Name"]
    assert [row[0] for row in lines[1:]] == ["5", "6"]
    done = organiser.post(f"/campaigns/{cid}/contacts/import", {"upload": upload})
    assert done.status_code == 303
    assert "added=3" in done.headers["location"]
    with db_session(data.db_url) as s:
        imported = {
            c.external_id: c
            for c in s.scalars(
                select(Contact).where(Contact.campaign_id == cid, Contact.external_id.is_not(None))
            )
        }
    assert set(imported) == {"E1", "E2", "E3"}
    assert imported["E3"].phone == drama_number(3001)
    assert imported["E1"].attributes["polling_district"] == "PD1"
    # The preview now fills {polling_district} for the first contact... of a campaign
    # whose first contact has it; here the seeded contacts come first, so it is marked.
    edit = organiser.get(f"/campaigns/{cid}/edit")
    assert "Available placeholders" in edit.text


def test_opt_out_upload(organiser: Console, data: Seeded) -> None:
    organiser.get("/optouts")
    body = f"phone\r\n{_national(3500)}\r\nnot a number\r\n".encode()
    reply = organiser.post(
        "/optouts",
        {"campaign": str(data.campaign_id)},
        files={"file": ("optouts.csv", body, "text/csv")},
    )
    assert reply.status_code == 200
    assert "Added 1 numbers" in reply.text
    assert "1 rows skipped" in reply.text


def test_dashboard_remedies_and_audit_page(organiser: Console, data: Seeded) -> None:
    cid = data.campaign_id
    page = organiser.get(f"/campaigns/{cid}/dashboard")
    assert page.status_code == 200
    assert 'hx-trigger="every 5s"' in page.text
    live = organiser.get(f"/campaigns/{cid}/dashboard/live")
    assert re.search(r'id="fresh">6<', live.text)
    caller_id = data.volunteer_ids[data.callers[0]]
    assert (
        organiser.post(f"/campaigns/{cid}/release", {"volunteer_id": str(caller_id)}).status_code
        == 303
    )
    organiser.get(f"/campaigns/{cid}/dashboard")
    assert (
        organiser.post(
            f"/campaigns/{cid}/void",
            {"volunteer_id": str(caller_id), "since": "2026-01-01T00:00:00"},
        ).status_code
        == 303
    )
    audit = organiser.get(f"/audit?campaign={cid}")
    assert "released" in audit.text
    assert "voided" in audit.text
    assert organiser.get("/audit?campaign=").status_code == 200


def test_exports_download_with_options_and_audit(organiser: Console, data: Seeded) -> None:
    cid = data.campaign_id
    organiser.get(f"/campaigns/{cid}/exports")
    calls = organiser.client.get(
        f"/admin/campaigns/{cid}/exports/download", params={"kind": "calls", "excel": "true"}
    )
    assert calls.status_code == 200
    assert calls.headers["cache-control"] == "no-store"
    assert calls.content.startswith(b"\xef\xbb\xbf")
    assert "calls-excel.csv" in calls.headers["content-disposition"]
    contacts = organiser.client.get(
        f"/admin/campaigns/{cid}/exports/download", params={"kind": "contacts"}
    )
    rows = list(csv.reader(io.StringIO(contacts.text)))
    assert len(rows) == 1 + len(data.contact_ids)
    assert (
        organiser.client.get(
            f"/admin/campaigns/{cid}/exports/download", params={"kind": "other"}
        ).status_code
        == 422
    )
    assert "exported" in organiser.get(f"/audit?campaign={cid}").text
