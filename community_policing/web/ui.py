"""The one Streamlit helper module: store access, shared filters, banner and data note.

Pages stay thin: widgets, layout and calls into the library. Everything they show is computed
by ``metrics`` and drawn by ``figures``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from community_policing import settings  # who is looking: modes and staff sign-in
from community_policing.views import privacy
from community_policing.web import auth
from community_policing import exports
from community_policing.data import freshness, series_breaks
from community_policing.ledger import bulk as ledger_bulk
from community_policing.views import metrics
from community_policing import i18n
from community_policing.ledger import form as lf
from community_policing.i18n import N_, _, ngettext
from community_policing.data.importers.errors import SourceFileError
from community_policing.ledger.book import Ledger, LedgerError
from community_policing.data.store import (DatabaseLocked, DatabaseMissing, DatabaseOutdated, Store, StoreError,
                                      resolve_db_path)


# -- language ----------------------------------------------------------------------------------------

LANGUAGE_KEY = "lang"  # the language picker's widget key, and the ?lang= query parameter


_CHOSEN = "_language"  # the language chosen in this session; unlike a widget's state, it outlives any rerun


def apply_language() -> str:
    """Speak this run in the chosen language: the sidebar picker's choice, else ``?lang=es`` in the URL,
    else English. Called by get_store, which every page calls first; returns the language set."""
    return i18n.set_language(st.session_state.get(_CHOSEN) or st.session_state.get(LANGUAGE_KEY)
                             or st.query_params.get(LANGUAGE_KEY))


def language_picker() -> str:
    """The sidebar's "Language / Idioma" choice (widget key "lang", one entry per i18n.LANGUAGES); it
    starts from ``?lang=`` when the URL has one. Sets the language for the rest of this run."""
    codes = list(i18n.LANGUAGES)
    current = apply_language()
    with st.sidebar:
        chosen = st.selectbox("Language / Idioma", codes, index=codes.index(current), format_func=i18n.LANGUAGES.get,
                              key=LANGUAGE_KEY, on_change=_remember_language)
    st.session_state[_CHOSEN] = chosen
    show_in_url(LANGUAGE_KEY, chosen, "en")  # a shared link opens in the language it was copied in
    return i18n.set_language(chosen)


def _remember_language() -> None:
    st.session_state[_CHOSEN] = st.session_state[LANGUAGE_KEY]


def document_language() -> None:
    """Tell the browser which language the page is in: ``<html lang>`` (WCAG 3.1.1). Streamlit serves
    ``lang="en"`` whatever the content, so a line of script sets it on every run."""
    lang = i18n.language()
    with st.sidebar:  # an empty element: in the sidebar it takes no room from the page
        st.html(f"<script>document.documentElement.lang = {lang!r};</script>", unsafe_allow_javascript=True)


@st.cache_resource(show_spinner=False)
def _store_holder() -> dict:
    # One read-only connection per process (a DuckDB file allows many readers, one writer).
    return {}


def _ensure_entrypoint() -> None:
    """Run every page through dashboard.py, even when a fresh server's first request is a page URL.

    With a pages/ folder next to the entrypoint, Streamlit starts in its older multipage mode and,
    until some session has run dashboard.py (whose st.navigation switches the mode off), serves a
    page URL such as /district?district=2 by running the page file alone: no navigation, no page
    config. Switch the mode off and rerun, so the same URL goes through the entrypoint.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def get_store() -> Store:
    """The process-wide read-only Store, reopened when a new build has been swapped in."""
    apply_language()
    _ensure_entrypoint()
    holder = _store_holder()
    path = resolve_db_path()
    store: Store | None = holder.get(path)
    try:
        if store is None or store.is_stale():
            # Drop (do not close) a stale store: other sessions may still be mid-query on it;
            # DuckDB closes it once the last cursor is gone. Drop it *before* opening the new file:
            # while a connection to the old file is open, DuckDB answers a connect to the same path
            # with the old (deleted) file's database (Store opens through a one-use link for that
            # reason too, store.connect_afresh, since another session may still hold the old one).
            holder.pop(path, None)
            store = None
            store = holder[path] = Store(path)
    except DatabaseMissing as exc:
        st.error(_("There is no data to show yet. {reason}").format(reason=exc))
        st.stop()
    except DatabaseOutdated as exc:
        st.error(_("The data needs rebuilding. {reason}").format(reason=exc))
        st.stop()
    except DatabaseLocked as exc:
        st.warning(_("The data is being updated right now. {reason}").format(reason=exc))
        st.stop()
    except StoreError as exc:
        st.error(plain(exc))
        st.stop()
    return store


def cache_key(store: Store) -> tuple:
    """Part of every cached computation's key, so neither a swapped-in build nor a new ledger entry
    is ever served stale, and text made in one language is never served to the other."""
    return (str(store.path), store.identity, store.ledger_version(), i18n.language())


@st.cache_data(show_spinner=False, max_entries=256)
def dataset_info(_store: Store, key: tuple) -> metrics.DatasetInfo:
    return metrics.dataset_info(_store)


@st.cache_data(show_spinner=False, max_entries=16)
def district_list(_store: Store, key: tuple) -> pd.DataFrame:
    from community_policing.views import district

    return district.districts(_store)


@st.cache_data(show_spinner=False, max_entries=256)
def _area_comparison(_store: Store, key: tuple, start: dt.date, end: dt.date, level: str,
                     offense_group: str, date_basis: str) -> pd.DataFrame:
    return metrics.area_comparison(_store, start, end, level=level, offense_group=offense_group,
                                   date_basis=date_basis)


def area_comparison(_store: Store, key: tuple, start: dt.date, end: dt.date, level: str,
                    offense_group: str, date_basis: str, rules: privacy.Rules | None = None) -> pd.DataFrame:
    """``metrics.area_comparison`` (cached); with ``rules`` (public mode: ``privacy_rules()``) the
    suppressed table, decided with the other level's table (``protected_areas``)."""
    if rules is not None:
        return protected_areas(_store, key, start, end, offense_group, date_basis, rules).table(level)
    return _area_comparison(_store, key, start, end, level, offense_group, date_basis)


@st.cache_data(show_spinner=False, max_entries=128)
def protected_areas(_store: Store, key: tuple, start: dt.date, end: dt.date, offense_group: str, date_basis: str,
                    rules: privacy.Rules) -> privacy.ProtectedAreas:
    """The district and neighborhood tables of these filters as the public sees them (one decision for
    both levels, so a count is hidden alike on every page), with the fate of the citywide total."""
    return privacy.protect_area_tables(
        _area_comparison(_store, key, start, end, "district", offense_group, date_basis),
        _area_comparison(_store, key, start, end, "neighborhood", offense_group, date_basis), rules)


@st.cache_data(show_spinner=False, max_entries=64)
def window_comparisons(_store: Store, key: tuple, as_of: dt.date, offense_group: str, date_basis: str) -> pd.DataFrame:
    """The standard windows; one whose year-earlier dates reach before the data has no change, % or z."""
    from community_policing.views import evaluation

    windows = evaluation.window_comparisons(_store, as_of, offense_group, date_basis)
    return metrics.window_comparability(windows, metrics.incident_coverage(_store), date_basis)


@st.cache_data(show_spinner=False, max_entries=16)
def trust_coverage(_store: Store, key: tuple) -> pd.DataFrame:
    return metrics.trust_coverage(_store)


@st.cache_data(show_spinner=False, max_entries=64)
def trust_by_district(_store: Store, key: tuple, measure: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    return metrics.trust_by_district(_store, measure, start, end)


@st.cache_data(show_spinner=False, max_entries=8)
def map_context(_store: Store, key: tuple) -> dict:
    """The city's context lines (outline, rivers, major roads: ``geo.context_features``), drawn under a map's areas."""
    from community_policing.data import geo

    return geo.context_features(_store)


@st.cache_data(show_spinner=False, max_entries=16)
def area_features(_store: Store, key: tuple, level: str) -> dict:
    from community_policing.data.geo import area_features as load

    return load(_store, level)


@dataclass(frozen=True)
class Filters:
    period: metrics.Period
    period_name: str
    offense_group: str
    offense_label: str
    date_basis: str


CUSTOM_RANGE = N_("Custom range")
DATE_BASIS_WORDS = {"occurred": N_("date occurred"), "reported": N_("date reported")}


# -- filters that follow the reader, and the address that carries them ---------------------------------
#
# A widget's state is dropped when a page that does not draw it runs, so without help the filters went back to
# their defaults on every page change (and the District page's briefing printed the default period). Every
# shared filter is therefore held in plain session state (``hold``/``keep``) and written to the address
# (``?period=28d&offense=robbery&count_by=reported``, only where it differs from the default, so a plain link
# stays plain). The address is read back only when it names a value this session did not just write: a shared
# link or a first load; after a page change (the address then loses its parameters) the held value wins and is
# written again. Values are codes, never labels, so a link reads the same in any language; an unknown or hostile
# value is ignored (and dropped from the address), never shown.

#: For "How to read these numbers": what a copied address carries.
SHARING_NOTE = N_("The filters you choose (period, offenses, how incidents are counted, the map layer and areas, the "
                  "language) stay as you move between pages and into a briefing, and the address in your browser "
                  "carries them with the district or districts shown. Copy it to share exactly this view: whoever "
                  "opens it sees the same numbers, as long as the data have not been updated in between.")

_URL_SHOWN = "_url_shown"  # parameter -> the value this session last wrote to (or took from) the address
_URL_PAGE = "_url_page"    # parameter -> the page on which it was last written
PERIOD_CODES = {"Last 12 months": "12m", "Last 28 days": "28d", "Year to date": "ytd", "Last full year": "year",
                CUSTOM_RANGE: "custom"}
DEFAULT_PERIOD = "Last 12 months"


_HELD = "_held_"  # + a widget key: its value kept in plain session state, which no page change drops


def follow_url(param: str, widget_key: str, codes: dict) -> None:
    """Before a widget is drawn: when the address names ``param`` with a value this session has not just
    written (a shared link, a first load), set the widget (``widget_key``) to ``codes[value]``. A value not in
    ``codes`` is ignored."""
    raw = st.query_params.get(param)
    shown = st.session_state.setdefault(_URL_SHOWN, {})
    if raw is None or raw == shown.get(param):
        return
    if raw in codes:
        st.session_state[_HELD + widget_key] = codes[raw]
        shown[param] = raw


def hold(widget_key: str, valid, default) -> dict:
    """Before a widget is drawn: give it back the value this session held for it (the widget's own state is
    dropped whenever a page that does not draw it runs), or ``default`` when the held value is not one of
    ``valid`` (held from another city's list). Returns the widget's ``on_change``/``args`` options, which keep
    the held value in step with the reader's choice; after the widget, call ``keep``."""
    held = st.session_state.get(_HELD + widget_key, st.session_state.get(widget_key, default))
    st.session_state[widget_key] = held if held in valid else default
    return {"on_change": _keep_widget, "args": (widget_key,)}


def _keep_widget(widget_key: str) -> None:
    st.session_state[_HELD + widget_key] = st.session_state[widget_key]


def keep(widget_key: str, value) -> None:
    """After a widget is drawn: hold its value for the rest of the session."""
    st.session_state[_HELD + widget_key] = value


def show_in_url(param: str, code: str | None, default: str | None = None) -> None:
    """After a widget is drawn: write its ``code`` to the address as ``param`` (removed when it equals
    ``default``, so the address names only what differs from the defaults)."""
    shown = st.session_state.setdefault(_URL_SHOWN, {})
    written = st.session_state.setdefault(_URL_PAGE, {})
    value = None if code is None or code == default else str(code)
    # On the first run of a page the browser's address may already have lost what the backend still holds:
    # write once per page even when the two agree.
    page = _page_hash()
    if value is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value or written.get(param) != page:
        st.query_params[param] = value
    shown[param] = value
    written[param] = page


def _page_hash() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.pages_manager.current_page_script_hash if ctx is not None else ""


def _custom_range_from_url(first: dt.date, last: dt.date) -> None:
    """``?period=custom&from=2024-01-01&to=2024-06-30`` to the date picker, when both are dates within the data
    and in order (anything else is ignored)."""
    shown = st.session_state.setdefault(_URL_SHOWN, {})
    raw = (st.query_params.get("from"), st.query_params.get("to"))
    if None in raw or raw == (shown.get("from"), shown.get("to")):
        return
    try:
        start, end = (dt.date.fromisoformat(str(v)[:10]) for v in raw)
    except ValueError:
        return
    if first <= start <= end <= last:
        st.session_state[_HELD + "period_custom"] = (start, end)
        shown["from"], shown["to"] = raw


@dataclass(frozen=True)
class OffenseMenu:
    """The offense filter's values in display order (each category followed by its groups), the label of each
    (as a page names it) and how the picker shows it (groups indented under their category)."""

    values: tuple[str, ...]
    labels: dict
    shown: dict


INDENT = "\u2003\u2003"  # two em spaces: kept by the browser (ordinary leading spaces are collapsed)


@st.cache_data(show_spinner=False, max_entries=64)
def offense_menu(_store: Store, key: tuple) -> OffenseMenu:
    """The offense filter as a reader scans it: "All offenses", then each category with its own groups
    indented beneath it, so the group "All other offenses" sits under "Other offenses (Part II)" and the two no
    longer look alike."""
    choices = metrics.offense_choices(_store)
    labels = {value: label.strip() for value, label in choices}
    groups = _store.query("offense_groups")
    category_of = dict(zip(groups["offense_group"], groups["category"]))
    values, shown = [], {}
    for value, label in choices:
        if value == "all" or value.startswith(metrics.CATEGORY_PREFIX):
            values.append(value)
            shown[value] = labels[value]
            if value.startswith(metrics.CATEGORY_PREFIX):
                category = value.removeprefix(metrics.CATEGORY_PREFIX)
                for group, _label in choices:
                    if category_of.get(group) == category and group not in shown:
                        values.append(group)
                        shown[group] = INDENT + labels[group]
    for value, _label in choices:  # a group of no listed category (never in practice) still shows
        if value not in shown:
            values.append(value)
            shown[value] = INDENT + labels[value]
    return OffenseMenu(tuple(values), labels, shown)


def sidebar_filters(store: Store, info: metrics.DatasetInfo) -> Filters:
    """Period, offense and date-basis filters, shared by every page: held for the session across pages and
    written to the address (see above), so a link reproduces them."""
    with st.sidebar:
        st.header(_("Filters"))
        as_of = info.last_day or dt.date.today()
        first = min(info.first_day or as_of, as_of)
        presets = [*metrics.PERIOD_PRESETS, CUSTOM_RANGE]
        follow_url("period", "period_preset", {code: name for name, code in PERIOD_CODES.items()})
        preset = st.selectbox(_("Period"), presets, key="period_preset", **hold("period_preset", presets, presets[0]),
                              # the presets are marked N_ where they are defined; each names its dates
                              format_func=lambda p: _(p) if p == CUSTOM_RANGE else metrics.preset_label(p, as_of),
                              help=_("Periods end on the last day with data ({day}).").format(
                                  day=i18n.format_date(as_of)))
        keep("period_preset", preset)
        show_in_url("period", PERIOD_CODES.get(preset), PERIOD_CODES[DEFAULT_PERIOD])
        default = metrics.preset_period(DEFAULT_PERIOD, as_of)
        if preset == CUSTOM_RANGE:
            _custom_range_from_url(first, as_of)
            held = st.session_state.get(_HELD + "period_custom", st.session_state.get("period_custom"))
            if not isinstance(held, (tuple, list)) or not held or not all(
                    isinstance(d, dt.date) and first <= d <= as_of for d in held):
                # no pick yet, or one from another city's dates: start from the last 12 months
                held = (max(default.start, first), default.end)
            st.session_state["period_custom"] = tuple(held)
            picked = st.date_input(_("From – to"), min_value=first, max_value=as_of, key="period_custom",
                                   on_change=_keep_widget, args=("period_custom",))
            keep("period_custom", tuple(picked) if isinstance(picked, (tuple, list)) else picked)
            if isinstance(picked, (tuple, list)) and len(picked) == 2:
                period = metrics.Period(picked[0], picked[1])
                show_in_url("from", picked[0].isoformat())
                show_in_url("to", picked[1].isoformat())
            else:
                st.info(_("Pick both a first and a last day."))
                period = default
        else:
            period = metrics.preset_period(preset, as_of)
            show_in_url("from", None)
            show_in_url("to", None)
        menu = offense_menu(store, cache_key(store))
        follow_url("offense", "offense_group", {v: v for v in menu.values})
        offense = st.selectbox(_("Offenses"), list(menu.values), format_func=menu.shown.get, key="offense_group",
                               **hold("offense_group", menu.values, "all"),
                               help=_("Each category is followed by its offense groups, indented."))
        keep("offense_group", offense)
        show_in_url("offense", offense, "all")
        follow_url("count_by", "date_basis", {b: b for b in metrics.DATE_BASES})
        basis = st.radio(_("Count incidents by"), metrics.DATE_BASES, key="date_basis", horizontal=True,
                         **hold("date_basis", metrics.DATE_BASES, metrics.DATE_BASES[0]),
                         format_func=lambda b: _(DATE_BASIS_WORDS[b]),
                         help=_("Occurred: when the offense happened. Reported: when police recorded it. "
                                "Late reports make recent 'occurred' counts rise for weeks afterwards."))
        keep("date_basis", basis)
        show_in_url("count_by", basis, metrics.DATE_BASES[0])
        st.caption(_("Showing {period} ({days} days), compared with {prior}.").format(
            period=period.label(), days=period.days, prior=period.prior.label()))
        if preset == "Year to date" and period.days < 90:
            st.caption(_("Early in the year, year-to-date numbers are small and swing widely."))
    return Filters(period, preset, offense, menu.labels[offense], basis)


def simulated_banner(info: metrics.DatasetInfo) -> None:
    """The warnings every page opens with: simulated data, and data that end long before today."""
    if info.is_simulated:
        st.warning(
            _("**Simulated demo data.** {city} is a fictional city; every number on this page was generated "
              "to demonstrate the dashboard and describes no real place or people.").format(city=plain(info.city_name)),
            icon=":material/science:",
        )
    # Old data are said at the top of every page, before any number (issue 16).
    if stale := freshness.staleness_text(info, dt.date.today()):
        st.warning(f"{stale} {_(freshness.STALE_PERIODS_NOTE)}", icon=":material/history:")  # the app's own words


# The demo generator's source line, stored in English in the warehouse, worded in the page's language (in metrics:
# the briefing, which has no Streamlit, uses it too).
source_words = metrics.source_words


def data_note(info: metrics.DatasetInfo, extra: str = "", rate_base: int | None = None) -> None:
    """The 'about this data' note every page ends with. ``rate_base``: the residents the page's rates are per
    (``metrics.view_rate_base``); None on a page whose rates may differ (per 100,000 only for rare offenses)."""
    st.divider()
    st.subheader(_("About this data"))
    if info.first_day and info.last_day:
        incidents = _("Incidents reported {first} to {last}: {rows} counted records").format(
            first=i18n.format_date(info.first_day), last=i18n.format_date(info.last_day),
            rows=f"{info.counted_rows:,}")
    else:
        incidents = _("Incidents: none loaded")
    lines = [
        _("**{label}** for {city}. Source: {source}").format(label=_(info.label), city=plain(info.city_name),
                                                            source=plain(source_words(info))),
        _("{incidents}; {activities} engagement activities; {surveys} survey results; {districts} districts, "
          "{neighborhoods} neighborhoods.").format(
            incidents=incidents, activities=f"{info.engagement_rows:,}", surveys=f"{info.survey_rows:,}",
            districts=info.districts, neighborhoods=info.neighborhoods),
        _("Data as of {as_of}; database built {built}.").format(
            as_of=i18n.format_date(info.last_day) if info.last_day else _("n/a"), built=freshness.built_day(info.built_at)),
        *freshness_notes(info),
        *correction_notes(info),
        (_("Rates are per {base} residents of the area (population and its year are in each hover) and are not "
           "shown for areas with fewer than {minimum} residents or no population figure.") if rate_base else
         _("Rates are per 1,000 residents of the area, or per 100,000 for rare offenses such as homicide "
           "(population and its year are in each hover), and are not shown for areas with fewer than {minimum} "
           "residents or no population figure.")).format(
            base=metrics.per_base(rate_base or 1000), minimum=metrics.MIN_POPULATION_FOR_RATE),
        *([extra] if extra else []),
    ]
    st.markdown("".join(f"- {line}\n" for line in lines))


def correction_notes(info: metrics.DatasetInfo) -> list[str]:
    """The data note's line on how incidents are counted and, only when the source has any, on its corrections."""
    if not info.has_incidents:
        return []
    lines = [_("Counts follow the agency's counting convention: the records it counts (for SLMPD, the rows flagged "
               "as crimes, by the month they were coded).")]
    if info.has_corrections:
        other = info.correction_rows - info.linked_corrections
        (n, n_form), (linked, linked_form), (other_text, other_form) = (
            public_count(v) for v in (info.correction_rows, info.linked_corrections, other))
        lines.append(ngettext(
            "The source has {n} later correction (an unfounded or reclassified report): ",
            "The source has {n} later corrections (unfounded or reclassified reports): ", n_form).format(n=n)
            + ngettext("{linked} corrects a counted incident and is shown beside the counts (“after later "
                       "corrections”), never subtracted from them; ",
                       "{linked} correct a counted incident and are shown beside the counts (“after later "
                       "corrections”), never subtracted from them; ", linked_form).format(linked=linked)
            + ngettext("{other} corrects a record that is not counted and is left out.",
                       "{other} correct records that are not counted and are left out.", other_form).format(
                other=other_text))
    return lines


def public_count(count: int) -> tuple[str, int]:
    """A count for a sentence, and the number its plural follows: in public mode one from 1 to 3 reads "fewer
    than 4" (and takes the plural, which says nothing of it)."""
    rules = privacy_rules()
    if rules is not None and rules.is_small(count):
        return rules.label, 2
    return f"{count:,}", count


def occurrence_unknown_note(store: Store, key: tuple, filters: "Filters", district_id: str | None = None,
                            rules: privacy.Rules | None = None) -> str:
    """By date occurred, the sentence on incidents reported in the period whose occurrence date is unknown
    ("" by date reported, or when there are none)."""
    if filters.date_basis != "occurred":
        return ""
    count = _occurrence_unknown(store, key, filters.period.start, filters.period.end, district_id,
                                filters.offense_group)
    return metrics.occurrence_unknown_note(count, rules)


@st.cache_data(show_spinner=False, max_entries=128)
def _occurrence_unknown(_store: Store, key: tuple, start: dt.date, end: dt.date, district_id: str | None,
                        offense_group: str) -> int:
    return metrics.occurrence_unknown(_store, start, end, district_id, offense_group)


def freshness_notes(info: metrics.DatasetInfo) -> list[str]:
    """The data note's lines on how current the data are (measured reporting lag, preliminary days) and
    on the series breaks the city declared (``freshness``, ``series_breaks``)."""
    if not info.has_incidents:
        return []
    return freshness.note_lines(info.freshness) + series_breaks.note_lines(info.series_breaks)


@st.cache_data(show_spinner=False, max_entries=16)
def offense_categories(_store: Store, key: tuple) -> dict[str, str]:
    return series_breaks.offense_categories(_store)


def chart_breaks(store: Store, info: metrics.DatasetInfo, offense_group: str,
                 district_id: str | None = None, *, every_district: bool = False) -> pd.DataFrame:
    """The series breaks that concern a chart of one offense filter and one district (None: citywide);
    ``every_district`` keeps the breaks of any district (a chart with a column per district picks its own)."""
    breaks = series_breaks.for_offense(info.series_breaks, offense_group, offense_categories(store, cache_key(store)))
    return breaks if every_district else series_breaks.for_place(breaks, district_id)


def preliminary_from(info: metrics.DatasetInfo, date_basis: str) -> dt.date | None:
    """First preliminary day for charts counted by ``date_basis`` (None by date reported: those counts are final)."""
    return info.freshness.preliminary_from if info.freshness is not None and date_basis == "occurred" else None


def comparison_cautions(info: metrics.DatasetInfo, breaks: pd.DataFrame, filters: Filters,
                        to_come_share: float | None = None) -> None:
    """Under the KPIs: a caption for each reason the comparison with a year earlier may mislead (it crosses a
    series break; the period reaches into the preliminary days: ``to_come_share``, the nowcast's share still to
    come, when the page shows one)."""
    period = filters.period
    cautions = freshness.comparison_cautions(info.freshness, breaks, period.start, period.end, period.prior.start,
                                             filters.date_basis, to_come_share)
    for text in cautions.values():
        st.caption(f":material/warning: {text}")


def chart_freshness_notes(breaks: pd.DataFrame, first: dt.date, last: dt.date, prelim: dt.date | None) -> list[str]:
    """Caption sentences for a monthly chart showing ``first`` to ``last``: each series break drawn on it, and
    the preliminary days shaded on it."""
    notes = []
    drawn = series_breaks.caption(series_breaks.within(breaks, first, last))
    if drawn:
        notes.append(drawn)
    if prelim is not None and prelim <= last:
        notes.append(_("The grey band marks preliminary days (from {day}): counted by date occurred, they still "
                       "rise as late reports arrive (see About this data).").format(day=i18n.format_date(prelim)))
    return notes


def data_label(info: metrics.DatasetInfo | None) -> str | None:
    """What every row of a download says it is ("Simulated demo data - Riverbend, Missouri")."""
    return f"{_(info.label)} - {info.city_name}" if info is not None else None


def csv_bytes(frame: pd.DataFrame, info: metrics.DatasetInfo | None) -> bytes:
    """CSV for download, labelled with what the data is (simulated or recorded) on every row, and safe
    to open in a spreadsheet (``exports``: formula-like text neutralised, UTF-8 with a byte-order mark)."""
    return exports.csv_bytes(frame, data_label(info))


def about_notes(info: metrics.DatasetInfo | None, notes: list[str] | None = None) -> list[str]:
    """The lines of a download workbook's 'about' sheet after the data label: source, dates, the page's notes
    (filters) and why some text starts with a quote."""
    lines = []
    if info is not None:
        lines.append(_("Source: {source}").format(source=source_words(info)))
        lines.append(_("Data as of {as_of}; database built {built}.").format(
            as_of=i18n.format_date(info.last_day) if info.last_day else _("n/a"), built=freshness.built_day(info.built_at)))
    lines.extend(notes or [])
    if info is not None and (rules := privacy_rules()) is not None:
        lines.append(privacy.public_note(rules))
    lines.append(_("Text that began with =, +, -, @ (or their full-width forms), a tab, a carriage return, an "
                   "invisible direction mark, or blanks before one of these, starts with ' in this file, so that no "
                   "spreadsheet reads it as a formula."))
    return lines


def filter_notes(filters: Filters) -> list[str]:
    """The page's filters, for the 'about' sheet of a download."""
    basis = _(DATE_BASIS_WORDS[filters.date_basis]) if filters.date_basis in DATE_BASIS_WORDS else filters.date_basis
    return [_("Page filters when downloaded: {period} ({name}), compared with {prior}; offenses: {offenses}; "
              "incidents counted by {basis}.").format(period=filters.period.label(), name=_(filters.period_name),
                                                     prior=filters.period.prior.label(),
                                                     offenses=filters.offense_label, basis=basis)]


def download_table(frame: pd.DataFrame, info: metrics.DatasetInfo | None, file_stem: str, key: str, *,
                   label: str | None = None, excel: bool = True,
                   notes: list[str] | None = None) -> None:
    """The one way a table leaves the app: "… (CSV)" and, side by side, "… (Excel)" buttons.

    Both files go through ``exports`` (formula-like text neutralised; ``data_label`` on every row
    when ``info`` is given; "_simulated" in the file name for simulated data). The CSV is made now
    ``info=None`` is for tables that describe no data (the data dictionary): no label, no source.

    Both files are made only when their button is clicked, and a click does not rerun the page
    (``on_click="ignore"``): before, every download greyed the whole page out for about two seconds.
    """
    label = label or _("Download these numbers")
    stem = file_stem.removesuffix(".csv")
    if info is not None and info.is_simulated and not stem.endswith("_simulated"):
        stem += "_simulated"
    row = st.container(horizontal=True) if excel else st
    # on_click="ignore": a click downloads without rerunning (and greying out) the page. The CSV is built now, from
    # the table as shown (the public-mode property tests read every file a page offers).
    row.download_button(_("{label} (CSV)").format(label=label), exports.csv_bytes(frame, data_label(info)),
                        file_name=f"{stem}.csv", mime=exports.CSV_MIME, key=key, on_click="ignore")
    if excel:
        # Deferred: the workbook is built on click, so pages with many tables do not pay for it on every
        # run (about 25 ms per 100 rows). It is built from the table as shown now.
        # Everything worded now, in this run's language: the click is served in a thread that speaks English.
        shown, lines, data_words, lang = frame.copy(), about_notes(info, notes), data_label(info), i18n.language()
        row.download_button(_("{label} (Excel)").format(label=label),
                            lambda: exports.excel_bytes(shown, sheet="data", label=data_words, notes=lines, lang=lang),
                            file_name=f"{stem}.xlsx", mime=exports.EXCEL_MIME, key=f"{key}_xlsx", on_click="ignore")


DISTRICT_PAGE = "pages/district.py"


def _open_district(area_id: str | None) -> None:
    if area_id and area_id != metrics.UNASSIGNED_ID:
        st.switch_page(DISTRICT_PAGE, query_params={"district": area_id})


def open_district_on_click(event, level: str, table: pd.DataFrame) -> None:
    """A click on a district of a map opens that district's page."""
    if level != "district" or not event:
        return
    points = event.get("selection", {}).get("points", [])
    if points:
        _open_district(points[0].get("location"))


def open_district_on_row(event, table: pd.DataFrame) -> None:
    """Selecting a row of a district table opens that district's page."""
    rows = (event or {}).get("selection", {}).get("rows", [])
    if rows:
        _open_district(str(table.iloc[rows[0]]["area_id"]))


def incident_comparison_captions(column, kpi, has_corrections: bool) -> None:
    """Under an incidents KPI (the Overview's city totals, the District page's KPIs): the year-earlier
    count with its noise reading, or why there is none; then the count after later corrections, only
    where the source has corrections."""
    if not kpi.comparable:  # nothing loaded a year earlier: no count, change or z to show
        column.caption(f"**{_(kpi.comparison)}**")
    elif kpi.noise_z is None and kpi.noise == metrics.NO_HISTORY_READING:  # too little history for a reading
        column.caption(_("{prior} a year earlier · **{noise}**").format(
            prior=f"{kpi.incidents_prior_year:,}", noise=_(kpi.noise)))
    elif kpi.noise_z is None:  # public mode: a count too small to show, so no comparison either
        column.caption(_("{prior} a year earlier · **no comparison shown**: small counts are hidden in this public "
                         "view").format(prior=_(kpi.incidents_prior_year_note) if kpi.incidents_prior_year_note
                                        else f"{kpi.incidents_prior_year:,}"))
    else:
        column.caption(_("{prior} a year earlier · **{noise}** (z = {z})").format(
            prior=f"{kpi.incidents_prior_year:,}", noise=_(kpi.noise), z=f"{kpi.noise_z:+.2f}"))
    if has_corrections and (reconciled := kpi.correction_sentence()):
        column.caption(reconciled[0].upper() + reconciled[1:] + ".")


def engagement_metrics(events_col, hours_col, recorded: bool, events: int, events_prior: int, hours: float,
                       hours_prior: float) -> None:
    """The two engagement KPIs (activities, officer hours) with their year-earlier comparison, or
    'not recorded' when the city keeps no engagement ledger."""
    if not recorded:
        events_col.metric(_("Engagement activities"), _("not recorded"))
        hours_col.metric(_("Officer engagement hours"), _("not recorded"))
        events_col.caption(_("No engagement ledger is loaded for this city."))
        return
    events_col.metric(_("Engagement activities"), f"{events:,}",
                      delta=_("{change} vs a year earlier").format(change=f"{events - events_prior:+,}"),
                      delta_color="off")
    events_col.caption(_("{count} a year earlier").format(count=f"{events_prior:,}"))
    hours_col.metric(_("Officer engagement hours"), f"{hours:,.0f}",
                     delta=_("{change} vs a year earlier").format(change=f"{hours - hours_prior:+,.0f}"),
                     delta_color="off")
    hours_col.caption(_("{count} a year earlier").format(count=f"{hours_prior:,.0f}"))


#: Files a spreadsheet opens as a table: these leave the app only through ``download_table``.
SPREADSHEET_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")


def download_document(label: str, data, file_name: str, key: str, mime: str, **options) -> None:
    """A download that is not a table (a PDF briefing, a slide deck): passed through as it is.
    Spreadsheet files are refused here, so that every table goes through ``download_table`` and is
    neutralised against formula injection."""
    if file_name.lower().endswith(SPREADSHEET_SUFFIXES) or mime in (exports.CSV_MIME, exports.EXCEL_MIME):
        raise ValueError(f"{file_name}: tables are downloaded with ui.download_table (neutralised by exports)")
    st.download_button(label, data, file_name=file_name, mime=mime, key=key, on_click="ignore",
                       **options)  # the file is ready: a click need not rerun (and grey out) the page


# Keyboard focus that anyone can see (WCAG 2.4.7). Streamlit marks a focused navigation link, radio
# option or button only by a faint grey background or halo (1.0–2.9:1 against the unfocused look); this
# adds a 2px outline in the theme's primary blue (5.9:1 on white). Plain CSS on Streamlit's test ids and
# standard elements; tests/test_accessibility.py checks that the focus shows.
FOCUS_CSS = """<style>
.stApp a:focus-visible, .stApp button:focus-visible, .stApp summary:focus-visible,
.stApp [data-testid="stRadioOption"]:has(input:focus-visible),
.stApp [data-testid="stCheckbox"] label:has(input:focus-visible) {
  outline: 2px solid #2166ac !important; outline-offset: 2px; border-radius: 0.25rem;
}
.stApp [data-testid="stSidebarNavLink"]:focus-visible { outline-offset: -2px; }
</style>"""


def focus_styles() -> None:
    """The visible keyboard focus above, for every page (called once per run by dashboard.py)."""
    st.html(FOCUS_CSS)


def plotly_chart(fig, *, kind: str | None = None, **options):
    """st.plotly_chart with a text alternative: screen readers hear the chart named by its kind, title
    and subtitle (``accessibility.chart_alt``; ``kind`` overrides the guessed "Line chart", "Map"…), and
    with chart text dark enough to read (``accessibility.readable_text``: Streamlit's chart theme draws
    ticks and subtitles in a light grey). The numbers behind it go in a table beside it or under it
    (``numbers_behind``)."""
    from community_policing.accessibility import chart_alt, readable_text

    config = {**i18n.plotly_config(), **options.pop("config", {})}  # dates and mode bar in the page's language
    return st.plotly_chart(readable_text(fig), alt=chart_alt(fig, kind), config=config or None, **options)


TABLES_PARAM = "tables"  # ?tables=open: every table of numbers opens with its chart (screen readers, portals)
TABLES_OPEN_STATE = "_tables_open"  # held for the session once asked for, on every page


def tables_open() -> bool:
    """True when the reader asked for every table open (``?tables=open`` in the link, held for the session)."""
    if st.query_params.get(TABLES_PARAM) == "open":
        st.session_state[TABLES_OPEN_STATE] = True
    return bool(st.session_state.get(TABLES_OPEN_STATE, False))


def lazy_expander(label: str, key: str):
    """An expander whose content is built only once the reader opens it: test ``.open`` inside it.

    Why: a closed st.expander still runs its code and the browser still builds what is inside (a table grid,
    download buttons, a chart), which on the District page's seven "Show the numbers" was a good part of its
    first visit. Opening one reruns the page (from cache) with its content. ``?tables=open`` opens them all."""
    return st.expander(label, expanded=tables_open(), key=f"{key}__open", on_change="rerun")


def lazy_tabs(labels: list[str], key: str) -> list[tuple]:
    """Tabs whose content is built only for the tab the reader has chosen: [(tab, build it?)] in order.

    Why, as ``lazy_expander``: each tab holds a chart or a table, and a page that built every tab drew them all
    on its first visit. Choosing a tab reruns the page (from cache) with that tab's content. ``?tables=open``
    builds every tab (for tests and readers who asked for everything)."""
    tabs = st.tabs(labels, key=key, on_change="rerun")
    everything = tables_open()
    return [(tab, everything or tab.open) for tab in tabs]


def numbers_behind(frame: pd.DataFrame, info: metrics.DatasetInfo, file_name: str, key: str,
                   column_config: dict | None = None, notes: list[str] | None = None) -> None:
    """The table behind a chart, one click away, with CSV and Excel downloads (simulated data say so
    in the name; ``notes`` go on the workbook's 'about' sheet). Built when opened (``lazy_expander``)."""
    box = lazy_expander(_("Show the numbers"), key)
    with box:
        if box.open:
            st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config, placeholder=MISSING)
            download_table(frame, info, file_name, key, notes=notes)


def area_column_config(area_word: str | None = None, **extra) -> dict:
    """Column labels and formats for any per-area table (same words on every page); ``extra`` adds or
    overrides columns. ``area_word``: the id column's heading, already translated (default "District")."""
    small = _("Public view: small counts are not shown")
    config = {
        "area_id": area_word or _("District"), "area_name": _("Name"),
        "incidents": st.column_config.NumberColumn(_("Incidents"), format="localized"),
        "incidents_prior_year": st.column_config.NumberColumn(_("A year earlier"), format="localized"),
        "change": st.column_config.NumberColumn(_("Change"), format="%+d"),
        "pct_change": st.column_config.NumberColumn(_("% change"), format="%+.1f%%"),
        "noise_z": st.column_config.NumberColumn("z", format="%+.2f", help=_(
            "The score of the test of the change, allowing for how much this area's counts normally vary; 2 or more "
            "either way reads 'possible change', 3 or more 'significant change'")),
        "dispersion": st.column_config.NumberColumn(_("Usual variation (× chance)"), format="%.1f", help=_(
            "How many times the variation of chance alone this area's counts normally show, measured from its own "
            "history at this period length")),
        "noise": _("Reading"),
        "population": st.column_config.NumberColumn(_("Residents"), format="localized"),
        "population_year": st.column_config.NumberColumn(_("Population year"), format="%d"),
        "rate_per_1000": st.column_config.NumberColumn(_("Per 1,000 residents"), format="%.1f"),
        "engagement_events": st.column_config.NumberColumn(_("Engagement activities"), format="localized"),
        "officer_hours": st.column_config.NumberColumn(_("Officer hours"), format="%.0f"),
        "events_per_1000_per_year": st.column_config.NumberColumn(_("Activities per 1,000 per year"), format="%.1f"),
        # Public mode (privacy): why a count is blank ("fewer than 4"), unlike a blank for no data.
        "incidents_note": st.column_config.TextColumn(_("Incidents: note"), help=small),
        "incidents_prior_year_note": st.column_config.TextColumn(_("A year earlier: note"), help=small),
    }
    if "comparison" not in extra:
        config["comparison"] = _("Comparison")
    config.update(extra)
    return config


def rate_column_config(base: int) -> dict:
    """Formats of the rate columns of a table per ``base`` residents (``metrics.rates_per``: per 100,000 they are
    named by their headings); empty per 1,000, where ``area_column_config`` and the callers' labels apply."""
    if int(base) == 1_000:
        return {}
    return {metrics.rate_heading(c, base): st.column_config.NumberColumn(metrics.rate_heading(c, base, translate=True),
                                                                         format="%.1f")
            for c in metrics.RATE_HEADINGS}


# What a table shows in a cell with no value (``st.dataframe(placeholder=MISSING)``), never "None" or "nan".
MISSING = "—"


def correction_column_config() -> dict:
    """Column labels of the corrections figures (beside the official counts, where the source has corrections)."""
    small = _("Public view: small counts are not shown")
    return {
        "corrected": st.column_config.NumberColumn(_("Later corrected"), format="%d", help=_(
            "Of the incidents counted, how many later corrections (unfounded or reclassified reports) remove.")),
        "after_corrections": st.column_config.NumberColumn(_("After later corrections"), format="%d", help=_(
            "Incidents counted minus those later corrected. The official count is the Incidents column.")),
        "corrected_note": st.column_config.TextColumn(_("Later corrected: note"), help=small),
        "after_corrections_note": st.column_config.TextColumn(_("After later corrections: note"), help=small),
    }


@st.cache_data(show_spinner=False, max_entries=16)
def neighborhood_list(_store: Store, key: tuple) -> pd.DataFrame:
    """Neighborhoods for the staff forms: area_id, area_name, district_id (as text)."""
    areas = _store.query("areas", level="neighborhood")
    return areas[["area_id", "area_name", "district_id"]].astype({"area_id": str, "district_id": str})


@dataclass(frozen=True)
class StaffPlaces:
    """Where staff can record things: district titles and neighborhood names by id."""

    titles: dict
    neighborhoods: pd.DataFrame
    nbhd_names: dict


def staff_places(store: Store, key: tuple) -> StaffPlaces:
    districts = district_list(store, key)
    neighborhoods = neighborhood_list(store, key)
    return StaffPlaces(dict(zip(districts["district_id"].astype(str), districts["title"])), neighborhoods,
                       dict(zip(neighborhoods["area_id"], neighborhoods["area_name"])))


# -- the staff ledger pages (Engagement log, Recurring meetings, Training and programs) ----------------


@dataclass(frozen=True)
class StaffPage:
    """What every staff page works with: the warehouse, its cache key and facts, where staff can record
    things, and the ledger file (which may not exist yet)."""

    store: Store
    key: tuple
    info: metrics.DatasetInfo
    places: StaffPlaces
    ledger_path: Path


def staff_page(title: str, caption: str, nowhere: str) -> StaffPage:
    """The start of a staff page: staff only (stops for the public, even reached by URL), the title, the
    simulated-data banner and the page's caption; stops with ``nowhere`` (``{city}`` filled in) and the
    data note when the city has no districts to record anything in."""
    require_staff()
    store = get_store()
    key = cache_key(store)
    info = dataset_info(store, key)
    st.title(title)
    simulated_banner(info)
    st.caption(caption)
    places = staff_places(store, key)
    if not places.titles:
        st.info(nowhere.format(city=plain(info.city_name)))
        data_note(info)
        st.stop()
    return StaffPage(store, key, info, places, store.ledger_file)  # where the Store reads: this city's ledger

LEDGER_FLASH = "_ledger_flash"  # a success message shown once, after the rerun that follows a save
_KEY_PREFIX = {"activity": "ledger", "training": "training", "program": "program", "series": "series"}
_RECORD_UPLOADED = {"activity": N_("Record the uploaded activities"), "training": N_("Record the uploaded training"),
                    "program": N_("Record the uploaded programs")}
_AUDIT_ACTIONS = {"insert": N_("insert"), "edit": N_("edit"), "delete": N_("delete")}  # stored values stay English


def recorded_by() -> str:
    """Who is making the entries, for the audit trail. Once staff sign in (secrets.toml), it is the signed-in
    name, shown read-only: a free box would let anyone who signed in write the audit under someone else's name.
    Only where there is no sign-in to take it from (a loopback server, which answers only its own computer)
    is it the 'Recorded by' box, remembered across the staff pages (a widget's own state is dropped when the
    page that shows it is left)."""
    config = staff_config()
    if config.configured:
        name = _signed_in(config)
        if name:
            st.session_state["ledger_user_signed_in"] = name  # the widget shows the current sign-in, always
            st.text_input(_("Recorded by"), key="ledger_user_signed_in", disabled=True,
                          help=_("The name you signed in with. Saved with every entry, edit and delete in the "
                                 "audit trail."))
            return name
        # Staff on this computer without signing in (a loopback server): entries need the sign-in's name.
        st.info(_("Sign in to record entries: the audit trail takes your name from the staff sign-in."))
        sign_in(config)
        return ""
    if "ledger_user" not in st.session_state:
        st.session_state["ledger_user"] = st.session_state.get("_recorded_by", "")
    user = st.text_input(_("Recorded by"), key="ledger_user", placeholder=_("your name or staff id"),
                         help=_("Required. Saved with every entry, edit and delete in the audit trail."))
    st.session_state["_recorded_by"] = user
    return user.strip()


def ledger_flash() -> None:
    """Show (once) what the last save did."""
    flash = st.session_state.pop(LEDGER_FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")


def ledger_editor(book, kind: str, user: str, column_config: dict, *, valid_district_ids,
                  valid_neighborhood_ids=None, neighborhoods: pd.DataFrame | None = None,
                  existing_programs=None, empty_text: str) -> None:
    """Recent records of one kind in st.data_editor: edit cells or tick delete, then save. Every
    change goes through the ledger (validated, audited; deletes are soft)."""
    prefix = _KEY_PREFIX[kind]
    errors_key = f"_{prefix}_row_errors"
    entries = book.entries(kind=kind) if book else pd.DataFrame()
    original = lf.editor_frame(entries, kind=kind)
    if original.empty:
        st.info(empty_text)
        return
    latest = (_("The latest {shown} of {total} entries, newest first.") if kind == "activity" else
              _("The latest {shown} of {total} records, newest first."))
    st.caption(latest.format(shown=min(len(entries), lf.RECENT_LIMIT), total=f"{len(entries):,}") + " "
               + _("Edit a cell or tick **delete**, then save. Deleted records leave the analytics but stay in the "
                   "ledger and its audit trail."))
    config = {"id": st.column_config.TextColumn(_("Entry")),
              "district_id": st.column_config.TextColumn(_("District")),
              "created_by": st.column_config.TextColumn(_("Recorded by")),
              "delete": st.column_config.CheckboxColumn(_("delete"),
                                                        help=_("Soft delete: kept in the ledger and audit.")),
              **column_config}
    edited = st.data_editor(
        original, key=f"{prefix}_editor", hide_index=True, width="stretch", num_rows="fixed",
        column_order=["delete", *[c for c in original.columns if c != "delete"]],
        disabled=[c for c in original.columns if c not in (*lf.EDITABLE[kind], "delete")],
        column_config=config,
    )
    reason = st.text_input(_("Reason for deleting (optional)"), key=f"{prefix}_delete_reason")
    for entry_id, messages in st.session_state.get(errors_key, {}).items():
        label = _("Recorded by") if entry_id == "user" else _("Entry {entry_id}").format(entry_id=entry_id)
        st.error(_("{label} not saved: {problems}").format(label=label, problems="; ".join(map(plain, messages))),
                 icon=":material/error:")
    if st.button(_("Save changes"), key=f"{prefix}_save"):
        changes = lf.editor_changes(original, edited, kind=kind)
        if changes.empty:
            st.session_state[errors_key] = {}
            st.toast(_("Nothing to save."))
            return
        result = lf.apply_changes(
            book, changes, user, reason=reason, neighborhoods=neighborhoods,
            districts_of=dict(zip(original["id"].astype(str), original["district_id"].astype(str))),
            valid_district_ids=valid_district_ids, valid_neighborhood_ids=valid_neighborhood_ids,
            existing_programs=existing_programs,
        )
        st.session_state[errors_key] = result.errors
        if result.edited or result.deleted:
            st.session_state[LEDGER_FLASH] = _("Saved {edits} edit(s) and {deletes} delete(s). They already count "
                                               "on every page.").format(edits=len(result.edited),
                                                                        deletes=len(result.deleted))
        # Keep the editor's pending cells while some rows were refused (so nothing typed is lost),
        # unless a delete shifted the rows under it.
        if not result.errors or result.deleted:
            st.session_state.pop(f"{prefix}_editor", None)
        st.rerun()


def ledger_bulk_entry(ledger_path, kind: str, user: str, first_district: str, *, valid_district_ids,
                      valid_neighborhood_ids=None, existing_programs=None) -> None:
    """Download the kind's template (CSV, or Excel with the allowed values); upload it filled."""
    prefix = _KEY_PREFIX[kind]
    spec = ledger_bulk.template_for(kind)
    result_key = f"{prefix}_upload_result"
    t1, t2 = st.columns(2)
    # Templates are written by exports too (one way out of the app): a district id read from a
    # city's files could start like a formula.
    t1.download_button(_("Template (CSV)"), ledger_bulk.template_csv(first_district, kind),
                       file_name=f"{spec.sheet}_template.csv", mime=exports.CSV_MIME, key=f"{prefix}_template_csv",
                       on_click="ignore")
    t2.download_button(_("Template (Excel, with allowed values)"), ledger_bulk.template_excel(first_district, kind),
                       file_name=f"{spec.sheet}_template.xlsx", key=f"{prefix}_template_xlsx", mime=exports.EXCEL_MIME,
                       on_click="ignore")
    upload = st.file_uploader(_("Filled template"), type=["csv", "xlsx"], key=f"{prefix}_upload")
    if upload is not None and st.button(_(_RECORD_UPLOADED[kind]), key=f"{prefix}_upload_go"):
        if not user:
            st.error(_("Fill in 'Recorded by' first: every entry is recorded with who made it."))
        else:
            try:
                ledger_bulk.check_upload_size(upload.name, upload.size)  # before the bytes are read into memory
                frame = ledger_bulk.read_upload(upload.name, upload.getvalue(), kind)
            except SourceFileError as exc:
                st.error(plain(exc))  # it quotes the uploaded file's text
            else:
                bar = st.progress(0.0)
                try:
                    st.session_state[result_key] = ledger_bulk.load_rows(
                        Ledger(ledger_path, city=get_store().city), frame, user, valid_district_ids=valid_district_ids,
                        valid_neighborhood_ids=valid_neighborhood_ids, kind=kind, existing_programs=existing_programs,
                        progress=lambda done, text: bar.progress(min(max(float(done), 0.0), 1.0), text=plain(text)))
                except LedgerError as exc:
                    bar.empty()
                    st.error(plain(exc))
                else:
                    st.rerun()  # so the recent records above include the new rows; the outcome shows after it
    if (uploaded := st.session_state.pop(result_key, None)) is not None:
        rejected = uploaded.rejects["line"].nunique()
        st.success(_("{read} rows read: {recorded} recorded, {rejected} rejected.").format(
            read=uploaded.rows_read, recorded=len(uploaded.recorded), rejected=rejected))
        if rejected:
            st.dataframe(uploaded.rejects, hide_index=True, width="stretch",
                         column_config={"line": _("line"), "column": _("column"), "value": _("value"),
                                        "reason": _("reason")})


def ledger_audit(book, prefixes: str | None = None) -> None:
    """The latest audit rows (of ids starting with one of ``prefixes``, else all), newest first."""
    trail = book.audit() if book else None
    if trail is not None and prefixes:
        trail = trail[trail["entry_id"].str[:1].isin(list(prefixes))]
    audit = lf.audit_frame(trail)
    if audit.empty:
        st.caption(_("Nothing recorded yet."))
        return
    st.caption(_("The latest 50 changes, newest first. The trail only grows: nothing in it can be changed or "
                 "removed."))
    audit["action"] = audit["action"].map(lambda a: _(_AUDIT_ACTIONS[a]) if a in _AUDIT_ACTIONS else a)
    st.dataframe(audit, hide_index=True, width="stretch",
                 column_config={"when": _("when"), "who": _("who"), "action": _("action"), "entry": _("entry"),
                                "change": st.column_config.TextColumn(_("before → after"), width="large")})


def field_error(errors_key: str, name: str) -> None:
    """The message for one form field, right under its widget (kept across the rerun after a submit)."""
    message = st.session_state.get(errors_key, {}).get(name)
    if message:
        st.error(plain(message), icon=":material/error:")  # it may quote what was typed


def not_saved(errors_key: str, what: str) -> None:
    """One line above a form listing every problem of its last submit (``what``: the record, translated,
    such as ``_("activity")``)."""
    errors = st.session_state.get(errors_key, {})
    if errors:
        st.error(_("The {what} was not saved. Please fix: {problems}").format(
            what=what, problems="; ".join(f"{lf.field_label(k)} – {plain(v)}" for k, v in errors.items())))


def reset_form_after_save(flag_key: str, defaults: dict) -> None:
    """Empty a form on the run after a successful save (assigning, not deleting, the widget values
    before the widgets exist also empties them in the browser); a refused save keeps what was typed."""
    if st.session_state.pop(flag_key, False):
        for widget_key, value in defaults.items():
            st.session_state[widget_key] = value


# -- who is looking (public or staff) -----------------------------------------------------------------


_SIGNED_IN = "_staff_signed_in"             # (name, hash) after a password sign-in in this session
_THROTTLE = "_staff_sign_in_throttle"       # auth.Throttle of this session's failed attempts
_PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-host", "forwarded", "x-real-ip")
_LOG = logging.getLogger(__name__)
_LOGGED: set[str] = set()


def _log_once(message: str) -> None:
    if message not in _LOGGED:
        _LOGGED.add(message)
        _LOG.warning(message)


def _secrets() -> dict:
    """``st.secrets`` as a plain dict; empty when there is no secrets.toml or it cannot be read."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError as exc:  # StreamlitSecretNotFoundError: no file, or a file that does not parse
        if "parsing" in str(exc).lower():
            _log_once(f"secrets.toml is not used: {exc}")
        return {}


def staff_config(secrets: dict | None = None) -> auth.StaffConfig:
    """How staff sign in here (from secrets.toml); settings it had to ignore go to the server log."""
    config = auth.staff_config(_secrets() if secrets is None else secrets)
    for problem in config.problems:
        _log_once(problem)
    return config


def _server_address(config: auth.StaffConfig) -> str | None:
    """The address the server listens on, or None ("reachable from elsewhere") when the settings ask
    for sign-in everywhere or this request came through a proxy or from another machine: a loopback
    server behind a reverse proxy on the same machine is not private."""
    if config.require_sign_in:
        return None
    try:
        headers = st.context.headers
        remote = st.context.ip_address  # None for a local client
    except Exception:  # no request context (AppTest, bare mode)
        headers, remote = {}, None
    if (isinstance(remote, str) and remote) or any(name in headers for name in _PROXY_HEADERS):
        return None
    return st.get_option("server.address")


def _signed_in(config: auth.StaffConfig) -> str | None:
    """The signed-in staff member's name, or None."""
    if config.method == "oidc":
        user = st.user
        if user.get("is_logged_in") and auth.is_staff_email(config, user.get("email"), user.get("email_verified")):
            return str(user.get("email"))
        return None
    if config.method == "password":
        entry = st.session_state.get(_SIGNED_IN)
        # Only while the hash it matched is still configured: a changed password signs everyone out.
        if entry and entry[1] in config.hash_fingerprints():
            return entry[0]
    return None


def viewer() -> settings.Viewer:
    """This session's viewer: the effective mode and whether staff pages and exact counts are theirs."""
    secrets = _secrets()
    config = staff_config(secrets)
    try:
        mode = settings.configured_mode(secrets=dict(auth.common_ground_section(secrets)))
    except ValueError as exc:
        st.error(_("The dashboard is misconfigured: {reason}").format(reason=exc))
        st.stop()
    address = _server_address(config)
    if mode == "staff" and not config.configured and not settings.is_loopback(address):
        _log_once("The server is reachable from other machines and no staff sign-in is configured "
                  "(.streamlit/secrets.toml): running in public mode, without staff pages.")
    return settings.effective_viewer(mode, address, sign_in_configured=config.configured,
                                     signed_in=_signed_in(config) is not None)


def signed_in_name() -> str | None:
    """Who signed in to this session (None on a loopback server, where nobody signs in)."""
    return _signed_in(staff_config())


# The characters that start or shape Markdown in Streamlit: CommonMark's (emphasis, links, images, code,
# headings, lists, tables, HTML, entities), GFM's autolinks (":" of https:, "." of www. and of an e-mail's
# domain) and Streamlit's own (:red[…], :material/…:, $…$). A backslash makes each one plain text; other
# punctuation (, ; ' " ? / % @) cannot start anything and stays as it is, so messages stay readable.
_MARKDOWN_PUNCTUATION = frozenset("\\`*_{}[]()#+-.!|<>~$:&")
WORD_JOINER = "\u2060"
# Where a word joiner goes in escaped text: inside the "://" of a URL, after the "www" of "www.", after an "@".
_AUTOLINK = re.compile(r"(?<=\\:)(?=/)|(?<=www)(?=\\\.)|(?<=@)", re.IGNORECASE)


def plain(text) -> str:
    """``text`` for a Markdown element (st.markdown, st.caption, st.error, st.info, a title…) shown exactly as
    written: every character Markdown reads backslash-escaped, line breaks and other control characters as
    spaces. For anything a visitor or a file supplies (a URL's ``?district=``, ledger text, names read from a
    city's files, an error message quoting a value): ``[click](https://…)`` or ``![x](https://…/x.png)`` from a
    shared link then reads as those characters, never as a link or a remote image on the official site, and
    ``:red[…]``, ``$…$`` or ``**…**`` style nothing. Text the app writes itself stays Markdown."""
    escaped = "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else " " if unicodedata.category(ch) == "Cc" else ch
                      for ch in str(text))
    # GFM turns URL- and e-mail-like text into links after the escapes are read (https://…, www.…, a@b.c), so
    # an invisible word joiner goes inside each such pattern: the text looks and reads the same, and no link.
    return _AUTOLINK.sub(WORD_JOINER, escaped)


def _plain(text: str) -> str:
    """A signed-in staff name or e-mail shown inside Markdown as it is (with _ or * in it); an e-mail stays a
    mailto link. Text from visitors or files goes through ``plain``."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~$" else ch for ch in str(text))


def sign_in(config: auth.StaffConfig | None = None) -> None:
    """The staff sign-in: Streamlit's st.login (OIDC) when configured, else a password form checked
    against the hashes in secrets.toml (one generic message for any failure; failed attempts in a
    session make the next ones wait)."""
    config = config or staff_config()
    if config.method == "oidc":
        if st.user.get("is_logged_in"):  # signed in with the provider, but not on the staff list
            st.warning(_("{account} is not on this dashboard's staff list.").format(
                account=_plain(st.user.get("email") or _("This account"))))
            if st.button(_("Sign out"), key="staff_sign_out"):
                st.logout()
            return
        for provider in config.oidc_providers:
            label = _("Staff sign-in") + (f" ({provider})" if provider else "")
            if st.button(label, key=f"staff_login_{provider or 'default'}", icon=":material/login:"):
                st.login(provider or None)
        return
    if config.method != "password":
        return
    throttle: auth.Throttle = st.session_state.setdefault(_THROTTLE, auth.Throttle())
    with st.form("staff_sign_in", clear_on_submit=True, border=True):
        st.markdown("**{}**".format(_("Staff sign-in")))
        username = ""
        if config.users:
            username = st.text_input(_("User name (optional)") if config.shared_hash else _("User name"),
                                     key="staff_sign_in_user", autocomplete="username")
        password = st.text_input(_("Password"), type="password", key="staff_sign_in_password",
                                 autocomplete="current-password", max_chars=auth.MAX_PASSWORD_CHARS)
        submitted = st.form_submit_button(_("Sign in"), icon=":material/login:")
    if not submitted:
        return
    if wait := throttle.wait_seconds():
        st.error(_("Too many failed sign-ins. Try again in {seconds} seconds.").format(seconds=wait))
        return
    signed = auth.check_password(config, username, password)
    if signed is None:
        throttle.failed()
        st.error(_("Sign-in failed: the user name or password is not right.") if config.users
                 else _("Sign-in failed: the password is not right."))
        return
    throttle.succeeded()
    st.session_state[_SIGNED_IN] = signed
    st.rerun()  # so the navigation shows the staff pages


def sign_out(config: auth.StaffConfig | None = None) -> None:
    """A sign-out button for a signed-in session."""
    config = config or staff_config()
    if st.button(_("Sign out"), key="staff_sign_out", icon=":material/logout:"):
        st.session_state.pop(_SIGNED_IN, None)
        if config.method == "oidc":
            st.logout()  # redirects to the provider's sign-out, then back to a new session
        else:
            st.rerun()  # so the navigation drops the staff pages


def access_sidebar(view: settings.Viewer) -> None:
    """The mode indicator, and the sign-in or sign-out when there is one (call inside the sidebar)."""
    if view.is_staff:
        name = signed_in_name()
        if name and not view.loopback:
            st.caption(":material/badge: " + _("Staff view (signed in as {name})").format(name=_plain(name)))
            sign_out()
        else:
            st.caption(":material/badge: " + _("Staff view (this server only answers this computer)"))
        return
    st.caption(":material/public: " + _("Public view: read-only"))
    if view.needs_sign_in:
        sign_in()


def require_staff() -> settings.Viewer:
    """First thing on a staff page: stop with a plain message unless this viewer is staff, even when
    the page is reached by its URL or run on its own."""
    _ensure_entrypoint()
    view = viewer()
    if not view.is_staff:
        st.title(_("Staff only"))
        if view.needs_sign_in:
            st.info(_("This page is for staff. Sign in with the staff sign-in in the sidebar first."))
        else:
            st.info(_("This page is for staff. This dashboard is a public, read-only view."))
        st.stop()
    return view


def privacy_rules() -> privacy.Rules | None:
    """The public-mode privacy rules when they apply to this viewer, else None (staff see everything)."""
    return privacy.rules_from_env() if viewer().privacy_applies else None
