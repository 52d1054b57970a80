"""The key model as a table: (where the focus is, key) -> what really happens.

Each row puts the focus on a real widget of the caller screen (on a real store, no
server), presses one key where a real key press would go, and compares the screen
before and after: the chosen outcome, the survey answers, the notes, the number of
dials, where the focus went, whether the shortcut sheet is open, whether the call
was saved. Whatever a row does not name must not change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import Account, Campaign, Contact, Script
from caller_app.store import Store
from caller_app.ui.caller_screen import CallerScreen
from caller_app.ui.keymap import BINDINGS, ROUTED, Action, Where, outcome_keys, resolve
from caller_app.ui.shortcut_sheet import ShortcutSheet
from caller_app.ui.viewmodels import CallerViewModel
from tests.support.e2e import focused

K = Qt.Key
M = Qt.KeyboardModifier
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")


class LocalCore(CallerCore):
    """The app's core without the sync engine: choosing a campaign opens a session."""

    def choose_campaign(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id
        self.session_id = self.store.start_session(campaign_id)


class TelHandler(QObject):
    """Stands in for the phone app (none exists on a test machine): counts dials."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@dataclasses.dataclass
class Rig:
    screen: CallerScreen
    tel: TelHandler


@pytest.fixture
def rig(qtbot, tmp_path: Path, campaign: Campaign, script: Script) -> Iterator[Rig]:
    campaign = dataclasses.replace(campaign, calling_hours="00:00-24:00")
    store = Store(tmp_path / "app.sqlite3")
    store.save_account(ACCOUNT)
    store.save_campaigns([campaign])
    store.save_script(script, None)
    people = [
        Contact(i, 1, 1, f"Ann{i}", "Example", f"+4420794601{i:02d}", "Gasworks", 1)
        for i in range(1, 4)
    ]
    store.add_batch(1, campaign.id, dt.datetime.now(dt.UTC) + dt.timedelta(hours=12), people)
    core = LocalCore(store, Credentials(), watch_network=False)
    core.choose_campaign(campaign.id)
    screen = CallerScreen(CallerViewModel(core, campaign))
    qtbot.addWidget(screen)
    screen.resize(1280, 760)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    assert screen.card.contact is not None
    assert screen.form.outcomes.buttons
    tel = TelHandler()
    QDesktopServices.setUrlHandler("tel", tel, "open")
    try:
        yield Rig(screen, tel)
    finally:
        QDesktopServices.unsetUrlHandler("tel")
        if screen.sheet is not None:
            screen.sheet.close()
        store.close()


# Where the focus is put before the key: (outcome chosen first, the widget).
TARGETS: dict[str, tuple[str | None, Callable[[CallerScreen], QWidget]]] = {
    "dial button": (None, lambda s: s.card.dial),
    "outcome button": (None, lambda s: s.form.outcomes.buttons[0]),
    "script": (None, lambda s: s.script.script_view),
    "notes": (None, lambda s: s.form.notes),
    "scale answer": ("answered", lambda s: s.form.survey.box("scale").options()[0]),
    "single answer": ("answered", lambda s: s.form.survey.box("vote").options()[0]),
    "multi answer": ("answered", lambda s: s.form.survey.box("issues").options()[0]),
    "free-text answer": ("answered", lambda s: s.form.survey.box("say").text),
    "call-back time": ("call_back", lambda s: picked_time(s)),
    "chosen outcome": ("not_home", lambda s: s.form.outcomes.buttons[1]),
}


def picked_time(screen: CallerScreen) -> QWidget:
    """The call-back picker's own time field, opened as `P` (Pick a time) opens it."""
    screen.form.callback.pick_time()
    return screen.form.callback.time


def state(rig: Rig) -> dict[str, object]:
    screen = rig.screen
    focus = QApplication.focusWidget()
    if focus is screen.form.notes:
        where = "notes"
    elif focus in screen.form.outcomes.buttons:
        where = "outcomes"
    else:
        where = "same"
    selected = screen.form.selected()
    return {
        "outcome": selected.code if selected else None,
        "answers": screen.form.survey.answers(),
        "notes": screen.form.notes.toPlainText(),
        "dials": len(rig.tel.urls),
        "focus": where,
        "sheet": screen.sheet is not None and screen.sheet.isVisible(),
        "saved": screen.card.contact is None or screen.card.contact.id != 1,
        "time": screen.form.callback.time.text(),
    }


ALT = M.AltModifier
CTRL = M.ControlModifier
NONE = M.NoModifier

# (focus target, key, modifiers, what changes). Keys typed into a text field are
# lowercase: QTest sends the key's own character.
TABLE = [
    # outcomes: bare digits outside text fields and the survey; Alt+digit anywhere
    ("dial button", K.Key_2, NONE, {"outcome": "not_home"}),
    ("outcome button", K.Key_3, NONE, {"outcome": "busy"}),
    ("script", K.Key_2, NONE, {"outcome": "not_home"}),
    ("notes", K.Key_2, NONE, {"notes": "2"}),
    ("notes", K.Key_2, ALT, {"outcome": "not_home"}),
    ("free-text answer", K.Key_4, NONE, {"answers": {"say": "4"}}),
    ("scale answer", K.Key_2, ALT, {"outcome": "not_home", "answers": {}, "focus": "outcomes"}),
    ("call-back time", K.Key_2, ALT, {"outcome": "not_home", "focus": "outcomes"}),
    ("outcome button", K.Key_9, NONE, {}),  # no ninth outcome: nothing
    # inside the survey, digits answer the focused question, never the outcome
    ("scale answer", K.Key_4, NONE, {"answers": {"scale": "4"}}),
    ("single answer", K.Key_3, NONE, {"answers": {"vote": "Undecided"}}),
    ("multi answer", K.Key_2, NONE, {"answers": {"issues": ["Health"]}}),
    ("single answer", K.Key_7, NONE, {}),  # no seventh answer: nothing
    # arrows choose the previous / next answer of a question
    ("scale answer", K.Key_Right, NONE, {"answers": {"scale": "2"}}),
    ("single answer", K.Key_Down, NONE, {"answers": {"vote": "Other"}}),
    ("multi answer", K.Key_Right, NONE, {}),  # a tick box is only focused
    # Space: the focused answer or button, never a shortcut; typed in text
    ("single answer", K.Key_Space, NONE, {"answers": {"vote": "Hartley"}}),
    ("multi answer", K.Key_Space, NONE, {"answers": {"issues": ["Buses"]}}),
    ("notes", K.Key_Space, NONE, {"notes": " "}),
    # Dial: D outside text, Alt+D anywhere, once
    ("dial button", K.Key_D, NONE, {"dials": 1}),
    ("outcome button", K.Key_D, NONE, {"dials": 1}),
    ("notes", K.Key_D, NONE, {"notes": "d"}),
    ("free-text answer", K.Key_D, NONE, {"answers": {"say": "d"}}),
    ("notes", K.Key_D, ALT, {"dials": 1}),
    ("call-back time", K.Key_D, NONE, {}),
    # to the notes and back to the outcomes
    ("outcome button", K.Key_N, NONE, {"focus": "notes"}),
    ("single answer", K.Key_N, NONE, {"focus": "notes"}),
    ("notes", K.Key_N, NONE, {"notes": "n"}),
    ("free-text answer", K.Key_N, ALT, {"focus": "notes"}),
    ("notes", K.Key_Escape, NONE, {"focus": "outcomes"}),
    ("notes", K.Key_O, ALT, {"focus": "outcomes"}),
    ("single answer", K.Key_Escape, NONE, {"focus": "outcomes"}),
    # saving
    ("chosen outcome", K.Key_Return, NONE, {"saved": True}),
    ("call-back time", K.Key_Return, NONE, {"saved": True}),
    ("notes", K.Key_Return, NONE, {"notes": "\n"}),
    ("single answer", K.Key_Return, CTRL, {"saved": True}),
    ("dial button", K.Key_Return, NONE, {}),  # no outcome yet: nothing saved
    # the shortcut sheet
    ("outcome button", K.Key_F1, NONE, {"sheet": True}),
    ("notes", K.Key_F1, NONE, {"sheet": True}),
    ("outcome button", K.Key_Question, NONE, {"sheet": True}),
    ("single answer", K.Key_Question, NONE, {"sheet": True}),
    ("dial button", K.Key_Question, M.ShiftModifier, {"sheet": True}),  # Shift+/ as typed
    ("notes", K.Key_Question, NONE, {"notes": "?"}),
    ("notes", K.Key_Question, M.ShiftModifier, {"notes": "?"}),
    ("free-text answer", K.Key_Question, NONE, {"answers": {"say": "?"}}),
]


def _id(row: tuple) -> str:
    target, key, modifiers, _ = row
    prefix = {ALT: "Alt+", CTRL: "Ctrl+", M.ShiftModifier: "Shift+"}.get(modifiers, "")
    return f"{target}-{prefix}{key.name.removeprefix('Key_')}"


@pytest.mark.parametrize(("target", "key", "modifiers", "changes"), TABLE, ids=map(_id, TABLE))
def test_key_model(qtbot, rig: Rig, target, key, modifiers, changes):
    screen = rig.screen
    first, widget_of = TARGETS[target]
    if first is not None:
        screen.form.outcomes.choose(first)
    widget = widget_of(screen)
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)
    before = state(rig)
    qtbot.keyClick(focused(), key, modifiers)
    if changes.get("sheet"):
        qtbot.waitUntil(lambda: screen.sheet is not None and screen.sheet.isVisible())
    after = state(rig)
    expected = {**before, **changes}
    if target == "call-back time" and not changes.get("saved") and modifiers == NONE:
        # a digit or letter goes to the time field (which may take it or not)
        expected["time"] = after["time"]
    if changes.get("saved"):  # the next contact: an empty form
        expected.update(outcome=None, answers={}, notes="", focus=after["focus"])
        expected["time"] = after["time"]
    if key == K.Key_Space and target != "notes":
        expected["focus"] = after["focus"]
    assert after == expected


def test_a_held_dial_key_dials_once(qtbot, rig: Rig):
    rig.screen.card.dial.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is rig.screen.card.dial)
    qtbot.keyPress(focused(), K.Key_D)
    for _ in range(3):  # the key held down: the system repeats it
        held = QKeyEvent(QEvent.Type.KeyPress, K.Key_D, NONE, "d", True)
        QApplication.sendEvent(focused(), held)
    qtbot.keyRelease(focused(), K.Key_D)
    assert len(rig.tel.urls) == 1


def test_every_routed_key_is_in_the_sheet_and_means_one_thing():
    """No key does two things in the same place, and the sheet lists every binding."""
    for where in Where:
        seen: dict[str, Action] = {}
        for binding in BINDINGS:
            if where in binding.where:
                for key in binding.keys:
                    assert key not in seen, (where, key)
                    seen[key] = binding.action
    assert resolve(Where.TEXT, "5") is None
    assert resolve(Where.SURVEY, "5") == (Action.ANSWER, 4)
    assert resolve(Where.ELSEWHERE, "0") == (Action.OUTCOME, 9)
    assert resolve(Where.TEXT, "Alt+0") == (Action.OUTCOME, 9)
    assert {b.action for b in BINDINGS} >= ROUTED


def test_shortcut_sheet_lists_the_table(qtbot):
    sheet = ShortcutSheet()
    qtbot.addWidget(sheet)
    rows = sheet.rows()
    assert len(rows) == len(BINDINGS)
    assert ("1–9, 0", "Choose an outcome", "Outside text fields and the survey") in rows
    assert ("Alt+1–9, Alt+0", "Choose an outcome", "Anywhere") in rows
    assert ("?", "Show these keys", "Outside text fields") in rows


def test_the_outcome_hint_names_the_keys_that_exist(rig: Rig, qtbot):
    screen = rig.screen
    assert len(screen.form.outcomes.buttons) == 5
    assert screen.form.hint.text() == "Choose an outcome (keys 1–5), then Ctrl+Enter"
    assert "9" not in screen.form.hint.text()
    screen.card.dial.setFocus()
    qtbot.keyClick(screen.card.dial, K.Key_Return, CTRL)  # nothing chosen yet
    assert screen.message.text() == "Choose an outcome first (keys 1–5)."
    assert outcome_keys(1) == "key 1"
    assert outcome_keys(6) == "keys 1–6"
    assert outcome_keys(10) == "keys 1–9, 0"


def test_the_sheet_opens_once_and_closes_with_escape(qtbot, rig: Rig):
    screen = rig.screen
    screen.card.dial.setFocus()
    qtbot.keyClick(focused(), K.Key_F1)
    qtbot.waitUntil(lambda: screen.sheet is not None and screen.sheet.isVisible())
    sheet = screen.sheet
    qtbot.waitUntil(sheet.isActiveWindow)  # a window of its own, on top
    qtbot.keyClick(focused(), K.Key_Question)  # in the sheet: no second sheet
    assert screen.sheet is sheet
    assert screen.findChildren(ShortcutSheet) == [sheet]
    qtbot.keyClick(focused(), K.Key_Escape)
    assert not sheet.isVisible()
    assert screen.card.contact is not None


def _differing_pixels(a: QImage, b: QImage) -> int:
    assert a.size() == b.size()
    return sum(a.pixel(x, y) != b.pixel(x, y) for y in range(a.height()) for x in range(a.width()))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("outcome", ["answered", "call_back"])
def test_every_focusable_widget_shows_a_focus_ring(qtbot, qapp, rig: Rig, theme, outcome):
    """Focused vs not focused, the same widget must look clearly different: at least a
    ring's worth of pixels (half its outline), so a text cursor alone does not count."""
    from caller_app.ui.theme import apply_theme

    screen = rig.screen
    apply_theme(qapp, theme)
    try:
        screen.form.outcomes.choose(outcome)
        widgets = [w for w in screen.focus_order() if w.isVisible() and w.isEnabled()]
        assert screen.form.outcomes.buttons[0] in widgets
        assert any(w.property("surveyOption") for w in widgets)
        quick = screen.form.callback.focus_order()[0]
        assert (quick in widgets) is (outcome == "call_back")
        elsewhere = screen.form.outcomes.buttons[-1]
        faint = []
        for widget in widgets:
            away = screen.form.outcomes.buttons[0] if widget is elsewhere else elsewhere
            away.setFocus()
            qtbot.waitUntil(lambda away=away: QApplication.focusWidget() is away)
            plain = widget.grab().toImage()
            widget.setFocus()
            qtbot.waitUntil(lambda widget=widget: QApplication.focusWidget() is widget)
            ringed = widget.grab().toImage()
            if _differing_pixels(plain, ringed) < widget.width() + widget.height():
                faint.append(f"{type(widget).__name__} {widget.accessibleName() or widget.text()}")
        assert faint == [], "\n".join(faint)
    finally:
        qapp.setStyleSheet("")


def test_the_readme_lists_every_key_of_the_table():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Keyboard", 1)[1].split("\n## ", 1)[0]
    shown = {"Left": "←", "Up": "↑", "Right": "→", "Down": "↓", "Return": "Enter"}
    for binding in BINDINGS:
        key = binding.keys[0].replace("Return", "Enter")
        assert f"`{shown.get(key, key)}`" in section, binding
