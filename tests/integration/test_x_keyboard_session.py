"""A volunteer's evening by keyboard only: the real app in a real X server, the real server.

Xvfb (1366x768) and xdotool from Debian's packages (`.ci/run` installs them) stand in
for the screen and the volunteer's hands; the app runs as `python -m caller_app`, the
server as a subprocess on a fresh SQLite database. Every wait is on something seen
from outside the app: a window's title, a line in the server's or the app's log, a
row in the server's database. At the end the server's export is the truth: exactly
the calls made, each once, with the outcome whose key was pressed.

The session is a list of named steps (`step_*`), each a function of the `Session`, so
a feature that lands adds its step in a few lines. Steps still to come with issue 12:
a call-back by quick choice, Skip, a break, Ctrl+Q with an unsaved outcome ("Save this
call first?"), switching campaign, and survey answers typed as digits.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from caller_app.ui.outcome_bar import KEYS
from caller_server.models import Batch, Result
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
    AppExited,
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


def step_pick_campaign(s: Session) -> None:
    """Two campaigns: the picker opens with the first selected; Enter opens it."""
    s.window(PICKER)
    s.x.key("Return")
    s.main_window = s.window(re.escape(CAMPAIGN))
    assert s.x.title(s.main_window).startswith(CAMPAIGN)


def step_wait_for_contacts(s: Session) -> None:
    """The app leases a batch; the first contact shows a moment after."""
    s.wait(
        lambda: log_lines(s.app.log_text(), r"leased batch=\d+ with [1-9]\d* new contacts"),
        "the app to lease contacts",
    )
    with db_session(s.seeded.db_url) as db:
        assert db.scalars(select(Batch).where(Batch.campaign_id == s.seeded.campaign_id)).all()
    time.sleep(SETTLE_S)  # the contact reaches the screen from the sync thread


def _save_and_check(s: Session, call: Call) -> None:
    """Ctrl+Enter saves; wait until the app stored it and the server has it, once."""
    before = len(s.recorded_ids())
    s.x.key("ctrl+Return")

    def saved() -> list[str]:
        ids = s.recorded_ids()
        return ids if len(ids) > before else []

    ids = s.wait(saved, "the app to save the call")
    assert len(ids) == before + 1, "one key press saved more than one call"
    call.result_id = ids[-1]
    row = s.wait(lambda: s.server_result(call.result_id), "the call to reach the server")
    assert row.outcome == call.outcome
    call.contact_id = row.contact_id
    s.calls.append(call)


def step_record_call(s: Session, outcome: str) -> None:
    """The simplest call: the outcome's digit, then Ctrl+Enter."""
    s.x.key(OUTCOME_KEY[outcome])
    _save_and_check(s, Call(outcome))


def step_record_call_with_survey(s: Session) -> None:
    """ "Spoke to them" (1) opens the survey with the focus on its first answer.

    Today's keys: Space ticks, Tab moves on, arrows move along a scale; when the key
    model of issue 12 lands (digits answer the focused question), this step types
    digits instead."""
    s.x.key(OUTCOME_KEY["answered"])
    s.x.key("space")  # support: yes (the first option)
    s.x.key("Tab", "space")  # issues: housing
    s.x.key("Tab", "Tab", "Tab", "Tab")  # past buses, parks, schools, to score: 1
    s.x.key("Right", "Right", "Right", "space")  # score: 4
    s.x.key("Tab")  # the free-text answer
    s.x.type(COMMENT)
    _save_and_check(s, Call("answered", answers=SURVEY))


def step_end_session(s: Session) -> None:
    """Ctrl+Q: the summary opens and the contacts not called go back to the server;
    Enter on "Close and quit" ends the app with exit code 0."""
    s.x.focus(s.main_window)
    s.x.key("ctrl+q")
    s.window(SUMMARY)

    def all_released() -> bool:
        with db_session(s.seeded.db_url) as db:
            batches = db.scalars(
                select(Batch).where(Batch.campaign_id == s.seeded.campaign_id)
            ).all()
            return bool(batches) and all(b.released_at is not None for b in batches)

    s.wait(all_released, "the contacts not called to be handed back")
    s.x.key("Return")
    code = s.app.wait(WINDOW_S)
    assert code == 0, s.app.output()
    assert "Traceback" not in s.app.output()


def step_export_is_the_truth(s: Session) -> None:
    """The organiser's export (the `caller-server results export` command) lists
    exactly the calls made, each once, with the outcome pressed and the answers typed."""
    proc = cli(s.seeded.db_url, "results", "export", str(s.seeded.campaign_id))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert sorted(r["result_id"] for r in rows) == sorted(c.result_id for c in s.calls)
    contacts = [int(r["contact_id"]) for r in rows]
    assert len(set(contacts)) == len(contacts), "a contact was called twice"
    by_id = {r["result_id"]: r for r in rows}
    for call in s.calls:
        row = by_id[call.result_id]
        assert row["outcome"] == call.outcome
        assert int(row["contact_id"]) == call.contact_id
        assert row["notes"] == call.notes
        assert row["volunteer"] == "Alex Caller"  # the display name of callers[0]
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
    s.run(step_sign_in)
    s.run(step_pick_campaign)
    s.run(step_wait_for_contacts)
    s.run(step_record_call, "not_home")
    s.run(step_record_call_with_survey)
    s.run(step_record_call, "busy")
    s.run(step_record_call, "voicemail")
    s.run(step_end_session)
    s.run(step_export_is_the_truth)
    assert [c.outcome for c in s.calls] == ["not_home", "answered", "busy", "voicemail"]


@pytest.mark.xfail(
    raises=AppExited,
    strict=True,
    reason="issue 12 item 1: while signing in Cancel becomes the default button, so "
    "Enter after a refused password quits the app; drop this mark (and sign in with a "
    "wrong password first in test_keyboard_only_session) when the sign-in fix lands",
)
def test_enter_after_a_refused_password_signs_in(session: Session) -> None:
    s = session
    s.run(step_sign_in, wrong_password_first=True)
    s.run(step_pick_campaign)
    s.run(step_wait_for_contacts)
    s.run(step_end_session)
    s.run(step_export_is_the_truth)
