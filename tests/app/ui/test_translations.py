"""Every sentence on screen can be translated, and a translation file really changes it.

Two halves. The sources: Qt's own extractor (pyside6-lupdate) finds the app's sentences,
and every `tr()` / `translate()` / `QT_TRANSLATE_NOOP()` call has literal text, which
is what lupdate needs and what a translator needs (the whole sentence, placeholders
filled in after translation). The effect: a small Welsh file, compiled with
pyside6-lrelease and dropped into the data folder's `translations`, changes the words
of the real sign-in dialog, caller screen, key sheet and failure sentences; without it
the app speaks English.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from PySide6.QtCore import QCoreApplication, QLibraryInfo, Qt
from PySide6.QtWidgets import QDialogButtonBox

from caller_app import paths
from caller_app.__main__ import parse_args
from caller_app.api.errors import Offline, ProtocolError
from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import Account, Campaign, Contact, Script
from caller_app.store import Store
from caller_app.ui.caller_screen import CallerScreen
from caller_app.ui.shortcut_sheet import ShortcutSheet
from caller_app.ui.signin_dialog import SignInDialog
from caller_app.ui.translations import (
    install_translations,
    remove_translations,
    short_date,
    user_folder,
    weekday_name,
)
from caller_app.ui.viewmodels import CallerViewModel, SignInModel, error_sentence

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "caller_app"
BIN = Path(sys.executable).parent
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")

# Whole-sentence translations the app must pick up: (context, English, Welsh).
WELSH = [
    ("SignInDialog", "Sign in · Phone bank", "Mewngofnodi · Banc ffôn"),
    ("SignInDialog", "Sign in", "Mewngofnodi"),
    ("QPlatformTheme", "Cancel", "Canslo"),
    ("CallerScreen", "Choose an outcome first ({keys}).", "Dewiswch ganlyniad yn gyntaf ({keys})."),
    ("Keyboard", "keys 1–{last}", "bysellau 1–{last}"),
    ("Keyboard", "Dial the number", "Deialu'r rhif"),
    (
        "Errors",
        "Can't reach the phone bank server. Check your internet connection.",
        "Methu cyrraedd gweinydd y banc ffôn. Gwiriwch eich cysylltiad â'r rhyngrwyd.",
    ),
    (
        "Errors",
        "The server sent an unexpected reply ({what}). We'll keep trying.",
        "Anfonodd y gweinydd ateb annisgwyl ({what}). Byddwn yn dal ati i geisio.",
    ),
    ("Days", "Friday", "Dydd Gwener"),
    ("Days", "Fri", "Gwe"),
    ("Months", "Dec", "Rhag"),
]


def _tool(name: str) -> str | None:
    """A PySide6 tool next to this Python (the venv), else on PATH."""
    for candidate in (BIN / name, BIN / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


# --- the sources ---------------------------------------------------------------------


def _calls(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("tr", "translate", "QT_TRANSLATE_NOOP"):
                yield name, node


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


# The one function allowed a variable: it translates what QT_TRANSLATE_NOOP marked.
VARIABLE_TEXT_ALLOWED = {("caller_app/ui/translations.py", "translate_marked")}


def test_every_translation_call_has_literal_text() -> None:
    """lupdate extracts only literals: `tr(f"...")`, `tr(text)` or `tr("a" + b)` would
    leave the sentence out of the translators' file (and an f-string would never match
    a translation at run time)."""
    bad = []
    for path in sorted(SOURCES.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {
            id(call)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and (rel, fn.name) in VARIABLE_TEXT_ALLOWED
            for _, call in _calls(fn)
        }
        for name, call in _calls(tree):
            if id(call) in allowed:
                continue
            # tr(text, ...); translate(context, text, ...); QT_TRANSLATE_NOOP(context, text)
            literal = call.args[:1] if name == "tr" else call.args[:2]
            wanted = 1 if name == "tr" else 2
            if len(literal) < wanted or not all(_is_text(a) for a in literal):
                bad.append(f"{rel}:{call.lineno}: {ast.unparse(call)[:80]}")
    assert bad == []


def test_the_extractor_finds_the_apps_sentences(tmp_path: Path) -> None:
    lupdate = _tool("pyside6-lupdate")
    if lupdate is None:
        pytest.skip("pyside6-lupdate is not installed")
    out = tmp_path / "caller-app.ts"
    files = sorted(str(p) for p in SOURCES.rglob("*.py"))
    subprocess.run([lupdate, *files, "-ts", str(out)], check=True, capture_output=True)
    root = ET.parse(out).getroot()
    found = {
        (ctx.findtext("name"), msg.findtext("source"))
        for ctx in root.iter("context")
        for msg in ctx.iter("message")
    }
    assert len(found) > 350  # 419 when this was written: a floor, not an exact count
    for context, english, _ in WELSH:  # each kind of call site, including marked ones
        assert (context, english) in found
    assert ("Errors", "The server refused the request.") in found  # the API's sentences
    assert (
        "OutOfContacts",
        "No more contacts for now: everyone on the list has been called. Thank you!",
    ) in found
    assert ("SyncStatus", "Online · all results uploaded") in found


# --- the effect ----------------------------------------------------------------------


def _ts_file(rows: list[tuple[str, str, str]], language: str = "cy_GB") -> str:
    contexts: dict[str, list[str]] = {}
    for context, english, welsh in rows:
        contexts.setdefault(context, []).append(
            f"<message><source>{escape(english)}</source>"
            f"<translation>{escape(welsh)}</translation></message>"
        )
    body = "".join(
        f"<context><name>{escape(name)}</name>{''.join(messages)}</context>"
        for name, messages in contexts.items()
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
        f'<TS version="2.1" language="{language}">{body}</TS>\n'
    )


@pytest.fixture
def welsh_file(tmp_path: Path) -> Path:
    """caller-app_cy.qm, compiled from a tiny Welsh .ts, in the data folder's translations."""
    lrelease = _tool("pyside6-lrelease")
    if lrelease is None:
        pytest.skip("pyside6-lrelease is not installed")
    ts = tmp_path / "caller-app_cy.ts"
    ts.write_text(_ts_file(WELSH), encoding="utf-8")
    folder = paths.data_dir() / "translations"  # the conftest's throwaway data folder
    folder.mkdir(parents=True, exist_ok=True)
    qm = folder / "caller-app_cy.qm"
    subprocess.run([lrelease, str(ts), "-qm", str(qm)], check=True, capture_output=True)
    assert qm.stat().st_size > 0
    return qm


@pytest.fixture
def welsh(welsh_file: Path, qapp) -> Iterator[None]:
    installed = install_translations("cy")
    try:
        yield
    finally:
        remove_translations(installed)


class LocalCore(CallerCore):
    """The app's core without the sync engine: choosing a campaign opens a session."""

    def choose_campaign(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id
        self.session_id = self.store.start_session(campaign_id)


@pytest.fixture
def screen(qtbot, tmp_path: Path, campaign: Campaign, script: Script) -> Iterator[CallerScreen]:
    campaign = dataclasses.replace(campaign, calling_hours="00:00-24:00")
    store = Store(tmp_path / "app.sqlite3")
    store.save_account(ACCOUNT)
    store.save_campaigns([campaign])
    store.save_script(script, None)
    person = Contact(1, 1, 1, "Ann", "Example", "+442079460101", "Gasworks", 1)
    store.add_batch(1, campaign.id, dt.datetime.now(dt.UTC) + dt.timedelta(hours=12), [person])
    core = LocalCore(store, Credentials(), watch_network=False)
    core.choose_campaign(campaign.id)
    caller = CallerScreen(CallerViewModel(core, campaign))
    qtbot.addWidget(caller)
    caller.show()
    assert caller.card.contact is not None
    try:
        yield caller
    finally:
        if caller.sheet is not None:
            caller.sheet.close()
        store.close()


def _sign_in_dialog(qtbot) -> SignInDialog:
    dialog = SignInDialog(SignInModel(lambda *_: None), "https://phonebank.example.org", "sam")
    qtbot.addWidget(dialog)
    return dialog


def _cancel_text(dialog: SignInDialog) -> str:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert button is not None
    return button.text()


def test_a_welsh_file_in_the_data_folder_turns_the_sign_in_dialog_welsh(qtbot, welsh) -> None:
    dialog = _sign_in_dialog(qtbot)
    assert dialog.windowTitle() == "Mewngofnodi · Banc ffôn"
    assert dialog.sign_in_button.text() == "Mewngofnodi"
    assert _cancel_text(dialog) == "Canslo"  # Qt's own button, from our file


def test_a_welsh_caller_screen_asks_for_an_outcome_in_welsh(qtbot, welsh, screen) -> None:
    qtbot.keyClick(screen.card.dial, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert screen.message.text() == "Dewiswch ganlyniad yn gyntaf (bysellau 1–5)."


def test_the_key_sheet_and_failures_and_dates_in_welsh(qtbot, welsh) -> None:
    sheet = ShortcutSheet()
    qtbot.addWidget(sheet)
    assert any(does == "Deialu'r rhif" for _, does, _ in sheet.rows())
    assert error_sentence(Offline()) == (
        "Methu cyrraedd gweinydd y banc ffôn. Gwiriwch eich cysylltiad â'r rhyngrwyd."
    )
    # Looked up by the sentence before its placeholder is filled, then filled.
    failure = ProtocolError(
        "The server sent an unexpected reply ({what}). We'll keep trying.",
        params={"what": "missing id"},
    )
    assert str(failure) == "The server sent an unexpected reply (missing id). We'll keep trying."
    assert error_sentence(failure) == (
        "Anfonodd y gweinydd ateb annisgwyl (missing id). Byddwn yn dal ati i geisio."
    )
    friday = dt.date(2026, 12, 4)
    assert weekday_name(friday) == "Dydd Gwener"
    assert short_date(friday) == "Gwe 4 Rhag"


def test_without_a_file_the_app_speaks_english(qtbot, qapp, screen, tmp_path: Path) -> None:
    empty = tmp_path / "shipped"
    empty.mkdir()
    # Asked for Welsh, with no file in the data folder nor among the shipped ones.
    installed = install_translations("cy", [("data folder", user_folder()), ("app", empty)])
    try:
        assert installed == []
        dialog = _sign_in_dialog(qtbot)
        assert dialog.windowTitle() == "Sign in · Phone bank"
        assert dialog.sign_in_button.text() == "Sign in"
        assert _cancel_text(dialog) == "Cancel"
        qtbot.keyClick(screen.card.dial, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert screen.message.text() == "Choose an outcome first (keys 1–5)."
        assert error_sentence(Offline()) == (
            "Can't reach the phone bank server. Check your internet connection."
        )
        assert short_date(dt.date(2026, 12, 4)) == "Fri 4 Dec"
    finally:
        remove_translations(installed)


def test_the_data_folder_file_wins_over_the_bundled_one(
    qapp, welsh_file: Path, tmp_path: Path
) -> None:
    """An organiser's file replaces the one shipped with the app (no rebuild needed)."""
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    lrelease = _tool("pyside6-lrelease")
    assert lrelease is not None
    ts = tmp_path / "old.ts"
    ts.write_text(_ts_file([("SignInDialog", "Sign in", "Hen air")]), encoding="utf-8")
    subprocess.run(
        [lrelease, str(ts), "-qm", str(bundled / "caller-app_cy.qm")],
        check=True,
        capture_output=True,
    )
    folders = [("data folder", welsh_file.parent), ("app", bundled)]
    installed = install_translations("cy_GB", folders)  # cy_GB falls back to cy
    try:
        assert [Path(t.filePath()) for t in installed] == [welsh_file]
        assert QCoreApplication.translate("SignInDialog", "Sign in") == "Mewngofnodi"
    finally:
        remove_translations(installed)
    installed = install_translations("cy", [("app", bundled)])
    try:
        assert QCoreApplication.translate("SignInDialog", "Sign in") == "Hen air"
    finally:
        remove_translations(installed)


def test_the_language_option() -> None:
    assert parse_args(["--lang", "cy"]).lang == "cy"
    assert parse_args([]).lang is None  # the computer's language


def test_qts_own_translation_comes_with_ours(qtbot, qapp, tmp_path: Path) -> None:
    """German: Qt's qtbase_de.qm names the buttons ours leaves out; ours wins where both do."""
    qt_folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    lrelease = _tool("pyside6-lrelease")
    if lrelease is None or not (qt_folder / "qtbase_de.qm").exists():
        pytest.skip("needs pyside6-lrelease and Qt's qtbase_de.qm")
    folder = tmp_path / "de"
    folder.mkdir()
    ts = tmp_path / "de.ts"
    ts.write_text(
        _ts_file([("SignInDialog", "Sign in", "Anmelden"), ("QPlatformTheme", "OK", "Gut")], "de"),
        encoding="utf-8",
    )
    subprocess.run(
        [lrelease, str(ts), "-qm", str(folder / "caller-app_de.qm")],
        check=True,
        capture_output=True,
    )
    installed = install_translations("de", [("app", folder)])
    try:
        assert [Path(t.filePath()).name for t in installed] == ["qtbase_de.qm", "caller-app_de.qm"]
        assert _cancel_text(_sign_in_dialog(qtbot)) == "Abbrechen"  # Qt's word
        assert QCoreApplication.translate("QPlatformTheme", "OK") == "Gut"  # ours wins
    finally:
        remove_translations(installed)
