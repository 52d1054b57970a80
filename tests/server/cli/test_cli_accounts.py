"""`caller-server volunteer list|import|role|disable|enable|reset` and campaign members."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from sqlalchemy import select

from caller_server.models import AuditEntry, CampaignMember, Contact, Volunteer
from tests.support.cli import cli
from tests.support.server import Api, LiveServer, Seeded, db_session, seed

LINK = re.compile(
    r"^(\S+)\t(https://phones\.example\.org/admin/set-password/[A-Za-z0-9_-]+)$", re.M
)


def test_list_role_disable_enable(server_db: str) -> None:
    data = seed(server_db, contacts=2)
    listed = cli(server_db, "volunteer", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("id\tusername\trole\tstatus\tcalls tonight\tlast seen")
    row = next(line for line in listed.stdout.splitlines() if f"\t{data.callers[0]}\t" in line)
    assert "\tcaller\tactive\t0\tnever\t" in row
    assert data.callers[0] in listed.stdout
    assert data.organiser in listed.stdout

    shouted = data.callers[0].upper()
    proc = cli(server_db, "volunteer", "role", shouted, "organiser")
    assert proc.returncode == 0, proc.stderr
    assert "is now an organiser" in proc.stdout
    proc = cli(server_db, "volunteer", "role", shouted, "caller")
    assert proc.returncode == 0

    proc = cli(server_db, "volunteer", "disable", data.callers[0])
    assert proc.returncode == 0, proc.stderr
    assert "disabled" in proc.stdout
    assert "\tdisabled\t" in cli(server_db, "volunteer", "list").stdout
    proc = cli(server_db, "volunteer", "enable", str(data.volunteer_ids[data.callers[0]]))
    assert proc.returncode == 0
    assert "may sign in again" in proc.stdout
    missing = cli(server_db, "volunteer", "disable", "nobody-" + uuid.uuid4().hex[:6])
    assert missing.returncode == 1
    assert "no volunteer" in missing.stderr
    with db_session(server_db) as s:
        actions = [
            a
            for (a, d) in s.execute(select(AuditEntry.action, AuditEntry.detail))
            if (d or {}).get("volunteer_id") == data.volunteer_ids[data.callers[0]]
        ]
    assert actions.count("role_changed") == 2
    assert {"disabled", "enabled"} <= set(actions)


def test_import_adds_all_or_nothing_and_prints_links(server_db: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"name,username\nAnn Able,ann-{tag}\nBen Bold,\nCal,ANN-{tag}\n", encoding="utf-8"
    )
    proc = cli(server_db, "volunteer", "import", str(bad), "--url", "https://phones.example.org")
    assert proc.returncode == 1
    assert "line 3: no username or email" in proc.stderr
    assert "line 4: the same username as line 2" in proc.stderr
    assert "nobody was added" in proc.stderr
    with db_session(server_db) as s:
        assert s.scalar(select(Volunteer.id).where(Volunteer.username == f"ann-{tag}")) is None
    good = tmp_path / "good.csv"
    good.write_text(f"name,username\nAnn Able,ann-{tag}\nBen Bold,ben-{tag}\n", encoding="utf-8")
    proc = cli(server_db, "volunteer", "import", str(good), "--url", "https://phones.example.org")
    assert proc.returncode == 0, proc.stderr
    links = dict(LINK.findall(proc.stdout))
    assert set(links) == {f"ann-{tag}", f"ben-{tag}"}
    # A reset link for one of them replaces theirs.
    proc = cli(server_db, "volunteer", "reset", f"ANN-{tag}", "--url", "https://phones.example.org")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("https://phones.example.org/admin/set-password/")


def test_volunteer_add_applies_the_password_policy(server_db: str) -> None:
    name = f"Vol-{uuid.uuid4().hex[:6]}"
    weak = cli(server_db, "volunteer", "add", name, "--name", "V", stdin="password1\n")
    assert weak.returncode == 1
    assert "at least 10" in weak.stderr
    same = cli(server_db, "volunteer", "add", name, "--name", "V", stdin=name.upper() + "\n")
    assert same.returncode == 1
    assert "not your username" in same.stderr
    ok = cli(server_db, "volunteer", "add", name, "--name", "V", stdin="quiet meadow fox\n")
    assert ok.returncode == 0, ok.stderr
    dup = cli(
        server_db, "volunteer", "add", name.lower(), "--name", "V", stdin="quiet meadow fox\n"
    )
    assert dup.returncode == 1
    assert "already exists" in dup.stderr


def test_members_from_the_command_line(live_server: LiveServer) -> None:
    db = live_server.db_url
    data: Seeded = seed(db, contacts=4)
    cid = str(data.campaign_id)
    caller = Api.login(live_server.url, data.callers[0], data.password)
    try:
        assert cli(db, "campaign", "open", cid, "off").returncode == 0
        assert data.campaign_id not in {
            c["id"] for c in caller.get("/campaigns").json()["campaigns"]
        }
        proc = cli(db, "campaign", "add-member", cid, data.callers[0], data.callers[1].upper())
        assert proc.returncode == 0, proc.stderr
        assert "added 2 members" in proc.stdout
        shown = cli(db, "campaign", "members", cid)
        assert "for its members only" in shown.stdout
        assert data.callers[0] in shown.stdout
        caller.lease(data.campaign_id, size=2)
        proc = cli(db, "campaign", "remove-member", cid, data.callers[0])
        assert proc.returncode == 0, proc.stderr
        assert "2 held contacts released" in proc.stdout
        with db_session(db) as s:
            held = s.scalars(
                select(Contact.id).where(
                    Contact.campaign_id == data.campaign_id, Contact.batch_id.is_not(None)
                )
            ).all()
            members = s.scalars(
                select(CampaignMember.volunteer_id).where(
                    CampaignMember.campaign_id == data.campaign_id
                )
            ).all()
        assert held == []
        assert members == [data.volunteer_ids[data.callers[1]]]
        reply = caller.post(
            f"/campaigns/{cid}/batches", json={"size": 1, "request_id": str(uuid.uuid4())}
        )
        assert reply.status_code == 404
    finally:
        caller.close()
