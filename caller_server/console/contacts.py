"""Contacts pages: upload a CSV -> map its columns -> read the report -> import; opt-outs.

The domain work is `caller_server.contacts_import` and `suppress_import`; this module
only carries the file between the steps. The upload waits in a private temporary
folder (mode 0700, files 0600) under a name tied to the organiser's session, and is
deleted once imported or after two hours: it holds names and numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from caller_server import contacts_import as ci
from caller_server.console.web import (
    Form,
    Organiser,
    User,
    audit,
    db,
    field,
    found,
    render,
    see_other,
)
from caller_server.console.web import status_of as _status
from caller_server.models import Campaign, Contact
from caller_server.suppress_import import suppress_import

router = APIRouter()
MAX_FILE = 32 * 1024 * 1024
KEEP_S = 2 * 3600
SHOWN_PROBLEMS = 200
TARGET_LABELS = {
    "first_name": "First name", "last_name": "Last name", "phone": "Phone",
    "phone_fallback": "Fallback phone (used where Phone is empty)", "ward": "Ward",
    "external_id": "External id (voter / elector number)",
}  # fmt: skip


def upload_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "caller-console-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def _path(user: Organiser, upload_id: str, suffix: str = ".csv") -> Path:
    """Only the session that uploaded a file can name it again."""
    if not upload_id.isalnum() or len(upload_id) > 64:
        raise HTTPException(404, "That upload has gone; upload the file again.")
    owner = hashlib.sha256(user.token.encode()).hexdigest()[:16]
    return upload_dir() / f"{owner}-{upload_id}{suffix}"


def _sweep() -> None:
    cutoff = time.time() - KEEP_S
    for path in upload_dir().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _read(user: Organiser, upload_id: str) -> bytes:
    path = _path(user, upload_id)
    if not path.exists():
        raise HTTPException(404, "That upload has gone; upload the file again.")
    return path.read_bytes()


def _campaign(request: Request, campaign_id: int) -> tuple[Campaign, int]:
    with db(request, read=True) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        count = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.campaign_id == campaign_id)
        )
        return campaign, int(count or 0)


def _page(
    request: Request,
    user: Organiser,
    campaign_id: int,
    name: str,
    code: int = 200,
    **context: object,
) -> HTMLResponse:
    campaign, count = _campaign(request, campaign_id)
    return render(
        request,
        name,
        user,
        code,
        campaign=campaign,
        status=_status(campaign),
        tab="contacts",
        contacts=count,
        **context,
    )


@router.get("/campaigns/{campaign_id}/contacts", response_class=HTMLResponse)
def contacts_page(
    request: Request,
    user: User,
    campaign_id: int,
    notice: str = "",
    added: int = -1,
    updated: int = -1,
    skipped: int = -1,
) -> HTMLResponse:
    result = None if added < 0 else {"added": added, "updated": updated, "skipped": skipped}
    return _page(request, user, campaign_id, "contacts.html", notice=notice, result=result)


@router.post("/campaigns/{campaign_id}/contacts/upload", response_class=HTMLResponse)
async def upload(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await run_in_threadpool(
            _page,
            request,
            user,
            campaign_id,
            "contacts.html",
            422,
            error="Choose a CSV file to upload.",
        )
    data = await file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        return await run_in_threadpool(
            _page,
            request,
            user,
            campaign_id,
            "contacts.html",
            413,
            error="The file is larger than 32 MiB; split it.",
        )
    upload_id = secrets.token_hex(16)
    await run_in_threadpool(_save, user, upload_id, data, file.filename)
    return await run_in_threadpool(_mapping_page, request, user, campaign_id, upload_id, None)


def _save(user: Organiser, upload_id: str, data: bytes, filename: str) -> None:
    _sweep()
    for suffix, content in (
        (".csv", data),
        (".json", json.dumps({"name": filename[:100]}).encode()),
    ):
        path = _path(user, upload_id, suffix)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(content)


def _meta(user: Organiser, upload_id: str) -> dict[str, Any]:
    path = _path(user, upload_id, ".json")
    return json.loads(path.read_text()) if path.exists() else {}


def _mapping_page(
    request: Request,
    user: Organiser,
    campaign_id: int,
    upload_id: str,
    mapping: ci.Mapping | None,
    error: str = "",
    code: int = 200,
) -> HTMLResponse:
    data = _read(user, upload_id)
    try:
        shown = ci.preview(data, mapping, source=_meta(user, upload_id).get("name", "file"))
    except ci.ContactsFileError as exc:
        _path(user, upload_id).unlink(missing_ok=True)
        return _page(request, user, campaign_id, "contacts.html", 422, error=str(exc))
    columns = []
    for n, header in enumerate(shown.headers):
        target = shown.mapping.target(header)
        samples = [row[n] for row in shown.rows[:3] if n < len(row)]
        columns.append(
            {
                "n": n,
                "header": header,
                "target": target,
                "samples": samples,
                "key": ci.normalise_header(header),
            }
        )
    return _page(
        request,
        user,
        campaign_id,
        "contacts_map.html",
        code,
        upload_id=upload_id,
        columns=columns,
        targets=TARGET_LABELS,
        error=error,
        filename=_meta(user, upload_id).get("name", ""),
    )


def _mapping_from(form: FormData, headers: list[str]) -> ci.Mapping:
    mapping = ci.guess_mapping(headers)
    for n, header in enumerate(headers):
        chosen = field(form, f"map-{n}")
        if chosen:
            mapping.columns[header] = chosen
    return mapping


def _headers(user: Organiser, upload_id: str) -> list[str]:
    return ci.preview(_read(user, upload_id), rows=0).headers


@router.post("/campaigns/{campaign_id}/contacts/check", response_class=HTMLResponse)
def check(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    """Validate with the chosen mapping: the report page (nothing written yet)."""
    upload_id = field(form, "upload")
    mapping = _mapping_from(form, _headers(user, upload_id))
    try:
        mapping.check("mapping")
        with db(request, read=True) as session:
            report = ci.validate(_read(user, upload_id), mapping, session, campaign_id)
    except ci.ContactsFileError as exc:
        return _mapping_page(request, user, campaign_id, upload_id, mapping, str(exc), 422)
    _path(user, upload_id, ".map").write_text(json.dumps(mapping.columns))
    return _page(
        request,
        user,
        campaign_id,
        "contacts_report.html",
        upload_id=upload_id,
        report=report,
        problems=report.problems[:SHOWN_PROBLEMS],
        more=max(0, len(report.problems) - SHOWN_PROBLEMS),
        filename=_meta(user, upload_id).get("name", ""),
    )


def _saved_mapping(user: Organiser, upload_id: str) -> ci.Mapping:
    path = _path(user, upload_id, ".map")
    if not path.exists():
        raise HTTPException(404, "Check the file again before importing it.")
    return ci.Mapping(json.loads(path.read_text()))


@router.get("/campaigns/{campaign_id}/contacts/report.csv")
def report_csv(request: Request, user: User, campaign_id: int, upload: str) -> Response:
    """Every problem row with its line, reason and cells, to fix and upload again."""
    mapping = _saved_mapping(user, upload)
    with db(request, read=True) as session:
        report = ci.validate(_read(user, upload), mapping, session, campaign_id)
    return Response(
        report.csv_text(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-problems.csv"'
        },
    )


@router.post("/campaigns/{campaign_id}/contacts/import")
def do_import(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    upload_id = field(form, "upload")
    mapping = _saved_mapping(user, upload_id)
    name = _meta(user, upload_id).get("name", "contacts file")
    with db(request) as session:
        try:
            report = ci.import_contacts(
                session,
                campaign_id,
                _read(user, upload_id),
                mapping,
                skip_invalid=True,
                source=name,
            )
        except ci.ContactsFileError as exc:
            session.rollback()
            return _page(request, user, campaign_id, "contacts.html", 409, error=str(exc))
        audit(
            session,
            user,
            "imported",
            campaign_id,
            file=name,
            rows=report.rows,
            added=report.added,
            updated=report.updated,
            skipped=report.skipped,
            mapping=mapping.as_text()[:1000],
        )
        session.commit()
    for suffix in (".csv", ".json", ".map"):
        _path(user, upload_id, suffix).unlink(missing_ok=True)
    return see_other(
        f"/campaigns/{campaign_id}/contacts?notice=imported&added={report.added}"
        f"&updated={report.updated}&skipped={report.skipped}"
    )


# --- opt-outs -------------------------------------------------------------------------


def _campaigns(request: Request) -> list[Campaign]:
    with db(request, read=True) as session:
        return list(session.scalars(select(Campaign).order_by(Campaign.id.desc())))


@router.get("/optouts", response_class=HTMLResponse)
def optouts_page(request: Request, user: User) -> HTMLResponse:
    return render(request, "optouts.html", user, nav="optouts", campaigns=_campaigns(request))


@router.post("/optouts", response_class=HTMLResponse)
async def optouts_upload(request: Request, user: User, form: Form) -> HTMLResponse:
    file = form.get("file")
    scope = field(form, "campaign")
    data = await file.read(MAX_FILE + 1) if isinstance(file, UploadFile) else b""
    return await run_in_threadpool(
        _suppress, request, user, data, scope, getattr(file, "filename", "") or "opt-out file"
    )


def _suppress(
    request: Request, user: Organiser, data: bytes, scope: str, name: str
) -> HTMLResponse:
    campaigns = _campaigns(request)
    campaign_id = int(scope) if scope.isdigit() else None
    error = report = None
    if not data:
        error = "Choose a CSV file of numbers to upload."
    elif len(data) > MAX_FILE:
        error = "The file is larger than 32 MiB; split it."
    else:
        with db(request) as session:
            try:
                report = suppress_import(session, data, campaign_id, source=name[:100])
            except ci.ContactsFileError as exc:
                error = str(exc)
            else:
                audit(
                    session,
                    user,
                    "suppressed",
                    campaign_id,
                    file=name[:100],
                    added=report.added,
                    already=report.already,
                    skipped=report.skipped,
                )
                session.commit()
    return render(
        request,
        "optouts.html",
        user,
        422 if error else 200,
        nav="optouts",
        campaigns=campaigns,
        error=error,
        report=report,
        scope=scope,
        problems=report.problems[:SHOWN_PROBLEMS] if report else [],
    )
