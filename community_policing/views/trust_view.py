"""The numbers behind the Resident trust page: each district's survey score of the period with its change from a
year earlier (``trust_stats.district_trust``), as this reader may see them, and the note on the districts the
page does not draw. No Streamlit; the page calls ``changes_view`` through ``cached.view`` (cached, and with the privacy
rules in public mode)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from community_policing.stats import trust_stats
from community_policing.views import metrics, privacy
from community_policing.i18n import _, ngettext
from community_policing.data.store import Store


def changes_view(store: Store, measure: str, start: dt.date, end: dt.date, *,
                 rules: privacy.Rules | None = None) -> pd.DataFrame:
    """Each district's score of [start, end] for the survey ``measure`` and its change from a year earlier. The
    results the page does not show (too few respondents) are left out of the changes too; in public mode
    (``rules``) a district whose period had fewer than ``metrics.MIN_RESPONDENTS`` respondents gets no change
    (``trust_stats.protect_districts``: ``hidden_public``)."""
    changes = trust_stats.district_trust(store, start, end, measure, min_respondents=metrics.MIN_RESPONDENTS)
    if rules is not None:
        changes = trust_stats.protect_districts(changes, metrics.MIN_RESPONDENTS)
    return changes


def drawn_districts(table: pd.DataFrame) -> list[str]:
    """The districts with a score to draw (``metrics.trust_by_district``), in the table's order."""
    return list(dict.fromkeys(table.loc[table["score"].notna(), "district_id"].astype(str)))


def not_shown_note(table: pd.DataFrame, district_ids, titles: dict[str, str], changes: pd.DataFrame) -> str:
    """Under the heading: the districts not drawn and why (or that every one is), and in public mode the districts
    given no change. ``titles``: each district's title as the page writes it."""
    drawn = drawn_districts(table)
    reasons = []
    for did in district_ids:
        if did in drawn:
            continue
        if (table["district_id"].astype(str) == did).any():
            reasons.append(_("{district} (fewer than {n} respondents in every month)").format(
                district=titles[did], n=metrics.MIN_RESPONDENTS))
        else:
            reasons.append(_("{district} (no survey results in these months)").format(district=titles[did]))
    note = (_("Not shown: {districts}.").format(districts="; ".join(reasons)) if reasons else
            ngettext("The {n} district is shown.", "All {n} districts are shown.", len(drawn)).format(n=len(drawn)))
    if "hidden_public" in changes and changes["hidden_public"].any():  # public mode only
        note += " " + _("Public view: no change is given for {districts}, whose period had fewer than {n} "
                        "respondents.").format(districts=", ".join(titles.get(str(d), str(d)) for d in
                                                                   changes.loc[changes["hidden_public"],
                                                                               "district_id"]),
                                               n=metrics.MIN_RESPONDENTS)
    return note
