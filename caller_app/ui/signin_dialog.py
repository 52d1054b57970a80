"""The sign-in dialog: server URL, username, password, "Remember me".

The focus starts in the username field, Tab moves to the password, Enter signs in.
Signing in runs off the GUI thread (in the view model); errors come back as one
plain sentence shown above the buttons, and the focus goes to the field to fix.

Enter must always mean "Sign in", also after a failure: Sign in is the only default
button (Cancel is never auto-default, so focusing it cannot steal Enter), and while
signing in nothing focusable is disabled (fields turn read-only), so the focus is
never pushed onto Cancel.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QShowEvent
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

from caller_app.ui.invite_dialog import InviteDialog, open_download_page
from caller_app.ui.resources import icon
from caller_app.ui.viewmodels import SignInModel


class SignInDialog(QDialog):
    def __init__(
        self,
        model: SignInModel,
        server_url: str = "",
        username: str = "",
        parent: QWidget | None = None,
        invite: str = "",
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.invite_dialog: InviteDialog | None = None
        self.setWindowTitle(self.tr("Sign in · Phone bank"))
        self.setWindowIcon(icon("app"))
        self.setMinimumWidth(420)

        heading = QLabel(self.tr("Sign in to your phone bank"))
        heading.setObjectName("heading")
        hint = QLabel(self.tr("Use the username and password your organiser gave you."))
        hint.setWordWrap(True)
        hint.setObjectName("hint")

        self.server = QLineEdit(server_url)
        self.server.setPlaceholderText("https://phonebank.example.org")
        self.server.setAccessibleName(self.tr("Server address"))
        self.server.setAccessibleDescription(self.tr("The web address of your phone bank"))
        self.username = QLineEdit(username)
        self.username.setAccessibleName(self.tr("Username"))
        self.username.setAccessibleDescription(self.tr("Your phone bank username"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.password.setAccessibleDescription(self.tr("Your phone bank password"))
        self.remember = QCheckBox(self.tr("&Remember me on this computer"))
        self.remember.setAccessibleDescription(
            self.tr("Keeps you signed in, using the system keyring")
        )
        self.no_keyring = QLabel(
            self.tr(
                "This computer has no safe place to keep your sign-in, "
                "so you will need to sign in again next time."
            )
        )
        self.no_keyring.setObjectName("hint")
        self.no_keyring.setWordWrap(True)
        self.no_keyring.setVisible(not model.keeps_sign_in)

        form = QFormLayout()
        form.addRow(self.tr("&Server:"), self.server)
        form.addRow(self.tr("&Username:"), self.username)
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow("", self.remember)

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setAccessibleName(self.tr("Sign-in problem"))
        self.error.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText(self.tr("Sign in"))
        self.sign_in_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)  # focused, it would take over Enter
        cancel.setDefault(False)
        self.sign_in_button.setAccessibleDescription(self.tr("Signs in with these details"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.no_keyring)  # under "Remember me" (in the form it was clipped)
        layout.addWidget(self.error)
        # The server needs a newer app (issue 14): its download page, one click away.
        self.get_app = QPushButton(self.tr("Get the new version"))
        self.get_app.setAutoDefault(False)
        self.get_app.hide()
        self.get_app.clicked.connect(lambda: open_download_page(self.model.download_url))
        layout.addWidget(self.get_app)
        self.join = QPushButton(self.tr("New volunteer? Paste your invite"))
        self.join.setObjectName("link")
        self.join.setFlat(True)
        self.join.setAutoDefault(False)
        self.join.setVisible(model.can_join)
        self.join.clicked.connect(lambda: self.open_invite())
        layout.addWidget(self.join)
        layout.addWidget(self.buttons)

        QWidget.setTabOrder(self.username, self.password)
        QWidget.setTabOrder(self.password, self.remember)
        QWidget.setTabOrder(self.remember, self.sign_in_button)
        QWidget.setTabOrder(self.sign_in_button, self.server)

        model.busy_changed.connect(self._on_busy)
        model.failed.connect(self._on_failed)
        model.succeeded.connect(self._on_succeeded)
        (self.password if username else self.username).setFocus()

        if invite and model.can_join:
            QTimer.singleShot(0, self, lambda: self.open_invite(invite))

    def open_invite(self, text: str = "") -> InviteDialog:
        """The invite dialog over this one (a link from the command line fills it in)."""
        if self.invite_dialog is None:
            self.invite_dialog = InviteDialog(
                self.model, self.server.text().strip(), text, self.remember.isChecked(), self
            )
            self.invite_dialog.accepted.connect(self.accept)
        elif text:
            self.invite_dialog.invite.setText(text)
        self.invite_dialog.show()
        self.invite_dialog.raise_()
        self.invite_dialog.activateWindow()
        return self.invite_dialog

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        target = self.password if self.username.text() else self.username
        if not self.server.text():
            target = self.server
        target.setFocus()

    @Slot()
    def submit(self) -> None:
        url, user = self.server.text().strip(), self.username.text().strip()
        if not url:
            self._on_failed(self.tr("Enter the address of your phone bank server."))
            self.server.setFocus()
            return
        if not user or not self.password.text():
            self._on_failed(self.tr("Enter your username and password."))
            (self.username if not user else self.password).setFocus()
            return
        self.model.sign_in(url, user, self.password.text(), self.remember.isChecked())

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        """Read-only rather than disabled: a disabled field loses the focus to Cancel.
        A second Enter meanwhile is ignored by the model (it is busy)."""
        self.sign_in_button.setText(self.tr("Signing in…") if busy else self.tr("Sign in"))
        self.sign_in_button.setAccessibleDescription(
            self.tr("Signing in, please wait") if busy else self.tr("Signs in with these details")
        )
        for field in (self.server, self.username, self.password):
            field.setReadOnly(busy)
        if busy:
            self.error.hide()
            self.get_app.hide()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.get_app.setVisible(bool(self.model.download_url))
        if self.invite_dialog is not None and self.invite_dialog.isVisible():
            return  # the invite dialog shows it and keeps the focus
        if self.model.download_url:
            self.get_app.setFocus()
            return
        field = self.server if self.model.field_to_fix == "server" else self.password
        field.selectAll()
        field.setFocus()

    @Slot(object)
    def _on_succeeded(self, _result: object) -> None:
        self.error.hide()
        self.accept()
