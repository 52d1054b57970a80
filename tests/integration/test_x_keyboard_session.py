"""A volunteer's evening by keyboard only: the real app in a real X server, the real server.

Xvfb (1366x768) and xdotool from Debian's packages (`.ci/run` installs them) stand in
for the screen and the volunteer's hands; the app runs as `python -m caller_app`, the
server as a subprocess on a fresh SQLite database. Every wait is on something seen
from outside the app: a window's title, a line in the server's or the app's log, a
row in the server's database. At the end the server's export is the truth: exactly
the calls made, each once, with the outcome whose key was pressed.

The session is a list of named steps (`step_*`), each a function of the `Session`, so
a feature that lands adds its step in a few lines: a refused password then the right
one with Enter, survey answers typed as digits, a call-back by quick choice, Skip, a
break, Ctrl+Q with an unsaved outcome ("Save this call first?"), the summary's Switch
campaign and Finish.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from caller_app.ui.outcome_bar import KEYS
from caller_server.models import Batch, BatchContact, Contact, Result, Skip
from caller_server.outcomes import DEFAULT_OUTCOMES
from tests.support.cli import cli
from tests.support.server import (
    DEFAULT_QUESTIONS,
    LiveServer,
    Seeded,
    create_schema,
    db_session,
    dispose_engine,
    seed,
    seed_campaign,
    seed_contacts,
)
from tests.support.xsession import (
    AppProcess,
    X,
    XServer,
    log_lines,
    wait_until,
    x_unavailable_reason,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(x_unavailable_reason() is not None, reason=str(x_unavailable_reason())),
]

# Generous: the CI machine is small and shared. Every wait ends as soon as its state shows.
WINDOW_S = 90.0
SERVER_S = 60.0
# After the server has answered, the app's GUI thread takes the reply a moment later;
# nothing outside the app shows that moment, so the volunteer's next key waits this long.
SETTLE_S = 1.0

SIGN_IN = "^Sign in"
PICKER = "^Choose a campaign"
SUMMARY = "^Session summary"
SAVE_FIRST = "^Save this call first"
CAMPAIGN = "Northfield by-election"
OTHER_CAMPAIGN = "Another campaign"
WRONG_PASSWORD = "not my password"
# The default outcomes in the script's order carry the keys 1-9, 0.
OUTCOME_KEY = {o.code: KEYS[i] for i, o in enumerate(DEFAULT_OUTCOMES)}
COMMENT = "Likes the buses"
SURVEY: dict[str, Any] = {"support": "yes", "issues": ["housing"], "score": "4", "comment": COMMENT}


@dataclass
class Call:
    """One call as the volunteer made it, and what the server got for it."""

    outcome: str
    answers: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    result_id: str = ""
    contact_id: int = 0
    campaign_id: int = 0
    callback_at: str = ""  # the start of the export's cell, e.g. "2026-12-03T19:00"


@dataclass
class Session:
    """Everything a step needs: the hands (x), the app, the server and what was done."""

    x: X
    app: AppProcess
    server: LiveServer
    seeded: Seeded
    other_campaign_id: int
    artifacts: Path
    calls: list[Call] = field(default_factory=list)
    main_window: str = ""
    campaign_id: int = 0  # the campaign on screen
    campaign_name: str = CAMPAIGN
    skipped: list[int] = field(default_factory=list)  # contact ids

    @property
    def username(self) -> str:
        return self.seeded.callers[0]

    def run(self, step: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Run one step; when it fails, keep a screenshot and the logs' tails with it."""
        try:
            step(self, *args, **kwargs)
        except BaseException as exc:
            shot = self.x.screenshot(self.artifacts / f"{step.__name__}.png")
            exc.add_note(f"step {step.__name__} failed; screenshot: {shot or 'none taken'}")
            exc.add_note("app output (tail):\n" + self.app.output()[-2000:])
            exc.add_note("app log (tail):\n" + self.app.log_text()[-2000:])
            exc.add_note("server log (tail):\n" + self.server.log_text()[-2000:])
            raise

    def wait(self, check: Callable[[], Any], what: str, timeout: float = SERVER_S) -> Any:
        """Poll `check` until truthy; fails at once (AppExited) should the app quit."""
        return wait_until(check, timeout, what, alive=self.app.alive)

    def window(self, title: str) -> str:
        """Wait for a window titled like `title`, give it the keyboard, return its id.

        No window manager runs on Xvfb: the test gives the focus as one would."""
        window = self.x.wait_window(title, WINDOW_S, alive=self.app.alive)
        self.x.focus(window)
        return window

    def server_logins(self, status: int) -> int:
        pattern = rf'"POST /api/v1/auth/login HTTP/1\.1" {status}\b'
        return len(log_lines(self.server.log_text(), pattern))

    def recorded_ids(self) -> list[str]:
        """Result ids the app stored, in order (its log: ids only, never names)."""
        lines = log_lines(self.app.log_text(), r"recorded result=")
        return [re.search(r"result=(\S+)", line).group(1) for line in lines]  # type: ignore[union-attr]

    def server_result(self, result_id: str) -> Result | None:
        with db_session(self.seeded.db_url) as db:
            return db.get(Result, result_id)

    def log_ids(self, pattern: str) -> list[int]:
        """The numbers captured by `pattern`'s group in the app's log, in order."""
        regex = re.compile(pattern)
        return [int(m.group(1)) for m in map(regex.search, self.app.log_text().splitlines()) if m]

    def batches(self, campaign_id: int) -> list[Batch]:
        with db_session(self.seeded.db_url) as db:
            return list(db.scalars(select(Batch).where(Batch.campaign_id == campaign_id)))

    def all_released(self, campaign_id: int) -> bool:
        batches = self.batches(campaign_id)
        return bool(batches) and all(b.released_at is not None for b in batches)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A fresh server database with two campaigns (so the picker shows), Xvfb and the
    app on its sign-in dialog; all three stopped afterwards, whatever happened."""
    db_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    create_schema(db_url)
    seeded = seed(db_url, contacts=10, callers=1)
    other = seed_campaign(db_url, name=OTHER_CAMPAIGN)
    seed_contacts(db_url, other, 5)  # for switching campaign, once that lands
    server = LiveServer(db_url)
    xserver = XServer(log_dir=tmp_path)
    app: AppProcess | None = None
    try:
        server.start()
        xserver.start()
        app = AppProcess(xserver.display, tmp_path / "app", server.url).start()
        yield Session(X(xserver.display), app, server, seeded, other, tmp_path / "screenshots")
    finally:
        if app is not None:
            app.stop()
        xserver.stop()
        server.stop()
        dispose_engine(db_url)


# --- the steps ---------------------------------------------------------------------------


def step_sign_in(s: Session, wrong_password_first: bool = False) -> None:
    """The sign-in dialog opens with the server filled in and the focus in Username:
    type it, Tab, the password, Enter. With `wrong_password_first` a wrong password
    goes first; after the server's refusal the volunteer types the right one over it
    (the dialog selects the password) and presses Enter again."""
    s.window(SIGN_IN)
    s.x.type(s.username)
    s.x.key("Tab")
    if wrong_password_first:
        s.x.type(WRONG_PASSWORD)
        s.x.key("Return")
        s.wait(lambda: s.server_logins(401) == 1, "the server to refuse the wrong password")
        time.sleep(SETTLE_S)  # the dialog takes the refusal and gives the fields back
    s.x.type(s.seeded.password)
    s.x.key("Return")
    s.wait(lambda: s.server_logins(200) == 1, "a sign-in the server accepts")
    assert s.server_logins(401) == (1 if wrong_password_first else 0)


def step_pick_campaign(s: Session, other: bool = False) -> None:
    """Two campaigns: the picker opens with the first selected; Enter opens it (Down
    first for the other one)."""
    s.window(PICKER)
    if other:
        s.x.key("Down")
    s.x.key("Return")
    s.campaign_name = OTHER_CAMPAIGN if other else CAMPAIGN
    s.campaign_id = s.other_campaign_id if other else s.seeded.campaign_id
    s.main_window = s.window(re.escape(s.campaign_name))
    assert s.x.title(s.main_window).startswith(s.campaign_name)


def step_wait_for_contacts(s: Session) -> None:
    """The app leases a batch of this campaign; the first contact shows a moment after."""
    s.wait(
        lambda: log_lines(s.app.log_text(), rf"session=\d+ started for campaign={s.campaign_id}\b"),
        "the app to open the campaign",
    )
    s.wait(lambda: s.batches(s.campaign_id), "the app to lease contacts of the campaign")
    s.wait(
        lambda: log_lines(s.app.log_text(), r"leased batch=\d+ with [1-9]\d* new contacts"),
        "the app to store the leased contacts",
    )
    time.sleep(SETTLE_S)  # the contact reaches the screen from the sync thread


def _save_and_check(s: Session, call: Call, *keys: str) -> None:
    """`keys` (Ctrl+Enter unless given) save; wait until the app stored the call and
    the server has it, once."""
    before = len(s.recorded_ids())
    s.x.key(*(keys or ("ctrl+Return",)))

    def saved() -> list[str]:
        ids = s.recorded_ids()
        return ids if len(ids) > before else []

    ids = s.wait(saved, "the app to save the call")
    assert len(ids) == before + 1, "one key press saved more than one call"
    call.result_id = ids[-1]
    row = s.wait(lambda: s.server_result(call.result_id), "the call to reach the server")
    assert row.outcome == call.outcome
    assert row.campaign_id == s.campaign_id
    call.contact_id = row.contact_id
    call.campaign_id = row.campaign_id
    s.calls.append(call)
    time.sleep(SETTLE_S)  # the next contact reaches the screen


def step_record_call(s: Session, outcome: str) -> None:
    """The simplest call: the outcome's digit, then Ctrl+Enter."""
    s.x.key(OUTCOME_KEY[outcome])
    _save_and_check(s, Call(outcome))


def step_record_call_with_survey(s: Session) -> None:
    """ "Spoke to them" (1) opens the survey with the focus on its first answer; inside
    a question digits answer it (never the outcome), Tab goes on to the next one."""
    s.x.key(OUTCOME_KEY["answered"])
    s.x.key("1")  # support: yes (the first option)
    s.x.key("Tab", "1")  # issues: housing (ticked by its number)
    s.x.key("Tab", "Tab", "Tab", "Tab")  # past buses, parks, schools, to the scale
    s.x.key("4")  # score: 4 (the scale's value)
    s.x.key("Tab")  # the free-text answer
    s.x.type(COMMENT)
    _save_and_check(s, Call("answered", answers=SURVEY))


def step_call_back_tomorrow_evening(s: Session) -> None:
    """ "Call back" by its digit shows the quick choices with the focus on the first;
    T (tomorrow evening) saves at once: two keys. The server has the time, 19:00 on
    the campaign's clock tomorrow."""
    tomorrow = (dt.datetime.now(ZoneInfo("Europe/London")) + dt.timedelta(days=1)).date()
    call = Call("call_back", callback_at=f"{tomorrow.isoformat()}T19:00")
    s.x.key(OUTCOME_KEY["call_back"])
    time.sleep(SETTLE_S)  # the picker shows its choices
    _save_and_check(s, call, "t")
    row = s.server_result(call.result_id)
    assert row is not None
    assert row.callback_at is not None


def step_skip(s: Session) -> None:
    """Ctrl+K passes on the contact without an outcome: no call is saved, the server
    puts the contact back in the pool (not leased, not done, attempts unchanged)."""
    before_calls = len(s.recorded_ids())
    before = len(s.log_ids(r"skipped contact=(\d+)"))
    s.x.key("ctrl+k")
    ids = s.wait(
        lambda: (found := s.log_ids(r"skipped contact=(\d+)"))[before:] and found,
        "the app to skip the contact",
    )
    contact_id = ids[-1]
    assert len(ids) == before + 1

    def back_in_pool() -> bool:
        with db_session(s.seeded.db_url) as db:
            skip = db.scalars(select(Skip).where(Skip.contact_id == contact_id)).first()
            contact = db.get(Contact, contact_id)
            member = db.scalars(
                select(BatchContact).where(BatchContact.contact_id == contact_id)
            ).first()
            return bool(
                skip is not None
                and skip.released
                and contact is not None
                and contact.state == "available"
                and contact.batch_id is None
                and contact.attempts == 0
                and member is not None
                and member.released_at is not None
            )

    s.wait(back_in_pool, "the server to put the skipped contact back in the pool")
    assert len(s.recorded_ids()) == before_calls, "a skip is not a call"
    s.skipped.append(contact_id)
    time.sleep(SETTLE_S)  # the next contact shows


def step_break(s: Session) -> None:
    """Ctrl+B starts a break (the break screen, Resume focused); Enter resumes with the
    same contact, whose call comes next."""
    starts = len(s.log_ids(r"break started; contact=(\d+)"))
    s.x.key("ctrl+b")
    shown = s.wait(
        lambda: s.log_ids(r"break started; contact=(\d+)")[starts:],
        "the break to start",
    )[0]
    time.sleep(SETTLE_S)
    ends = len(s.log_ids(r"break ended; contact=(\d+)"))
    s.x.key("Return")  # Resume calling
    back = s.wait(lambda: s.log_ids(r"break ended; contact=(\d+)")[ends:], "the break to end")[0]
    assert back == shown, "the same contact after the break"
    time.sleep(SETTLE_S)
    step_record_call(s, "not_home")
    assert s.calls[-1].contact_id == shown


def step_quit_with_an_unsaved_outcome(s: Session) -> None:
    """An outcome chosen, not saved, then Ctrl+Q: "Save this call first?" asks (its
    default is Keep calling, so a stray Enter drops nothing); Alt+S saves the call,
    once, and the summary follows with every other contact still held."""
    s.x.key(OUTCOME_KEY["voicemail"])
    time.sleep(SETTLE_S)
    before = len(s.recorded_ids())
    s.x.key("ctrl+q")
    s.window(SAVE_FIRST)
    assert len(s.recorded_ids()) == before, "nothing saved before the volunteer says so"
    _save_and_check(s, Call("voicemail"), "alt+s")
    s.window(SUMMARY)
    assert not s.all_released(s.campaign_id), "no contact handed back before a choice"


def step_switch_campaign(s: Session) -> None:
    """On the summary, Alt+S (Switch campaign) hands back this campaign's contacts and
    opens the campaign picker, still signed in: no second sign-in reaches the server."""
    logins = s.server_logins(200)
    left = s.campaign_id
    s.x.key("alt+s")
    s.wait(lambda: s.all_released(left), "the contacts not called to be handed back")
    step_pick_campaign(s, other=True)
    step_wait_for_contacts(s)
    assert s.server_logins(200) == logins


def step_end_session(s: Session) -> None:
    """Ctrl+Q: the summary opens with the contacts still held (Keep calling would go
    back to them); Enter is Finish: the contacts not called go back to the server and
    the app ends with exit code 0."""
    s.x.focus(s.main_window)
    s.x.key("ctrl+q")
    s.window(SUMMARY)
    time.sleep(SETTLE_S)
    assert not s.all_released(s.campaign_id), "handed back before Finish"
    s.x.key("Return")
    s.wait(lambda: s.all_released(s.campaign_id), "the contacts not called to be handed back")
    code = s.app.wait(WINDOW_S)
    assert code == 0, s.app.output()
    assert "Traceback" not in s.app.output()


def step_export_is_the_truth(s: Session) -> None:
    """The organiser's export (the `caller-server results export` command) of each
    campaign lists exactly the calls made there, each once, with the outcome pressed,
    the answers typed and the call-back time chosen; no skipped contact is in it."""
    for campaign_id in {s.seeded.campaign_id, *(c.campaign_id for c in s.calls)}:
        proc = cli(s.seeded.db_url, "results", "export", str(campaign_id))
        assert proc.returncode == 0, proc.stderr
        rows = list(csv.DictReader(io.StringIO(proc.stdout)))
        calls = [c for c in s.calls if c.campaign_id == campaign_id]
        assert sorted(r["result_id"] for r in rows) == sorted(c.result_id for c in calls)
        contacts = [int(r["contact_id"]) for r in rows]
        assert len(set(contacts)) == len(contacts), "a contact was called twice"
        assert not set(contacts) & set(s.skipped), "a skipped contact counted as a call"
        by_id = {r["result_id"]: r for r in rows}
        for call in calls:
            row = by_id[call.result_id]
            assert row["outcome"] == call.outcome
            assert int(row["contact_id"]) == call.contact_id
            assert row["notes"] == call.notes
            assert row["volunteer"] == "Alex Caller"  # the display name of callers[0]
            if call.callback_at:
                assert row["callback_at"].startswith(call.callback_at), row["callback_at"]
            else:
                assert row["callback_at"] == ""
            answers = {q["key"]: row[q["text"]] for q in DEFAULT_QUESTIONS}
            assert answers == _cells(call.answers), call.outcome


def _cells(answers: dict[str, Any]) -> dict[str, str]:
    """The export's cells for `answers`: every question, blank where unanswered."""
    out = {}
    for q in DEFAULT_QUESTIONS:
        value = answers.get(q["key"], "")
        out[q["key"]] = "; ".join(value) if isinstance(value, list) else str(value)
    return out


# --- the sessions ------------------------------------------------------------------------


def test_keyboard_only_session(session: Session) -> None:
    s = session
    s.run(step_sign_in, wrong_password_first=True)
    s.run(step_pick_campaign)
    s.run(step_wait_for_contacts)
    s.run(step_record_call, "not_home")
    s.run(step_record_call_with_survey)
    s.run(step_call_back_tomorrow_evening)
    s.run(step_skip)
    s.run(step_break)
    s.run(step_record_call, "busy")
    s.run(step_quit_with_an_unsaved_outcome)
    s.run(step_switch_campaign)
    s.run(step_record_call, "not_home")
    s.run(step_end_session)
    s.run(step_export_is_the_truth)
    assert [c.outcome for c in s.calls] == [
        "not_home", "answered", "call_back", "not_home", "busy", "voicemail", "not_home"
    ]  # fmt: skip
    assert [c.campaign_id for c in s.calls] == [s.seeded.campaign_id] * 6 + [s.other_campaign_id]


def test_enter_after_a_refused_password_signs_in(session: Session) -> None:
    s = session
    s.run(step_sign_in, wrong_password_first=True)
    s.run(step_pick_campaign)
    s.run(step_wait_for_contacts)
    s.run(step_end_session)
    s.run(step_export_is_the_truth)
