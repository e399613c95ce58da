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

import contextlib
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


@contextlib.contextmanager
def speaking(lang: str):
    """Use ``lang`` inside the block, then the language that was set before."""
    token = _current.set(lang if lang in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


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


# -- dates and charts in the current language -------------------------------------------------------
# English keeps the app's established look ("Jan 5, 2019"); Spanish follows CLDR through Babel
# ("5 ene 2019", "enero de 2019"). Numbers keep 1,234.5 in both: the US Spanish convention.

def _babel_date(day, pattern: str) -> str:
    from babel.dates import format_date

    return format_date(day, pattern, locale=_current.get())


def format_date(day) -> str:
    """A day: "Jan 5, 2019" / "5 ene 2019"."""
    return f"{day:%b %-d, %Y}" if _current.get() == DEFAULT else _babel_date(day, "d MMM y")


def format_day_month(day) -> str:
    """A day without its year: "Jan 5" / "5 ene"."""
    return f"{day:%b %-d}" if _current.get() == DEFAULT else _babel_date(day, "d MMM")


def format_month(day) -> str:
    """A month: "January 2019" / "enero de 2019"."""
    return f"{day:%B %Y}" if _current.get() == DEFAULT else _babel_date(day, "LLLL 'de' y")


def format_month_short(day) -> str:
    """A month, short: "Jan 2019" / "ene 2019"."""
    return f"{day:%b %Y}" if _current.get() == DEFAULT else _babel_date(day, "LLL y")


def month_name(month: int) -> str:
    """1 -> "January" / "enero"."""
    import datetime as dt

    return dt.date(2000, month, 1).strftime("%B") if _current.get() == DEFAULT else _babel_date(
        dt.date(2000, month, 1), "LLLL")


def vega_locale() -> dict | None:
    """Vega-Lite's ``config.locale`` for the current language (month and day names in axis ticks and
    tooltips; numbers as ``plotly_config`` writes them: "1,234.5" in both languages), or None in English
    (Vega's own default). Given with each chart, so nothing is fetched."""
    lang = _current.get()
    return None if lang == DEFAULT else _vega_locale(lang)


@functools.cache
def _vega_locale(lang: str) -> dict:
    plotly = _plotly_locale(lang)["locales"][lang]["format"]
    return {"number": {"decimal": plotly["decimal"], "thousands": plotly["thousands"], "grouping": [3],
                       "currency": ["$", ""]},
            "time": {"dateTime": "%x, %X", "date": plotly["date"], "time": "%H:%M:%S", "periods": ["AM", "PM"],
                     "days": plotly["days"], "shortDays": plotly["shortDays"], "months": plotly["months"],
                     "shortMonths": plotly["shortMonths"]}}


def plotly_config() -> dict:
    """plotly.js config that draws dates (axis ticks, ``%{x|%b %Y}`` in hover text) and the mode bar in the
    current language. plotly.js takes the locale definition with the chart (``config.locales``), so nothing
    is fetched: the app stays offline."""
    lang = _current.get()
    return {} if lang == DEFAULT else _plotly_locale(lang)


@functools.cache
def _plotly_locale(lang: str) -> dict:
    """``plotly_config`` of one language: made once per process (every chart of every run passes it)."""
    from babel.dates import get_day_names, get_month_names

    def names(getter, width):
        found = getter(width, locale=lang)
        return [str(found[key]) for key in sorted(found)]

    days = names(get_day_names, "wide")  # Babel: Monday = 0; d3: Sunday first
    short_days = names(get_day_names, "abbreviated")
    return {"locale": lang, "locales": {lang: {
        "dictionary": {"Download plot as a png": gettext("Download plot as a png"),
                       "Zoom in": gettext("Zoom in"), "Zoom out": gettext("Zoom out"),
                       "Reset axes": gettext("Reset axes"), "Autoscale": gettext("Autoscale"),
                       "Pan": gettext("Pan"), "Zoom": gettext("Zoom"),
                       "Double-click to zoom back out": gettext("Double-click to zoom back out")},
        "format": {"days": days[6:] + days[:6], "shortDays": short_days[6:] + short_days[:6],
                   "months": names(get_month_names, "wide"), "shortMonths": names(get_month_names, "abbreviated"),
                   "date": "%d/%m/%Y", "decimal": ".", "thousands": ","}}}}
