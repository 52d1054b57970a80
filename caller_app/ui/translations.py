"""The volunteer's language: which translation files to load, and from where.

Every sentence on screen goes through Qt's `tr()` / `QCoreApplication.translate()`,
so a campaign adds a language with a file, not a code change: `caller-app_<lang>.qm`
is looked for first in the `translations` folder of the app's data folder (an
organiser can hand volunteers the file; no rebuild), then in the app's own
`resources/translations`. Qt's `qtbase_<lang>.qm` translates the standard dialog
buttons. The language is `--lang` or else the computer's; a missing file means
English, silently (only the log says which file was loaded).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QTranslator,
)

from caller_app import paths
from caller_app.domain.errors import ERRORS, ExpectedFailure
from caller_app.domain.i18n import QT_TRANSLATE_NOOP
from caller_app.ui.resources import resources_dir

log = logging.getLogger(__name__)

APP_STEM = "caller-app"  # caller-app_cy.qm, caller-app_pt_BR.qm, ...
QT_STEM = "qtbase"
FOLDER = "translations"


def user_folder() -> Path:
    """Where an organiser's or volunteer's own `.qm` files go (checked first)."""
    return paths.data_dir() / FOLDER


def bundled_folder() -> Path:
    """The translations shipped with the app."""
    return resources_dir() / FOLDER


def choose_locale(language: str | None) -> QLocale:
    """`--lang cy` (or cy_GB, pt-BR) when given, else the computer's language."""
    return QLocale(language.replace("-", "_")) if language else QLocale.system()


def _load(locale: QLocale, stem: str, folder: Path, parent: QCoreApplication) -> QTranslator | None:
    """A translator for the best match of `locale`'s languages in `folder`, or None.

    QTranslator tries each of the locale's UI languages and drops the country part
    (cy_GB, then cy), so one Welsh file serves every Welsh locale."""
    if not folder.is_dir():
        return None
    translator = QTranslator(parent)
    if translator.load(locale, stem, "_", str(folder)):
        return translator
    translator.deleteLater()
    return None


def install_translations(
    language: str | None = None,
    folders: Sequence[tuple[str, Path]] | None = None,
) -> list[QTranslator]:
    """Install the app's and Qt's translations for `language`; return what was installed.

    `folders` are (name for the log, folder) pairs in search order: by default the data
    folder's `translations`, then the bundled ones. Call after the QApplication exists
    and before any window is built. English needs no file."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("translations need a QApplication")
    locale = choose_locale(language)
    if folders is None:
        folders = [("data folder", user_folder()), ("app", bundled_folder())]
    installed: list[QTranslator] = []
    for where, folder in folders:
        translator = _load(locale, APP_STEM, folder, app)
        if translator is not None:
            app.installTranslator(translator)
            installed.append(translator)
            # The file name, never the whole path (it holds the computer's user name).
            log.info("translation loaded: %s from the %s", Path(translator.filePath()).name, where)
            break
    else:
        log.info("no translation for %s: English", locale.name())
    if not installed:  # Qt's buttons in the same language as ours, not half and half
        return installed
    qt_folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    for where, folder in [*folders, ("Qt library", qt_folder)]:
        translator = _load(locale, QT_STEM, folder, app)
        if translator is not None:
            # Qt asks the translator installed last first: ours goes back on top, so
            # our file's word wins where both translate a standard button.
            app.installTranslator(translator)
            app.removeTranslator(installed[0])
            app.installTranslator(installed[0])
            installed.insert(0, translator)
            log.info(
                "Qt translation loaded: %s from the %s", Path(translator.filePath()).name, where
            )
            break
    return installed


def remove_translations(translators: Sequence[QTranslator]) -> None:
    """Back to English (tests; a future language switch)."""
    app = QCoreApplication.instance()
    for translator in translators:
        if app is not None:
            app.removeTranslator(translator)
        translator.deleteLater()


def translate_marked(context: str, text: str) -> str:
    """Translate a sentence marked earlier with `QT_TRANSLATE_NOOP(context, text)`.

    The one place a non-literal reaches `translate`: module-level tables (the key sheet)
    and the API's error sentences are defined before a translator exists, or in layers
    without Qt, so they are marked for lupdate where written and translated when shown."""
    return QCoreApplication.translate(context, text)


def failure_words(exc: ExpectedFailure) -> str:
    """An expected failure's sentence in the volunteer's language.

    Looked up by its template (the sentence before `{placeholders}` are filled), then
    filled; a sentence no file translates (a server's own message) stays as it came."""
    text = translate_marked(ERRORS, exc.template or str(exc))
    return text.format(**exc.params) if exc.params else text


_WEEKDAYS = (
    QT_TRANSLATE_NOOP("Days", "Monday"),
    QT_TRANSLATE_NOOP("Days", "Tuesday"),
    QT_TRANSLATE_NOOP("Days", "Wednesday"),
    QT_TRANSLATE_NOOP("Days", "Thursday"),
    QT_TRANSLATE_NOOP("Days", "Friday"),
    QT_TRANSLATE_NOOP("Days", "Saturday"),
    QT_TRANSLATE_NOOP("Days", "Sunday"),
)


def weekday_name(moment: dt.date) -> str:
    """ "Friday" in the app's language (strftime would say it in the C locale's)."""
    return translate_marked("Days", _WEEKDAYS[moment.weekday()])


_SHORT_WEEKDAYS = (
    QT_TRANSLATE_NOOP("Days", "Mon"),
    QT_TRANSLATE_NOOP("Days", "Tue"),
    QT_TRANSLATE_NOOP("Days", "Wed"),
    QT_TRANSLATE_NOOP("Days", "Thu"),
    QT_TRANSLATE_NOOP("Days", "Fri"),
    QT_TRANSLATE_NOOP("Days", "Sat"),
    QT_TRANSLATE_NOOP("Days", "Sun"),
)
_SHORT_MONTHS = (
    QT_TRANSLATE_NOOP("Months", "Jan"),
    QT_TRANSLATE_NOOP("Months", "Feb"),
    QT_TRANSLATE_NOOP("Months", "Mar"),
    QT_TRANSLATE_NOOP("Months", "Apr"),
    QT_TRANSLATE_NOOP("Months", "May"),
    QT_TRANSLATE_NOOP("Months", "Jun"),
    QT_TRANSLATE_NOOP("Months", "Jul"),
    QT_TRANSLATE_NOOP("Months", "Aug"),
    QT_TRANSLATE_NOOP("Months", "Sep"),
    QT_TRANSLATE_NOOP("Months", "Oct"),
    QT_TRANSLATE_NOOP("Months", "Nov"),
    QT_TRANSLATE_NOOP("Months", "Dec"),
)


def short_weekday(moment: dt.date) -> str:
    """ "Fri" in the app's language."""
    return translate_marked("Days", _SHORT_WEEKDAYS[moment.weekday()])


def short_month(moment: dt.date) -> str:
    """ "Dec" in the app's language."""
    return translate_marked("Months", _SHORT_MONTHS[moment.month - 1])


def short_date(moment: dt.date, *, two_digit_day: bool = False) -> str:
    """ "Fri 5 Dec" ("Fri 05 Dec" with `two_digit_day`): weekday, day and month,
    translated as one pattern (languages order them differently)."""
    day = f"{moment.day:02d}" if two_digit_day else str(moment.day)
    return QCoreApplication.translate("Dates", "{weekday} {day} {month}").format(
        weekday=short_weekday(moment), day=day, month=short_month(moment)
    )


# Qt's own words on standard buttons, in the contexts Qt looks them up in. Listed here so
# they are in the translators' file: Qt ships no qtbase translation for many languages
# (Welsh among them), and the app bundle leaves Qt's translations out.
QT_STANDARD_TEXTS = (
    QT_TRANSLATE_NOOP("QPlatformTheme", "OK"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Cancel"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Close"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&Yes"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&No"),
    QT_TRANSLATE_NOOP("QMessageBox", "Show Details..."),
    QT_TRANSLATE_NOOP("QMessageBox", "Hide Details..."),
)
