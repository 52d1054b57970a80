"""Safe rendering of the script's markdown.

The script comes from the server and the placeholder values from contacts, so both
are untrusted: raw HTML is off, images are off, every value is markdown-escaped
before it is put in, and the browser widget never loads any resource or follows a
link by itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from markdown_it import MarkdownIt
from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

# The four built-ins and any imported contact column ({polling_district}), snake_case.
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,63})\}")
_MD_SPECIAL = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable("image")


def escape_markdown(value: str) -> str:
    """Backslash-escape every ASCII punctuation mark, so a value is always plain text."""
    value = value.replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", value)


def fill_placeholders(template: str, values: Mapping[str, str]) -> str:
    """Replace the known `{name}` placeholders with escaped values; leave the rest."""

    def repl(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else escape_markdown(value)

    return PLACEHOLDER.sub(repl, template)


def render_markdown(text: str, values: Mapping[str, str] | None = None) -> str:
    """Markdown (with optional placeholders) -> HTML that holds no raw HTML from input."""
    source = fill_placeholders(text, values) if values else text
    return str(_md.render(source))


class SafeTextBrowser(QTextBrowser):
    """A read-only rich-text view that fetches nothing and opens web links only on click.

    `loadResource` is where QTextBrowser would fetch images and style sheets: we
    return nothing for every URL. Links are not followed inside the widget; http(s)
    links are handed to the system browser when clicked, anything else is ignored.
    """

    link_clicked = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)

    def loadResource(self, _type: int, _name: QUrl | str) -> object:
        return None

    def set_markdown(self, text: str, values: Mapping[str, str] | None = None) -> None:
        self.setHtml(render_markdown(text, values))

    def _on_anchor(self, url: QUrl) -> None:
        self.link_clicked.emit(url)
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
