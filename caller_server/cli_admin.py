"""The organiser's commands of ``caller-server`` (cli.py holds the parser and the rest).

campaign create | list | update | pause | resume | close, contacts import, suppress
import and results export. Every change leaves an audit entry (actor NULL: the command
line) in the transaction that makes it. Output names ids, counts and line numbers,
never a contact's name or number; a ``--report`` file holds the problem rows, because
the organiser asked for that file.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from caller_server import audit
from caller_server.cli import MAX_PROBLEM_LINES, PROG, CliError, _transaction
from caller_server.contacts_import.report import ImportReport


def write_atomically(target: Path, write: Callable[[IO[str]], int], bom: bool = False) -> int:
    """Write beside the target and rename, so a failure never leaves half a file."""
    folder = target.resolve().parent
    if not folder.is_dir():
        raise CliError(f"no folder {folder} to write {target.name} into")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            count = write(out)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return count


# --- campaigns --------------------------------------------------------------------------


def cmd_campaign_create(args: argparse.Namespace, url: str) -> int:
    from caller_server.campaign_file import create_campaign, load_campaign_file

    spec = load_campaign_file(args.file)
    with _transaction(url) as session:
        campaign_id = create_campaign(session, spec)
        audit.record(session, None, "created", campaign_id, file=args.file.name)
    print(campaign_id)
    return 0


def cmd_campaign_list(args: argparse.Namespace, url: str) -> int:
    from caller_server.campaign_admin import list_campaigns

    with _transaction(url) as session:
        rows = list_campaigns(session)
    print("id\tstatus\tcontacts\tdone\tname")
    for row in rows:
        print(f"{row.id}\t{row.status}\t{row.contacts}\t{row.done}\t{row.name}")
    return 0


def cmd_campaign_update(args: argparse.Namespace, url: str) -> int:
    from caller_server.campaign_admin import update_campaign
    from caller_server.campaign_file import load_campaign_file

    spec = load_campaign_file(args.file)
    with _transaction(url) as session:
        changed = update_campaign(session, args.campaign_id, spec)
    if changed:
        print(f"updated campaign {args.campaign_id}: {', '.join(changed)}")
    else:
        print(f"campaign {args.campaign_id} is already as {args.file.name} says")
    return 0


def _status_command(status: str, done: str) -> Callable[[argparse.Namespace, str], int]:
    def command(args: argparse.Namespace, url: str) -> int:
        from caller_server.campaign_admin import set_status

        with _transaction(url) as session:
            released = set_status(session, args.campaign_id, status)
        extra = f"; {released} leased contacts released" if status == "closed" else ""
        print(f"campaign {args.campaign_id} {done}{extra}")
        return 0

    return command


cmd_campaign_pause = _status_command("paused", "paused: no new contacts are leased")
cmd_campaign_resume = _status_command("active", "resumed")
cmd_campaign_close = _status_command("closed", "closed")


# --- contacts and suppressions ----------------------------------------------------------


def _print_problems(report: ImportReport) -> None:
    for line, reason in report.problems[:MAX_PROBLEM_LINES]:
        print(f"line {line}: {reason}", file=sys.stderr)
    if len(report.problems) > MAX_PROBLEM_LINES:
        more = len(report.problems) - MAX_PROBLEM_LINES
        print(f"... and {more} more problems", file=sys.stderr)


def _write_report(report: ImportReport, target: Path | None) -> None:
    if target is not None:
        write_atomically(target, report.write_csv)
        print(f"wrote {len(report.problems)} problem rows to {target}", file=sys.stderr)


def cmd_contacts_import(args: argparse.Namespace, url: str) -> int:
    from caller_server.contacts_import import (
        Mapping,
        decode,
        import_contacts,
        read_bytes,
        read_table,
    )

    data = read_bytes(args.file)
    mapping = None
    if args.map:
        headers, _ = read_table(decode(data, args.file.name), args.file.name)
        mapping = Mapping.parse(args.map, headers)
    with _transaction(url) as session:
        report = import_contacts(
            session, args.campaign_id, data, mapping, args.skip_invalid, source=args.file.name
        )
        _print_problems(report)
        failed = bool(report.problems) and not args.skip_invalid
        if not failed:
            audit.record(
                session,
                None,
                "imported",
                args.campaign_id,
                file=args.file.name,
                added=report.added,
                updated=report.updated,
                skipped=report.skipped,
            )
    _write_report(report, args.report)
    if failed:
        print(
            f"{PROG}: error: {len(report.problems)} of {report.rows} rows have problems; "
            "nothing imported (fix them, or use --skip-invalid to import the rest)",
            file=sys.stderr,
        )
        report.added = report.updated = 0
    print(report.summary())
    return 1 if failed else 0


def cmd_suppress_import(args: argparse.Namespace, url: str) -> int:
    from caller_server.contacts_import import read_bytes
    from caller_server.suppress_import import suppress_import

    data = read_bytes(args.file)
    with _transaction(url) as session:
        report = suppress_import(session, data, args.campaign, source=args.file.name)
        _print_problems(report)
        audit.record(
            session,
            None,
            "suppressed",
            args.campaign,
            file=args.file.name,
            added=report.added,
            already=report.already,
            skipped=report.skipped,
        )
    _write_report(report, args.report)
    print(report.summary())
    return 0


# --- results ----------------------------------------------------------------------------


def cmd_results_export(args: argparse.Namespace, url: str) -> int:
    from caller_server.export import ExportOptions, reader_engine, write_csv

    options = ExportOptions(args.per_contact, args.all_versions, args.excel)
    if args.per_contact and args.all_versions:
        raise CliError("--all-versions is for the per-call export, not --per-contact")
    with _transaction(url, reader_engine) as session:
        if args.output is None:
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
            try:
                count = write_csv(session, args.campaign_id, out, options)
                out.flush()
            except BrokenPipeError:
                # The reader (say `head`) has gone: not an error worth a traceback.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                count = -1
            finally:
                out.detach()
        else:
            count = write_atomically(
                args.output, lambda out: write_csv(session, args.campaign_id, out, options)
            )
    with _transaction(url) as session:
        audit.record(
            session,
            None,
            "exported",
            args.campaign_id,
            rows=count,
            per_contact=args.per_contact,
            all_versions=args.all_versions,
        )
    if args.output is not None:
        what = "contacts" if args.per_contact else "results"
        print(f"wrote {count} {what} to {args.output}")
    return 0


HANDLERS: dict[tuple[str, str | None], Callable[[argparse.Namespace, str], int]] = {
    ("campaign", "create"): cmd_campaign_create,
    ("campaign", "list"): cmd_campaign_list,
    ("campaign", "update"): cmd_campaign_update,
    ("campaign", "pause"): cmd_campaign_pause,
    ("campaign", "resume"): cmd_campaign_resume,
    ("campaign", "close"): cmd_campaign_close,
    ("contacts", "import"): cmd_contacts_import,
    ("suppress", "import"): cmd_suppress_import,
    ("results", "export"): cmd_results_export,
}


def add_arguments(campaign, contacts_import, suppress, export, add, record_id) -> None:  # type: ignore[no-untyped-def]
    """The organiser commands' arguments, on the subparsers cli.build_parser made."""
    add(campaign, "list", "list every campaign with its status and contact counts")
    p = add(
        campaign,
        "update",
        "change a campaign's settings and script from a TOML file, "
        "in place (a new script version; the same campaign id)",
    )
    p.add_argument("campaign_id", metavar="CAMPAIGN_ID", type=record_id)
    p.add_argument("file", metavar="FILE.toml", type=Path)
    for name, text in (
        ("pause", "pause a campaign: no new contacts leased, results keep uploading"),
        ("resume", "resume a paused campaign"),
        (
            "close",
            "close a campaign: leases released, no more leases or renewals; "
            "late results still accepted and flagged",
        ),
    ):
        add(campaign, name, text).add_argument("campaign_id", metavar="CAMPAIGN_ID", type=record_id)

    contacts_import.add_argument(
        "--map",
        metavar="MAPPING",
        help="columns as HEADER=TARGET, comma-separated, over the guess from the headers, "
        'e.g. "Phone Number=phone,Mobile=phone_fallback,Elector No=external_id"; '
        "targets: first_name, last_name, phone, phone_fallback, ward, external_id, "
        "ignore, or an attribute name",
    )
    contacts_import.add_argument(
        "--report",
        metavar="FILE.csv",
        type=Path,
        help="write every problem row (line, reason, the row's cells) to this CSV file",
    )

    p = add(
        suppress,
        "import",
        "add an opt-out list (a CSV with a phone column) to the suppression list",
    )
    p.add_argument("file", metavar="FILE.csv", type=Path)
    p.add_argument(
        "--campaign",
        metavar="CAMPAIGN_ID",
        type=record_id,
        default=None,
        help="suppress for this campaign only (default: every campaign)",
    )
    p.add_argument(
        "--report", metavar="FILE.csv", type=Path, help="write every problem row to this CSV file"
    )

    export.add_argument(
        "--per-contact",
        action="store_true",
        help="one row per contact with its latest outcome, not per call",
    )
    export.add_argument(
        "--all-versions",
        action="store_true",
        help="include corrected (superseded) results, with superseded_by",
    )
    export.add_argument(
        "--excel", action="store_true", help="start with a UTF-8 BOM, so Excel reads accents right"
    )


__all__ = ["HANDLERS", "add_arguments", "write_atomically"]
