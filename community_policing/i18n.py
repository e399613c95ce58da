"""Interface text in English and Spanish, from gettext message catalogues.

Text is written in English in the code and marked with ``_("...")`` (``ngettext`` for plurals);
Spanish lives in gettext ``.po`` catalogues under ``locale/es/`` (one file per area of the app,
so several people can translate at once; they are merged when loaded). Babel reads them, so no
compile step is needed, and ``make messages`` extracts the marked text into ``locale/messages.pot``.

The current language is a context variable: the app sets it at the start of every run from the
language picker (or ``?lang=es``); the CLI from ``--lang``. Library functions that write sentences
(takeaways, notes, briefings) call ``_`` too, so the same run speaks one language throughout.
Missing translations fall back to English, and a test lists any that are missing.
"""

from __future__ import annotations

import contextvars
import functools
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("common_ground_language", default=DEFAULT)


def set_language(lang: str | None) -> str:
    """Use ``lang`` for the rest of this run (unknown or empty: English); returns the language set."""
    chosen = lang if lang in LANGUAGES else DEFAULT
    _current.set(chosen)
    return chosen


def language() -> str:
    return _current.get()


@functools.cache
def catalogue(lang: str) -> dict[str, str | tuple[str, ...]]:
    """Every translated message of ``lang``: msgid -> msgstr (plural ids -> a tuple of forms)."""
    messages: dict[str, str | tuple[str, ...]] = {}
    folder = LOCALE_DIR / lang
    for path in sorted(folder.glob("*.po")) if folder.exists() else ():
        with path.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if not message.id or not message.string:
                    continue
                if isinstance(message.id, tuple):
                    forms = tuple(message.string)
                    if all(forms):
                        messages[message.id[0]] = forms
                elif not message.fuzzy:
                    messages[message.id] = message.string
    return messages


def gettext(message: str) -> str:
    lang = _current.get()
    if lang == DEFAULT:
        return message
    found = catalogue(lang).get(message)
    return found if isinstance(found, str) else message


def ngettext(singular: str, plural: str, n: int) -> str:
    lang = _current.get()
    if lang != DEFAULT:
        forms = catalogue(lang).get(singular)
        if isinstance(forms, tuple) and len(forms) >= 2:
            return forms[0] if n == 1 else forms[1]  # Spanish: one form for 1, another for the rest
    return singular if n == 1 else plural


_ = gettext


def N_(message: str) -> str:
    """Mark text for translation where it is defined (a constant); translate it where it is shown."""
    return message
