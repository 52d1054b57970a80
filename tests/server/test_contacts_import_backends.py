"""The contacts import stores the same rows on both databases (COPY on PostgreSQL,
multi-row INSERT on SQLite), inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import select

from caller_server.campaign_file import create_campaign, parse_campaign
from caller_server.contacts_import import import_contacts_text
from caller_server.models import Contact
from tests.support.server import db_session

CAMPAIGN = 'name = "Import backends"\nseat = "S"\ncandidate = "C"\n[script]\nintro = "Hi"\n'
CSV = (
    "first_name,last_name,phone,ward,external_id,age_band\r\n"
    "Ada,Quill,020 7946 0101,North,V-1,b1\r\n"
    'Bryn,"Rook, Jr",0113 496 0102,,,"tab\there"\r\n'
    "Cerys,Sable,0161 496 0103,South\\East,V-3,\r\n"
)


def test_import_stores_every_field_and_rolls_back_with_the_transaction(server_db: str) -> None:
    with db_session(server_db) as s:
        campaign_id = create_campaign(s, parse_campaign(CAMPAIGN))
        s.commit()
        report = import_contacts_text(s, campaign_id, CSV)
        assert report.added == 3
        s.rollback()  # the caller's transaction decides: nothing was kept
        assert s.scalars(select(Contact).where(Contact.campaign_id == campaign_id)).all() == []
        import_contacts_text(s, campaign_id, CSV)
        s.commit()
    with db_session(server_db) as s:
        rows = s.scalars(
            select(Contact).where(Contact.campaign_id == campaign_id).order_by(Contact.id)
        ).all()
    got = [
        (c.first_name, c.last_name, c.phone, c.ward, c.external_id, c.attributes, c.state)
        for c in rows
    ]
    assert got == [
        ("Ada", "Quill", "+442079460101", "North", "V-1", {"age_band": "b1"}, "available"),
        ("Bryn", "Rook, Jr", "+441134960102", "", None, {"age_band": "tab\there"}, "available"),
        ("Cerys", "Sable", "+441614960103", "South\\East", "V-3", {}, "available"),
    ]
    assert all(c.attempts == 0 and c.batch_id is None for c in rows)
