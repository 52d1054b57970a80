"""The whole evening by keyboard only, against the real server (in this process).

Sign in, pick a campaign, record 20 outcomes of different kinds (a survey answer,
a call-back by quick choice, a note), undo one, end the session; then the organiser's export holds
exactly those results.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QRadioButton

from caller_app.ui.outcome_bar import KEYS
from tests.support.e2e import export_rows, press, type_text
from tests.support.server import DEFAULT_QUESTIONS, seed, seed_campaign

K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
DIGIT_KEYS = {d: getattr(K, f"Key_{d}") for d in KEYS}

# 20 calls: (outcome, extra). "survey" answers every question, "note" types a note,
# "enter" saves with plain Enter instead of Ctrl+Enter.
PLAN = [
    ("answered", "survey"),
    ("not_home", ""),
    ("busy", "enter"),
    ("voicemail", ""),
    ("call_back", ""),
    ("not_home", "note"),
    ("wrong_number", ""),
    ("refused", ""),
    ("answered", ""),
    ("busy", ""),
    ("not_home", "enter"),
    ("do_not_call", ""),
    ("voicemail", ""),
    ("moved", ""),
    ("not_home", ""),
    ("busy", ""),
    ("answered", "note"),
    ("deceased", ""),
    ("not_home", ""),
    ("busy", ""),
]
SURVEY = {
    "support": "yes",
    "issues": ["housing"],
    "score": "4",
    "comment": "Likes the new bus plan",
}
NOTE = "Asked for a leaflet"


def test_whole_flow_by_keyboard(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=30, callers=1)
    seed_campaign(server.db_url, name="Another campaign")  # so the picker shows
    launcher = make_launcher(tmp_path / "app", server.url)
    launcher.start()
    dialog = launcher.sign_in_dialog
    assert dialog is not None
    assert dialog.server.text() == server.url
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username)

    # sign in: username, Tab, password, Enter
    type_text(qtbot, seeded.callers[0])
    press(qtbot, K.Key_Tab)
    assert QApplication.focusWidget() is dialog.password
    type_text(qtbot, seeded.password)
    press(qtbot, K.Key_Return)

    # pick the campaign: the first is selected; Enter opens it
    qtbot.waitUntil(
        lambda: launcher.picker is not None and launcher.picker.isVisible(), timeout=15000
    )
    picker = launcher.picker
    assert picker.selected().id == seeded.campaign_id
    qtbot.waitUntil(lambda: QApplication.focusWidget() is picker.list)
    press(qtbot, K.Key_Return)
    qtbot.waitUntil(lambda: launcher.window is not None)
    window = launcher.window
    screen, model = window.screen_, launcher.model
    qtbot.waitUntil(
        lambda: (
            screen.card.contact is not None
            and model.script is not None
            and bool(screen.form.outcomes.buttons)
        ),
        timeout=15000,
    )
    codes = [o.code for o in model.script.outcomes]

    def key_for(code: str) -> K:
        return DIGIT_KEYS[KEYS[codes.index(code)]]

    expected: dict[int, dict] = {}
    for step, (code, extra) in enumerate(PLAN):
        qtbot.waitUntil(lambda: screen.card.contact is not None, timeout=15000)
        contact = screen.card.contact
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
        press(qtbot, key_for(code))
        assert screen.form.selected().code == code
        row = {"outcome": code, "answers": {}, "notes": "", "callback": False}
        if extra == "survey":
            answer_survey_by_keyboard(qtbot)
            row["answers"] = SURVEY
        if code == "call_back":
            assert QApplication.focusWidget() in screen.form.callback.buttons.values()
            row["callback"] = True
            press(qtbot, K.Key_T)  # the quick choice "tomorrow evening" saves: two keys
        elif extra == "note":
            screen.form.notes.setFocus()
            type_text(qtbot, NOTE)
            row["notes"] = NOTE
            press(qtbot, K.Key_Return)  # a new line in the note, not a save
            assert screen.card.contact == contact
            press(qtbot, K.Key_Return, CTRL)
        elif extra == "enter":
            press(qtbot, K.Key_Return)
        else:
            press(qtbot, K.Key_Return, CTRL)
        assert screen.card.contact != contact, f"step {step}: no next contact"
        expected[contact.id] = row

        if step == 2:  # undo "busy": the same contact comes back; record it again
            press(qtbot, K.Key_Z, CTRL)
            assert screen.card.contact == contact
            press(qtbot, key_for("voicemail"))
            press(qtbot, K.Key_Return, CTRL)
            expected[contact.id] = {
                "outcome": "voicemail",
                "answers": {},
                "notes": "",
                "callback": False,
            }

    assert len(expected) == 20
    assert screen.progress.calls.text() == "20"

    # end the session: Ctrl+Q, the summary (before any hand-back), Enter finishes
    with qtbot.waitSignal(launcher.finished, timeout=30000):
        press(qtbot, K.Key_Q, CTRL)
        qtbot.waitUntil(lambda: window.summary is not None and window.summary.isVisible())
        summary = window.summary
        qtbot.waitUntil(lambda: summary.waiting.text() == "0", timeout=20000)
        assert summary.calls.text() == "20"
        qtbot.waitUntil(lambda: QApplication.focusWidget() is summary.finish_button)
        press(qtbot, K.Key_Return)
    launcher.close()

    # the server's export holds exactly those results
    local = launcher.core.store.results()
    superseded = {r.supersedes for r in local if r.supersedes}
    rows = export_rows(server.url, seeded.organiser, seeded.password, seeded.campaign_id)
    # the export lists the current result of each call: a corrected call once
    assert {r["result_id"] for r in rows} == {r.id for r in local} - superseded
    final = {int(r["contact_id"]): r for r in rows if r["result_id"] not in superseded}
    assert set(final) == set(expected)
    for contact_id, want in expected.items():
        got = final[contact_id]
        assert got["outcome"] == want["outcome"], contact_id
        # One column per question, headed by its text; a multi answer joined with "; ".
        answers = {q["key"]: got[q["text"]] for q in DEFAULT_QUESTIONS}
        assert answers == _cells(want["answers"]), contact_id
        assert got["notes"] == want["notes"]
        assert bool(got["callback_at"]) == want["callback"]
        assert got["volunteer"] == "Alex Caller"  # the display name of callers[0]


def _cells(answers: dict) -> dict[str, str]:
    """The export's cells for `answers`: every question, blank where unanswered."""
    out = {}
    for q in DEFAULT_QUESTIONS:
        value = answers.get(q["key"], "")
        out[q["key"]] = "; ".join(value) if isinstance(value, list) else str(value)
    return out


def answer_survey_by_keyboard(qtbot) -> None:
    """Focus is on the first option of the first question after choosing "reached"."""
    assert isinstance(QApplication.focusWidget(), QRadioButton)
    assert QApplication.focusWidget().text() == "yes"
    press(qtbot, K.Key_Space)  # support: yes
    press(qtbot, K.Key_Tab)  # -> issues: housing
    press(qtbot, K.Key_Space)
    for _ in range(4):  # past buses, parks, schools -> score: 1
        press(qtbot, K.Key_Tab)
    assert QApplication.focusWidget().text() == "1"
    for _ in range(3):
        press(qtbot, K.Key_Right)
    press(qtbot, K.Key_Space)  # score: 4
    press(qtbot, K.Key_Tab)
    assert isinstance(QApplication.focusWidget(), QLineEdit)
    type_text(qtbot, SURVEY["comment"])
