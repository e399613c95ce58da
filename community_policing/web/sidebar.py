"""The sidebar filters (period, offenses, how incidents are counted), held across pages in the session
and written to the address so a copied link opens the same view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from community_policing import i18n
from community_policing.data.store import Store
from community_policing.i18n import _, N_
from community_policing.views import metrics
from community_policing.web.cached import cache_key
from community_policing.web.session import _HELD, _keep_widget, _URL_SHOWN, follow_url, hold, keep, show_in_url


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
PERIOD_CODES = {"Last 12 months": "12m", "Last 28 days": "28d", "Year to date": "ytd", "Last full year": "year",
                CUSTOM_RANGE: "custom"}
DEFAULT_PERIOD = "Last 12 months"


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


def filter_notes(filters: Filters) -> list[str]:
    """The page's filters, for the 'about' sheet of a download."""
    basis = _(DATE_BASIS_WORDS[filters.date_basis]) if filters.date_basis in DATE_BASIS_WORDS else filters.date_basis
    return [_("Page filters when downloaded: {period} ({name}), compared with {prior}; offenses: {offenses}; "
              "incidents counted by {basis}.").format(period=filters.period.label(), name=_(filters.period_name),
                                                      prior=filters.period.prior.label(),
                                                      offenses=filters.offense_label, basis=basis)]
