"""Turns the key model (`caller_app.ui.keymap`) into shortcuts on one widget.

One `QShortcut` per key of the table, on the caller screen's window. When it fires,
the router asks the table what that key does where the focus is now, and calls the
handler for that action; a key that does nothing there does nothing. Text fields
claim their printable keys before any shortcut (Qt's ShortcutOverride), so typing
never reaches the router; the table says the same, so a field that did not claim a
key would still only type-or-nothing. Shortcuts do not auto-repeat: holding D dials
once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from caller_app.ui.keymap import NUMBERED, Action, resolve, routed_keys, where_is

Handler = Callable[..., object]  # numbered actions get the 0-based number


class KeyRouter:
    def __init__(self, host: QWidget, handlers: Mapping[Action, Handler]) -> None:
        self.host = host
        self.handlers = dict(handlers)
        self.shortcuts: dict[str, QShortcut] = {}
        for key in routed_keys():
            shortcut = QShortcut(QKeySequence(key), host)
            shortcut.setAutoRepeat(False)
            shortcut.activated.connect(lambda key=key: self.press(key))
            self.shortcuts[key] = shortcut

    def press(self, key: str) -> bool:
        """Do what `key` does with the focus where it is now; False when nothing."""
        found = resolve(where_is(QApplication.focusWidget()), key)
        if found is None:
            return False
        action, number = found
        handler = self.handlers.get(action)
        if handler is None:
            return False
        if action in NUMBERED:
            handler(number)
        else:
            handler()
        return True
