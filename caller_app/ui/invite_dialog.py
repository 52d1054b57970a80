""" "New volunteer? Paste your invite": join a phone bank from a link or a code (issue 14).

The volunteer pastes the link their organiser sent (or it arrives from
`caller-app https://…/join/K7P-2QX`, a `caller-app://join?…` link, or a second launch
forwarding it); the server address fills itself in from the link, and a bare code uses
the server field. They give a name, a username and a password, and the app makes the
account, signs in and opens the invite's campaign. Someone who already made the account
on the join page ticks "I already made my account" and just signs in.

The dialog shares the sign-in dialog's `SignInModel`: signing in runs off the GUI thread
there, and a failure comes back as one plain sentence. When the server needs a newer
app, "Get the new version" opens its download page (nothing saved is lost).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.invites import InviteError, parse_invite
from caller_app.ui.resources import icon
from caller_app.ui.viewmodels import SignInModel


def open_download_page(url: str) -> bool:
    """Open the server's download page in the browser (http(s) pages only)."""
    if not url.lower().startswith(("https://", "http://")):
        return False
    return QDesktopServices.openUrl(QUrl(url))


class InviteDialog(QDialog):
    def __init__(
        self,
        model: SignInModel,
        server_url: str = "",
        invite_text: str = "",
        remember: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.remember = remember
        self.setWindowTitle(self.tr("Join a phone bank"))
        self.setWindowIcon(icon("app"))
        self.setMinimumWidth(440)

        heading = QLabel(self.tr("Join with your invite"))
        heading.setObjectName("heading")
        hint = QLabel(
            self.tr(
                "Paste the invite link your organiser sent you (or just its code), "
                "then choose a username and password."
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")

        self.invite = QLineEdit(invite_text)
        self.invite.setPlaceholderText("https://phonebank.example.org/join/K7P-2QX")
        self.invite.setAccessibleName(self.tr("Invite link or code"))
        self.invite.setMaxLength(2048)
        self.server = QLineEdit(server_url)
        self.server.setPlaceholderText("https://phonebank.example.org")
        self.server.setAccessibleName(self.tr("Server address"))
        self.server.setAccessibleDescription(
            self.tr("Filled in from the invite link; needed when you paste only a code")
        )
        self.have_account = QCheckBox(self.tr("I already made my account on the join page"))
        self.name = QLineEdit()
        self.name.setAccessibleName(self.tr("Your name"))
        self.name.setMaxLength(200)
        self.username = QLineEdit()
        self.username.setAccessibleName(self.tr("Username"))
        self.username.setMaxLength(100)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.password.setAccessibleDescription(
            self.tr("At least 10 characters. A few words you will remember works well.")
        )

        self.form = QFormLayout()
        self.form.addRow(self.tr("&Invite:"), self.invite)
        self.form.addRow(self.tr("&Server:"), self.server)
        self.form.addRow("", self.have_account)
        self.form.addRow(self.tr("Your &name:"), self.name)
        self.form.addRow(self.tr("&Username:"), self.username)
        self.form.addRow(self.tr("&Password:"), self.password)

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setAccessibleName(self.tr("Problem joining"))
        self.error.hide()
        self.get_app = QPushButton(self.tr("Get the new version"))
        self.get_app.setAutoDefault(False)
        self.get_app.hide()
        self.get_app.clicked.connect(lambda: open_download_page(self.model.download_url))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.join_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.join_button.setText(self.tr("Join and sign in"))
        self.join_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.get_app)
        layout.addWidget(self.buttons)

        self.invite.textChanged.connect(self._fill_server)
        self.have_account.toggled.connect(self._on_have_account)
        model.busy_changed.connect(self._on_busy)
        model.failed.connect(self._on_failed)
        model.succeeded.connect(self._on_succeeded)
        self._fill_server(invite_text)
        (self.name if invite_text else self.invite).setFocus()

    @Slot(str)
    def _fill_server(self, text: str) -> None:
        """A pasted link names its server: show it (a bare code leaves the field alone)."""
        try:
            found = parse_invite(text)
        except InviteError:
            return
        if found.server_url:
            self.server.setText(found.server_url)

    @Slot(bool)
    def _on_have_account(self, have: bool) -> None:
        self.form.setRowVisible(self.name, not have)
        self.join_button.setText(self.tr("Sign in") if have else self.tr("Join and sign in"))

    def _problem(self, message: str, field: QLineEdit) -> None:
        self.error.setText(message)
        self.error.show()
        field.setFocus()

    @Slot()
    def submit(self) -> None:
        try:
            found = parse_invite(self.invite.text(), self.server.text())
        except InviteError as exc:
            self._problem(str(exc), self.invite)
            return
        if not found.server_url:
            self._problem(self.tr("Enter the address of your phone bank server."), self.server)
            return
        create = not self.have_account.isChecked()
        name, user = self.name.text().strip(), self.username.text().strip()
        if create and not name:
            self._problem(self.tr("Enter your name, as the team will know you."), self.name)
            return
        if not user:
            self._problem(self.tr("Choose a username."), self.username)
            return
        if not self.password.text():
            self._problem(self.tr("Choose a password."), self.password)
            return
        self.server.setText(found.server_url)
        details = (name, user, self.password.text(), create)
        self.model.join(found.server_url, found.code, details, self.remember)

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self.join_button.setText(
            self.tr("Joining…") if busy else
            (self.tr("Sign in") if self.have_account.isChecked() else self.tr("Join and sign in"))
        )  # fmt: skip
        for field in (self.invite, self.server, self.name, self.username, self.password):
            field.setReadOnly(busy)
        if busy:
            self.error.hide()
            self.get_app.hide()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self.isVisible():
            return
        self.error.setText(message)
        self.error.show()
        self.get_app.setVisible(bool(self.model.download_url))
        if self.model.download_url:
            self.get_app.setFocus()
        elif self.model.field_to_fix == "server":
            self.server.setFocus()
        else:
            self.password.selectAll()
            self.password.setFocus()

    @Slot(object)
    def _on_succeeded(self, _result: object) -> None:
        if self.isVisible():
            self.accept()
