"""Marking text for translation in code that imports no Qt.

Qt's lupdate finds sentences by the name of the call around them, whoever defines it:
`QT_TRANSLATE_NOOP("Context", "A sentence.")` puts the sentence in the translators'
file, and returns it unchanged. The UI translates it when it shows it
(`caller_app.ui.translations.translate_marked`). Also for tables built at import time,
before any translator is installed (PySide6's own marker is typed as returning object).
"""

from __future__ import annotations


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark `text` for translation under `context`; returns it unchanged.

    Named as Qt's own marker, because that name is what lupdate looks for."""
    return text
