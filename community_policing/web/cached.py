"""The warehouse and what the pages read from it, cached, as this reader may see it.

The one privacy boundary between the views and the pages is here: ``view`` calls a view function with
the privacy rules in public mode and ``area_comparison`` protects its table, so every frame a page gets
is already protected (a page never names ``privacy``: tests/test_architecture.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from community_policing import i18n
from community_policing.data import series_breaks
from community_policing.data.store import (DatabaseLocked, DatabaseMissing, DatabaseOutdated, resolve_db_path, Store,
                                           StoreError)
from community_policing.i18n import _
from community_policing.views import metrics, privacy
from community_policing.web.language import apply_language
from community_policing.web.session import _ensure_entrypoint
from community_policing.web.signin import privacy_rules
from community_policing.web.echo import plain


@st.cache_resource(show_spinner=False)
def _store_holder() -> dict:
    # One read-only connection per process (a DuckDB file allows many readers, one writer).
    return {}


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


def reopen(db_path: Path) -> None:
    """Close this process's Store of a replaced file, so every page reads the new one at once: ``get_store``
    drops a stale Store unclosed, and DuckDB then hands the next Store that same (old, unlinked) database."""
    if (stale := _store_holder().pop(db_path, None)) is not None:
        stale.close()


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
                    offense_group: str, date_basis: str) -> pd.DataFrame:
    """``metrics.area_comparison`` (cached) as this reader may see it: in public mode the suppressed table,
    decided with the other level's table (``protected_areas``)."""
    rules = privacy_rules()
    if rules is not None:
        return protected_areas(_store, key, start, end, offense_group, date_basis, rules).table(level)
    return _area_comparison(_store, key, start, end, level, offense_group, date_basis)


def area_table(store: Store, key: tuple, filters, level: str) -> pd.DataFrame:
    """``area_comparison`` for the sidebar's ``filters`` (a ``sidebar.Filters``): one cached table per filters and
    level, as this reader may see it, that a page hands to its views (every district's view shares it)."""
    return area_comparison(store, key, filters.period.start, filters.period.end, level, filters.offense_group,
                           filters.date_basis)


@st.cache_data(show_spinner=False, max_entries=128)
def protected_areas(_store: Store, key: tuple, start: dt.date, end: dt.date, offense_group: str, date_basis: str,
                    rules: privacy.Rules) -> privacy.ProtectedAreas:
    """The district and neighborhood tables of these filters as the public sees them (one decision for
    both levels, so a count is hidden alike on every page), with the fate of the citywide total."""
    return privacy.protect_area_tables(
        _area_comparison(_store, key, start, end, "district", offense_group, date_basis),
        _area_comparison(_store, key, start, end, "neighborhood", offense_group, date_basis), rules)


def view(function, store: Store, *args, **kwargs):
    """What the view ``function`` shows this reader: ``function(store, *args, rules=..., **kwargs)``, cached per
    warehouse build, ledger version, language and arguments.

    The one privacy boundary between the views and the pages: in public mode the view is called with the
    privacy rules (``privacy_rules()``), so every frame it hands to a page is already protected, and a page never
    sees the rules (tests/test_architecture.py fails on a page that names ``privacy``). A view takes ``rules`` as
    a keyword (None: staff, who see everything)."""
    return _view(function, f"{function.__module__}.{function.__qualname__}", store, cache_key(store), privacy_rules(),
                 args, kwargs)


@st.cache_data(show_spinner=False, max_entries=512)
def _view(_function, name: str, _store: Store, key: tuple, rules: privacy.Rules | None, args: tuple, kwargs: dict):
    # The function is named by ``name`` in the cache key (Streamlit cannot hash a function object).
    return _function(_store, *args, rules=rules, **kwargs)


def public_note() -> str | None:
    """The sentence public readers get under a table or chart whose small counts are hidden (None: staff)."""
    rules = privacy_rules()
    return None if rules is None else _(privacy.public_note(rules))


def public_view() -> bool:
    """True when this reader sees the public view (small counts hidden), for wording only: the frames are
    already protected by ``view`` and ``area_comparison``."""
    return privacy_rules() is not None


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


@st.cache_data(show_spinner=False, max_entries=128)
def _occurrence_unknown(_store: Store, key: tuple, start: dt.date, end: dt.date, district_id: str | None,
                        offense_group: str) -> int:
    return metrics.occurrence_unknown(_store, start, end, district_id, offense_group)


@st.cache_data(show_spinner=False, max_entries=16)
def offense_categories(_store: Store, key: tuple) -> dict[str, str]:
    return series_breaks.offense_categories(_store)


@st.cache_data(show_spinner=False, max_entries=16)
def neighborhood_list(_store: Store, key: tuple) -> pd.DataFrame:
    """Neighborhoods for the staff forms: area_id, area_name, district_id (as text)."""
    areas = _store.query("areas", level="neighborhood")
    return areas[["area_id", "area_name", "district_id"]].astype({"area_id": str, "district_id": str})
