"""Series breaks: dates on which an incident series stops being comparable with itself.

A city declares them in its manifest (``[[series_breaks]]``, read by ``loader``): a new district
map, a new counting standard (UCR summary reporting to NIBRS), a new records system. They are
stored in the ``series_breaks`` table, drawn on monthly charts as a dashed line with a short label
(``district_figures.add_series_breaks``), explained under each chart and in the data note, and a
comparison with a year earlier that spans one gets a warning.

Which breaks concern a chart:

* ``scope = all`` breaks every incident series, citywide included; ``scope = districts`` only
  counts by district (the citywide total is not affected, as when only the placing of incidents
  in districts changed).
* A break naming a district concerns that district's series (and, with scope ``all``, the city's);
  one naming an offense group or category concerns series of that group, of its category, and of
  all offenses, but not of other groups.

Pure functions of DataFrames (``frame`` columns: ``COLUMNS``) plus ``load(store)``. No Streamlit.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from community_policing import i18n
from community_policing.i18n import N_, _, ngettext

COLUMNS = ["day", "label", "kind", "scope", "district_id", "offense_group", "description", "source", "label_es",
           "description_es"]
KIND_WORDS = {  # shown with _(): the kinds are data
    "boundaries": N_("area map changed"),
    "counting_rules": N_("counting rules changed"),
    "records_system": N_("records system changed"),
    "classification": N_("offense classification changed"),
    "other": N_("recording changed"),
}


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def normalise(breaks: pd.DataFrame | None) -> pd.DataFrame:
    """The breaks with ``day`` as dates and empty text as None, oldest first (an empty frame for None)."""
    if breaks is None or breaks.empty:
        return empty()
    out = breaks.copy()
    for col in COLUMNS:
        if col not in out:
            out[col] = None
    out["day"] = pd.to_datetime(out["day"]).dt.date
    # object dtype: a string dtype would turn None into NaN
    for col in ("district_id", "offense_group", "source", "label_es", "description_es"):
        out[col] = pd.Series([None if v is None or pd.isna(v) or str(v).strip() == "" else str(v) for v in out[col]],
                             index=out.index, dtype=object)
    return out[COLUMNS].sort_values(["day", "label"], kind="stable").reset_index(drop=True)


def load(store) -> pd.DataFrame:
    """Every declared break in the warehouse (named query ``series_breaks``)."""
    return normalise(store.query("series_breaks"))


def for_place(breaks: pd.DataFrame | None, district_id: str | None = None) -> pd.DataFrame:
    """The breaks that concern one district's series (None: the citywide series)."""
    data = normalise(breaks)
    if data.empty:
        return data
    if district_id is None:
        keep = data["scope"] == "all"
    else:
        keep = data["district_id"].isna() | (data["district_id"].astype(str) == str(district_id))
    return data[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def for_places(breaks: pd.DataFrame | None, district_ids: list[str]) -> pd.DataFrame:
    """The breaks that concern any of these districts' series (each once)."""
    data = normalise(breaks)
    if data.empty:
        return data
    ids = {str(d) for d in district_ids}
    keep = data["district_id"].isna() | data["district_id"].astype(str).isin(ids)
    return data[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def for_offense(breaks: pd.DataFrame | None, offense_group: str | None = None,
                categories: dict[str, str] | None = None) -> pd.DataFrame:
    """The breaks that concern series of one offense filter (None or "all": all offenses; a group;
    or a category). ``categories`` maps each offense group to its category (violent, property,
    other), so that a break of one group concerns its category's series and the other way round."""
    data = normalise(breaks)
    if data.empty:
        return data
    categories = categories or {}
    offense = None if offense_group in (None, "", "all") else str(offense_group)
    # The filter's value for a category is "category:violent" (a bare "violent" is read the same way when no
    # group has that code); a group's value is its code.
    category = offense.removeprefix("category:") if offense and offense.startswith("category:") else (
        offense if offense and offense not in categories and offense in set(categories.values()) else None)

    def concerns(group) -> bool:
        if group is None or offense is None or group == offense:
            return True
        if category is not None:
            return group == category or categories.get(group) == category
        return categories.get(offense) == group

    keep = data["offense_group"].map(concerns)
    return data[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def applicable(breaks: pd.DataFrame | None, district_id: str | None = None, offense_group: str | None = None,
               categories: dict[str, str] | None = None) -> pd.DataFrame:
    """The breaks that concern a series of one district (None: citywide) and one offense filter."""
    return for_place(for_offense(breaks, offense_group, categories), district_id)


def offense_categories(store) -> dict[str, str]:
    """Each offense group's category, for ``for_offense``."""
    groups = store.query("offense_groups")
    return dict(zip(groups["offense_group"], groups["category"]))


def within(breaks: pd.DataFrame | None, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Breaks inside a chart that shows ``first`` to ``last``: days after ``first`` (a break on
    the first day shown has nothing before it to break from) up to ``last``."""
    data = normalise(breaks)
    if data.empty:
        return data
    return data[(data["day"] > first) & (data["day"] <= last)].reset_index(drop=True)


def crossed(breaks: pd.DataFrame | None, start: dt.date, end: dt.date, prior_start: dt.date) -> pd.DataFrame:
    """Breaks a comparison of [start, end] with the same days a year earlier (from ``prior_start``)
    spans: some compared days lie before the break and some on or after it."""
    return within(breaks, prior_start, end)


def _own_words(row, column: str) -> str:
    """The city's own words for a break (its manifest): in the current language when the manifest gives
    them (``label_es``, ``description_es``), else as written."""
    translated = row.get(f"{column}_{i18n.language()}") if i18n.language() != i18n.DEFAULT else None
    return translated if isinstance(translated, str) and translated.strip() else str(row[column])  # not NaN


def label(row) -> str:
    """The break's short name in the current language where the city gave one."""
    return _own_words(row, "label")


def description(row) -> str:
    """What changed, in the current language where the city gave it."""
    return _own_words(row, "description")


def chart_label(row) -> str:
    """The short text beside the dashed line."""
    return f"{label(row)} ({i18n.format_month_short(row['day'])})"


def sentence(row) -> str:
    """One break in a sentence, for captions and notes."""
    # The label, description and source are the city's own words (its manifest); the source as written.
    text = f"{i18n.format_date(row['day'])}, {label(row)}: {description(row).rstrip('.')}."
    if row.get("source"):
        text += " " + _("Source: {source}").format(source=str(row["source"]).rstrip(".")) + "."
    return text


def caption(breaks: pd.DataFrame | None) -> str | None:
    """Under a chart: what each dashed line is (None when no break is drawn)."""
    data = normalise(breaks)
    if data.empty:
        return None
    lead = ngettext("The dashed line marks a series break: counts on either side are not directly comparable.",
                    "The {n} dashed lines mark series breaks: counts on either side are not directly comparable.",
                    len(data)).format(n=len(data))
    return lead + " " + " ".join(sentence(r) for _index, r in data.iterrows())


def _named(data: pd.DataFrame) -> str:
    """"NIBRS on Jul 1, 2023 (counting rules changed); …": each break with its day and what changed."""
    return "; ".join(_("{label} on {day} ({kind})").format(
        label=label(r), day=i18n.format_date(r["day"]), kind=_(KIND_WORDS.get(r["kind"], KIND_WORDS["other"])))
        for _index, r in data.iterrows())


def comparison_warning(breaks: pd.DataFrame | None) -> str | None:
    """For a KPI caption: the comparison with a year earlier spans these breaks (None: no break)."""
    data = normalise(breaks)
    if data.empty:
        return None
    names = _named(data)
    return _("The comparison with a year earlier crosses a series break: {names}. Part of the change may come from "
             "how incidents were recorded, not from crime.").format(names=names)


def note_lines(breaks: pd.DataFrame | None) -> list[str]:
    """The data note's lines about breaks: each declared break, or that none is declared."""
    data = normalise(breaks)
    if data.empty:
        return [_("Series breaks: none declared for this city (see How to read these numbers).")]
    listed = "; ".join(f"{i18n.format_date(r['day'])} {label(r)}"
                       + ("" if r["scope"] == "all" else " " + _("(district counts only)"))
                       for _index, r in data.iterrows())
    return [_("Series breaks declared for this city: {listed}. Charts mark them with a dashed line; see How to read "
              "these numbers.").format(listed=listed)]


def program_warning(breaks: pd.DataFrame | None, first: dt.date, last: dt.date) -> str | None:
    """For a program estimate made from ``first`` to ``last`` (its window around the start; ``breaks``: those
    of its treated and comparison districts): a break inside the window, in a sentence (None: no break).
    The comparison districts absorb a break that changed every district's counts alike at once (month
    effects), but not one that moved incidents between districts, such as a new district map."""
    data = within(breaks, first, last)
    if data.empty:
        return None
    names = _named(data)
    return _("The months this estimate compares cross a series break: {names}. A change that altered every "
             "district's counts alike is absorbed by the comparison districts; one that moved incidents between "
             "districts (a new district map) or changed only some of them can bias the estimate either way. Read it "
             "with that in mind.").format(names=names)
