"""From start-up to the caller screen: practice server or sign-in, campaign, window.

Every step that talks to the network runs on the core's task thread (`CallerCore.
begin_sign_in`, `begin_fetch_campaigns`, `submit`); the results come back here, on the
GUI thread, which shows a dialog or a "starting" note meanwhile and never waits.
`close()` stops the core, which aborts and waits for those jobs and the sync thread.
The core is built by the caller (`caller_app.app.build_core`), not here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from caller_app.api.errors import ApiError
from caller_app.app import CallerCore
from caller_app.domain.models import Campaign
from caller_app.ui.campaign_picker import CampaignPicker, offered_campaigns
from caller_app.ui.main_window import MainWindow
from caller_app.ui.signin_dialog import SignInDialog
from caller_app.ui.splash import Splash
from caller_app.ui.text_size import apply_scale, saved_scale
from caller_app.ui.viewmodels import CallerViewModel, SignInModel, error_sentence

log = logging.getLogger(__name__)

SETTINGS_FILE = "ui-settings.ini"


def ui_settings(data_dir: Path) -> QSettings:
    """Window size and splitters, in the data folder (so `--data-dir` isolates them too)."""
    return QSettings(str(data_dir / SETTINGS_FILE), QSettings.Format.IniFormat)


class Launcher(QObject):
    finished = Signal(int)  # the exit code
    window_shown = Signal(object)  # MainWindow; for tests and benchmarks

    def __init__(
        self,
        data_dir: Path,
        server_url: str | None = None,
        *,
        core: CallerCore,
        demo: bool = False,
        exit_after_first_contact: bool = False,
        splash: Splash | None = None,
        invite: str = "",
    ) -> None:
        super().__init__()
        self.invite = invite  # an invite link from the command line (issue 14)
        self._invited_campaign: int | None = None  # the campaign an accepted invite names
        self.data_dir = data_dir
        self.server_url = server_url
        self.demo = demo
        self.exit_after_first_contact = exit_after_first_contact
        self.core = core
        self.settings = ui_settings(data_dir)
        apply_scale(saved_scale(self.settings))  # the volunteer's text size, from the start
        self.practice: Any = None
        self.sign_in_dialog: SignInDialog | None = None
        self.picker: CampaignPicker | None = None
        self.window: MainWindow | None = None
        self.model: CallerViewModel | None = None
        self.started = time.monotonic()
        self._switching = False  # the picker shows even for one campaign
        self.splash = splash or Splash()

    # --- start ---
    def start(self) -> None:
        if self.demo:
            self.splash.setText(self.tr("Starting practice mode with a demo campaign…"))
            self.splash.show()
            self.core.submit(self._start_practice, self._on_practice, self._on_fatal)
            return
        account = self.core.resume()
        if self.invite:
            self.ask_sign_in()
            return
        if account is not None and (
            not self.server_url or self.server_url.rstrip("/") == account.server_url
        ):
            self.splash.setText(self.tr("Signing you back in…"))
            self.splash.show()
            self.core.begin_fetch_campaigns(self._on_campaigns, self._on_resume_error)
            return
        self.ask_sign_in()

    def _start_practice(self) -> Any:
        """Task thread: start the built-in server. It is kept at once, so that `close()`
        (which waits for this job) stops it even when the result is never delivered."""
        from caller_app.practice import PracticeServer

        self.practice = PracticeServer().start()
        return self.practice

    @Slot(object)
    def _on_practice(self, practice: Any) -> None:
        """Signed in with the token the practice server minted (no password hashed)."""

        def signed_in(_: object) -> None:
            self.core.begin_fetch_campaigns(self._on_campaigns, self._on_fatal)

        self.core.begin_token_sign_in(
            practice.account, practice.token, True, signed_in, self._on_fatal
        )

    def ask_sign_in(self, message: str = "") -> None:
        url = self.server_url or self.core.last_server_url() or ""
        model = SignInModel(self._sign_in, self.core.credentials.persistent, self._join)
        dialog = SignInDialog(model, url, self.core.last_username() or "", invite=self.invite)
        if message:
            dialog.error.setText(message)
            dialog.error.show()
        self.sign_in_dialog = dialog
        self.splash.hide()
        if self.window is None:
            dialog.rejected.connect(lambda: self.finished.emit(0))
            model.succeeded.connect(self._on_campaigns)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _sign_in(
        self,
        url: str,
        username: str,
        password: str,
        remember: bool,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Sign in, then (before the caller screen is up) fetch the campaigns."""

        def signed_in(_: object) -> None:
            if self.window is not None:  # signed in again mid-session: keep calling
                on_done([])
            else:
                self.core.begin_fetch_campaigns(on_done, on_error)

        self.core.begin_sign_in(url, username, password, remember, signed_in, on_error)

    def _join(
        self,
        url: str,
        code: str,
        details: tuple[str, str, str, bool],
        remember: bool,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Accept an invite, then fetch the campaigns and open the invite's one."""

        def joined(reply: tuple[object, int]) -> None:
            self._invited_campaign = reply[1]
            if self.window is not None:
                on_done([])
            else:
                self.core.begin_fetch_campaigns(on_done, on_error)

        self.core.begin_join(url, code, details, remember, joined, on_error)

    def handle_invite(self, text: str) -> None:
        """An invite forwarded by a second launch (single_instance): offer to join with
        it, unless a calling session is under way (then just come to the front)."""
        if self.window is not None:
            self.window.raise_()
            self.window.activateWindow()
            return
        self.invite = text
        if self.sign_in_dialog is not None and self.sign_in_dialog.isVisible():
            self.sign_in_dialog.open_invite(text)
            return
        if self.picker is None:
            self.ask_sign_in()

    @Slot(object)
    def _on_fatal(self, exc: BaseException) -> None:
        """Practice mode could not start: say why and quit."""
        self.splash.hide()
        QMessageBox.critical(
            None,
            self.tr("Practice mode"),
            self.tr("Practice mode could not start: {reason}").format(reason=error_sentence(exc)),
        )
        self.finished.emit(1)

    # --- campaign, then the caller screen ---
    @Slot(object)
    def _on_resume_error(self, exc: BaseException) -> None:
        from caller_app.api.errors import SignedOut

        if isinstance(exc, SignedOut):
            self.ask_sign_in(error_sentence(exc))
            return
        cached = self.core.campaigns()
        if isinstance(exc, ApiError) and cached:
            log.info("offline at start; using %d cached campaigns", len(cached))
            self._on_campaigns(cached)
        else:
            self.ask_sign_in(error_sentence(exc))

    @Slot(object)
    def _on_campaigns(self, campaigns: list[Campaign]) -> None:
        self.splash.hide()
        campaigns = offered_campaigns(campaigns)  # a closed campaign is never offered
        if not campaigns:
            QMessageBox.information(
                None,
                self.tr("No campaigns"),
                self.tr(
                    "There are no active campaigns to call for right now. "
                    "Please check with your organiser."
                ),
            )
            self.finished.emit(0)
            return
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.hide()
        invited = [c for c in campaigns if c.id == self._invited_campaign and c.can_start]
        if invited and not self._switching:
            self._invited_campaign = None
            self.open_caller_screen(invited[0])
            return
        if len(campaigns) == 1 and campaigns[0].can_start and not self._switching:
            self.open_caller_screen(campaigns[0])
            return
        picker = CampaignPicker(campaigns)
        self.picker = picker

        def picked() -> None:
            self._switching = False
            campaign = picker.selected()
            if campaign is not None:
                self.open_caller_screen(campaign)

        picker.accepted.connect(picked)
        picker.rejected.connect(lambda: self.finished.emit(0))
        picker.show()
        picker.raise_()
        picker.activateWindow()

    def open_caller_screen(self, campaign: Campaign) -> None:
        try:
            self.core.choose_campaign(campaign.id)
        except ApiError as exc:  # signed out meanwhile
            self.ask_sign_in(error_sentence(exc))
            return
        self.model = CallerViewModel(self.core, campaign)
        self.model.practice = self.demo  # the banner on the caller screen
        self.window = MainWindow(self.model, self.settings)
        self.window.session_ended.connect(lambda: self.finished.emit(0))
        self.window.switch_requested.connect(self._switch_campaign)
        self.model.signed_out.connect(self._on_signed_out)
        self.model.refresh()
        if self.exit_after_first_contact:
            self.model.contact_changed.connect(self._first_contact)
            if self.model.contact is not None:
                self._first_contact(self.model.contact)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        self.window_shown.emit(self.window)

    @Slot()
    def _switch_campaign(self) -> None:
        """The summary's "Switch campaign": this campaign's contacts are back; stop its
        sync (the thread joins), close its window and offer the campaigns again. The
        sign-in and its token stay: choosing one opens its screen without a password."""
        window, model = self.window, self.model
        self.window = self.model = None
        self._switching = True
        self.splash.setText(self.tr("Fetching the campaigns…"))
        self.splash.show()  # first, so that closing the window never leaves none open
        if model is not None:
            model.leave_campaign()
            model.deleteLater()  # drops any connection to the core it still had
        if window is not None:
            window.close()
            window.deleteLater()
        self.core.begin_fetch_campaigns(self._on_campaigns, self._on_resume_error)

    @Slot(object)
    def _first_contact(self, contact: object) -> None:
        if contact is not None and self.exit_after_first_contact:
            self.exit_after_first_contact = False
            log.info("first contact after %.3f s", time.monotonic() - self.started)
            print(f"first-contact-s {time.monotonic() - self.started:.3f}", flush=True)
            if self.model is not None:
                self.model.shutdown()
            self.finished.emit(0)

    @Slot()
    def _on_signed_out(self) -> None:
        """The server refused our token mid-session: keep calling, ask to sign in again."""
        if self.sign_in_dialog is not None and self.sign_in_dialog.isVisible():
            return
        self.ask_sign_in(
            self.tr(
                "You have been signed out. Sign in again to upload your "
                "results; you can keep calling meanwhile."
            )
        )

    def close(self) -> None:
        """At exit: stop the core (its task thread and sync thread, waiting for both:
        no job of ours outlives this), then the practice server."""
        for widget in (self.splash, self.sign_in_dialog):
            if widget is not None:
                widget.close()
        self.core.shutdown()
        if self.practice is not None:
            self.practice.stop()
            self.practice = None


__all__ = ["Launcher", "ui_settings"]
