"""The one base class of failures the volunteer is told about in words.

An `ExpectedFailure` (offline, signed out, disk full, ...) carries its sentence as
`str(exc)`; the UI shows it, translated. Anything else is a bug: logged with its
traceback, shown as "something unexpected". Here, in the domain, so that the API
client's and the store's errors share it without the UI importing either.

The layers below the UI import no Qt, so their sentences are only marked for Qt's
lupdate with `QT_TRANSLATE_NOOP("Errors", "...")` (`caller_app.domain.i18n`); the UI
translates them when it shows them.
"""

from __future__ import annotations

from collections.abc import Mapping

ERRORS = "Errors"  # the translation context of every failure sentence


class ExpectedFailure(Exception):
    """A failure with a volunteer-facing sentence as its message.

    `template` is the sentence before its `{placeholders}` are filled from `params`:
    a translation is looked up by the template, then filled the same way."""

    def __init__(
        self, sentence: str = "", *args: object, params: Mapping[str, object] | None = None
    ) -> None:
        self.template = sentence
        self.params: dict[str, object] = dict(params or {})
        super().__init__(sentence.format(**self.params) if self.params else sentence, *args)
