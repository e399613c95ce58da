"""Data for each layer of the Map page: one row per area with the layer's value, its counts and
its denominator. Pure given a Store (no Streamlit); the page reads them through the ``*_view`` functions
(``cached.view``: cached, and called with the privacy rules in public mode) and draws what they return.

Layers:

* ``rate``        incidents per 1,000 residents, size-adjusted (``funnel.add_shrunk_rates``: small areas
                  pulled toward the city rate), the raw rate beside it
* ``change``      % change vs the same days a year earlier, with ``muted`` where the reading is "within
                  normal variation" (|noise_z| < 2)
* ``engagement``  engagement activities per 1,000 residents per year
* ``trust``       latest respondent-weighted trust score in the period (district level only)
* ``bivariate``   engagement intensity tercile × crime-change band (3 × 3 classes); the change bands are
                  the noise reading (fell beyond normal variation / within it / rose beyond it), never
                  terciles, so areas whose changes are all noise are never painted as risers and fallers
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from community_policing.stats import funnel
from community_policing.views import metrics, privacy
from community_policing.i18n import N_, _, ngettext
from community_policing.data.store import Store

LAYERS = ("rate", "change", "engagement", "trust", "bivariate")
LAYER_LABELS = {  # translated where shown (``layer_label``)
    "rate": N_("Incidents per 1,000 residents"),
    "change": N_("% change vs a year earlier"),
    "engagement": N_("Engagement intensity"),
    "trust": N_("Resident trust score"),
    "bivariate": N_("Engagement × crime change"),
}
# |z| below this is "within normal variation" (see metrics.noise_label).
NOISE_Z = 2.0
# The z the noise reading is made from: the calibrated one (``noise_z``) or, in tables from before it, the
# plain Poisson one.
Z_COLUMNS = ("noise_z", "poisson_z")
ENGAGEMENT_WORDS = {1: N_("less engagement"), 2: N_("middle engagement"), 3: N_("more engagement")}
# The crime-change bands of the bivariate map: the noise reading, not terciles. A tercile split of changes
# that are all within normal variation would paint chance as "crime rose most"; bands at |z| = 2 (the
# "possible change" threshold of ``metrics.noise_label``) say only what the test can see.
CHANGE_BANDS = {1: N_("crime fell"), 2: N_("crime: no clear change"), 3: N_("crime rose")}
CHANGE_BAND_RULES = {1: N_("beyond normal variation: z ≤ −2"), 2: N_("within normal variation: |z| < 2"),
                     3: N_("beyond normal variation: z ≥ 2")}
BIVARIATE_DEFINITION = N_(
    "**Two things at once.** Across (left to right, teal deepens): each area's third (tercile) of this city's areas "
    "by engagement intensity. Up (bottom to top, pink deepens): whether its incidents **fell**, showed **no clear "
    "change** or **rose** compared with a year earlier, by the noise reading: only a change beyond normal variation "
    "(|z| ≥ 2, a possible or significant change) counts as a fall or a rise. Dark blue is more engagement where "
    "crime rose.")
METHOD_NOTE = N_(
    "**Maps.** Areas are shaded by one number at a time; grey areas have no value and the hover says why. "
    "District maps carry each district's number, dark on a light halo so it reads on any colour. A % change "
    "within normal variation (|z| < 2) is drawn faded. The bivariate map puts each area in a third of the areas "
    "by engagement intensity (thirds are relative to this city) and in one of three bands of crime change: fell "
    "beyond normal variation, no clear change, rose beyond normal variation. The bands follow the noise reading, "
    "not thirds of the changes, because thirds would split changes that are all chance into \"rose\" and "
    "\"fell\". The light lines under the areas (the city limits and, where the city provides them, rivers or "
    "major roads) come from a layer the city ships with its data, so maps need no map tiles or network.")
# Every wording ``change_words`` can give (English, as code builds them), marked for translation.
CHANGE_WORDS = (N_("no areas"), N_("crime fell"), N_("crime rose"), N_("crime about level"),
                N_("crime fell most"), N_("crime fell less"), N_("crime fell somewhat"), N_("crime fell least"),
                N_("crime rose most"), N_("crime rose less"), N_("crime rose somewhat"), N_("crime rose least"),
                N_("crime about level (lower third)"), N_("crime about level (middle third)"),
                N_("crime about level (higher third)"))


def layer_label(layer: str) -> str:
    """A layer's name as shown, in the current language."""
    return _(LAYER_LABELS[layer]) if layer in LAYER_LABELS else str(layer)


@dataclass(frozen=True)
class LayerData:
    """What one map layer shows: ``table`` has one row per area (the unassigned row dropped) with
    the layer's ``value`` column; ``message`` explains, in a plain sentence, why nothing is shown."""

    layer: str
    level: str
    table: pd.DataFrame
    value_column: str | None
    message: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    legend: pd.DataFrame | None = None  # the bivariate layer's 9-cell key (see bivariate_classes)

    @property
    def available(self) -> bool:
        return self.message is None


def _with_population_year(store: Store, table: pd.DataFrame, level: str) -> pd.DataFrame:
    years = store.query("areas", level=level)[["area_id", "population_year"]]
    out = table[table["area_id"] != metrics.UNASSIGNED_ID].merge(years, on="area_id", how="left")
    out["population_year"] = out["population_year"].astype("Int64")
    return out.reset_index(drop=True)


def muted_flag(table: pd.DataFrame) -> pd.Series:
    """True where the change reads "within normal variation": |z| < ``NOISE_Z`` for the z the reading is
    made from (``noise_z``, else ``poisson_z``). No z (nothing to compare, a hidden count): not muted."""
    column = next((c for c in Z_COLUMNS if c in table.columns), None)
    if column is None:
        return pd.Series(False, index=table.index)
    return pd.to_numeric(table[column], errors="coerce").astype(float).abs() < NOISE_Z


def terciles(values: pd.Series) -> tuple[pd.Series, list[tuple[float, float]]]:
    """Tercile class 1..3 of each value (NA stays NA), balanced by rank, and each class's range."""
    usable = values.astype(float).dropna()
    classes = pd.Series(pd.NA, index=values.index, dtype="Int64")
    if usable.empty:
        return classes, []
    ranks = usable.rank(method="first")
    cls = np.ceil(ranks * 3 / len(usable)).clip(1, 3).astype(int)
    classes.loc[usable.index] = cls
    ranges = []
    for c in (1, 2, 3):
        part = usable[cls == c]
        ranges.append((float(part.min()), float(part.max())) if len(part) else (float("nan"), float("nan")))
    return classes, ranges


def change_words(ranges: list[tuple[float, float]]) -> dict[int, str]:
    """Words for each crime-change tercile that stay true: 'crime fell' only when the whole
    tercile fell, 'crime rose' only when it all rose, otherwise 'crime about level / mixed'.
    English (``CHANGE_WORDS``); ``bivariate_classes`` labels in the current language."""
    words = {}
    for c, (low, high) in zip((1, 2, 3), ranges):
        if np.isnan(low):
            words[c] = "no areas"
        elif high < 0:
            words[c] = "crime fell"
        elif low > 0:
            words[c] = "crime rose"
        else:
            words[c] = "crime about level"
    # Two or three terciles with the same word: say which fell (or rose) most.
    for verb in ("crime fell", "crime rose"):
        same = [c for c in (1, 2, 3) if words[c] == verb]
        if len(same) > 1:
            ranked = same if verb == "crime fell" else list(reversed(same))
            qualifiers = ("most", "less") if len(same) == 2 else ("most", "somewhat", "least")
            for c, q in zip(ranked, qualifiers):
                words[c] = f"{verb} {q}"
    same = [c for c in (1, 2, 3) if words[c] == "crime about level"]
    if len(same) > 1:
        for c in same:
            words[c] = f"crime about level ({('lower', 'middle', 'higher')[c - 1]} third)"
    return words


def change_bands(table: pd.DataFrame) -> pd.Series:
    """Crime-change band 1..3 of each area (NA where there is no % change or no z): 1 where incidents fell
    beyond normal variation (z ≤ −``NOISE_Z``), 3 where they rose beyond it, 2 within it."""
    column = next((c for c in Z_COLUMNS if c in table.columns), None)
    bands = pd.Series(pd.NA, index=table.index, dtype="Int64")
    if column is None:
        return bands
    z = pd.to_numeric(table[column], errors="coerce").astype(float)
    usable = z.notna() & table["pct_change"].notna()
    bands[usable & (z <= -NOISE_Z)] = 1
    bands[usable & (z.abs() < NOISE_Z)] = 2
    bands[usable & (z >= NOISE_Z)] = 3
    return bands


def bivariate_classes(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add ``engagement_class`` (terciles 1..3 among areas with both values), ``change_class`` (the
    noise band of ``change_bands``: 1 fell, 2 no clear change, 3 rose), ``bivariate_class``
    (0..8 = (change - 1) * 3 + engagement - 1) and ``bivariate_label``.

    Returns the table and the 9-row legend (class, engagement tercile, change band, label, ranges,
    the band's rule in words, areas).
    """
    out = table.copy()
    bands = change_bands(out)
    both = out["events_per_1000_per_year"].notna() & bands.notna()
    eng_cls, eng_ranges = terciles(out.loc[both, "events_per_1000_per_year"])
    out["engagement_class"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["change_class"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out.loc[both, "engagement_class"] = eng_cls
    out.loc[both, "change_class"] = bands[both]
    chg_ranges = []
    for c in (1, 2, 3):
        part = out.loc[both & (out["change_class"] == c), "pct_change"].astype(float)
        chg_ranges.append((float(part.min()), float(part.max())) if len(part) else (float("nan"), float("nan")))
    words = {c: _(w) for c, w in CHANGE_BANDS.items()}  # in the current language
    out["bivariate_class"] = ((out["change_class"] - 1) * 3 + out["engagement_class"] - 1).astype("Int64")
    labels = {(e, c): f"{_(ENGAGEMENT_WORDS[e])} · {words[c]}" for e in (1, 2, 3) for c in (1, 2, 3)}
    out["bivariate_label"] = [
        labels[(int(e), int(c))] if not (pd.isna(e) or pd.isna(c)) else _("not classed")
        for e, c in zip(out["engagement_class"], out["change_class"])
    ]
    rows = []
    for c in (1, 2, 3):
        for e in (1, 2, 3):
            n = int(((out["engagement_class"] == e) & (out["change_class"] == c)).sum())
            er = eng_ranges[e - 1] if eng_ranges else (float("nan"),) * 2
            rows.append({"bivariate_class": (c - 1) * 3 + e - 1, "engagement_class": e, "change_class": c,
                         "label": labels[(e, c)], "engagement_range": _range_text(er, "{:.1f}"),
                         "change_range": _range_text(chg_ranges[c - 1], "{:+.1f}%"),
                         "change_rule": _(CHANGE_BAND_RULES[c]), "areas": n})
    return out, pd.DataFrame(rows)


def _range_text(r: tuple[float, float], fmt: str) -> str:
    if np.isnan(r[0]):
        return _("no areas")
    return fmt.format(r[0]) if r[0] == r[1] else _("{low} to {high}").format(low=fmt.format(r[0]), high=fmt.format(r[1]))


def latest_trust(store: Store, start: dt.date, end: dt.date,
                 min_respondents: int = metrics.MIN_RESPONDENTS) -> pd.DataFrame:
    """Per district, the latest survey period in [start, end] with a shown score: the
    respondent-weighted score of that period (respondents, margin of error, period start)."""
    raw = metrics.trust_by_district(store, "trust", start, end, min_respondents=min_respondents)
    cols = ["area_id", "trust_score", "trust_period", "respondents", "margin_of_error", "respondents_known"]
    shown = raw[raw["shown"] & raw["score"].notna()]
    if shown.empty:
        return pd.DataFrame(columns=cols)
    latest = shown[shown["period_start"] == shown.groupby("district_id")["period_start"].transform("max")]
    rows = []
    for district, part in latest.groupby("district_id", sort=False):
        known = part["respondents"].notna().all()
        weights = part["respondents"].astype(float) if known else pd.Series(1.0, index=part.index)
        score = float((part["score"].astype(float) * weights).sum() / weights.sum())
        rows.append({"area_id": district, "trust_score": round(score, 1),
                     "trust_period": pd.Timestamp(part["period_start"].iloc[0]).date(),
                     "respondents": int(part["respondents"].sum()) if known else pd.NA,
                     "margin_of_error": part["margin_of_error"].astype(float).max() if known else np.nan,
                     "respondents_known": bool(known)})
    return pd.DataFrame(rows, columns=cols)


def engagement_points(store: Store, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Engagement activities in [start, end] that have a recorded place (lon/lat), with a
    readable type label (in the current language). Engagement events only, never incident locations."""
    from community_policing.views.district import type_label

    events = store.query("map_engagement_points", start=start, end=end)
    placed = events.dropna(subset=["lon", "lat"]).copy()
    placed["date"] = pd.to_datetime(placed["date"]).dt.date
    placed["type_label"] = placed["type"].map(type_label)
    return placed.reset_index(drop=True)


def events_without_neighborhood(store: Store, start: dt.date, end: dt.date) -> int:
    """Engagement activities in the period recorded without a neighborhood (district only)."""
    events = store.query("map_engagement_points", start=start, end=end)
    return int(events["neighborhood_id"].isna().sum())


def build_layer(layer: str, level: str, areas: pd.DataFrame, period: metrics.Period, *,
                has_engagement: bool, trust: pd.DataFrame | None = None, events_unplaced: int = 0) -> LayerData:
    """Assemble one layer from an area_comparison table (already with ``population_year``)."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}, not {layer!r}")
    table = metrics.add_intensity(areas[areas["area_id"] != metrics.UNASSIGNED_ID], period.days)
    table["noise"] = privacy.noise_labels(table, metrics.noise_label)  # "not shown" where a count is hidden
    table["muted"] = muted_flag(table)
    # Every layer's hover gives the size-adjusted rate beside the raw one, and the denominator caution.
    table = funnel.add_denominator_notes(funnel.add_shrunk_rates(table))
    notes: list[str] = []
    if layer in ("engagement", "bivariate"):
        if not has_engagement:
            return LayerData(layer, level, table, None, message=_(
                "No engagement ledger is loaded for this city, so there is no engagement to map. "
                "Departments add one through an engagement ledger source in the city manifest."))
        if level == "neighborhood" and events_unplaced:
            notes.append(ngettext(
                "{n} activity in this period was recorded without a neighborhood; it counts toward its district "
                "on the district map but toward no neighborhood here.",
                "{n} activities in this period were recorded without a neighborhood; they count toward their "
                "district on the district map but toward no neighborhood here.", events_unplaced).format(
                n=f"{events_unplaced:,}"))
    if layer == "rate":
        caution = funnel.few_residents_caption(table)
        return LayerData(layer, level, table, "rate_eb_per_1000", notes=tuple(notes + ([caution] if caution else [])))
    if layer == "change":
        return LayerData(layer, level, table, "pct_change", notes=tuple(notes))
    if layer == "engagement":
        return LayerData(layer, level, table, "events_per_1000_per_year", notes=tuple(notes))
    if layer == "trust":
        if level != "district":
            return LayerData(layer, level, table, None, message=_(
                "Resident surveys are collected by police district, not by neighborhood, so trust can only "
                "be mapped by district. Switch the areas to District."))
        if trust is None or trust.empty:
            return LayerData(layer, level, table, None, message=_(
                "No resident trust survey results with enough respondents fall in this period, so there is "
                "no trust score to map. Surveys come from a `[[trust_surveys]]` source in the city manifest."))
        table = table.merge(trust, on="area_id", how="left")
        return LayerData(layer, level, table, "trust_score", notes=tuple(notes))
    classed, legend = bivariate_classes(table)
    return LayerData(layer, level, classed, "bivariate_class", notes=tuple(notes), legend=legend)


def layer_data(store: Store, layer: str, level: str, period: metrics.Period, offense_group: str | None = "all",
               date_basis: str = "occurred", rules: privacy.Rules | None = None) -> LayerData:
    """Everything one layer needs, straight from the Store (the Map page reads it through ``layer_view``); with
    ``rules`` (public mode) from the suppressed area table."""
    info = metrics.dataset_info(store)
    areas = metrics.area_comparison(store, period.start, period.end, level, offense_group, date_basis, rules=rules)
    areas = _with_population_year(store, areas, level)
    trust = latest_trust(store, period.start, period.end) if layer == "trust" and level == "district" else None
    unplaced = events_without_neighborhood(store, period.start, period.end) if level == "neighborhood" else 0
    return build_layer(layer, level, areas, period, has_engagement=info.engagement_rows > 0, trust=trust,
                       events_unplaced=unplaced)


def with_population_year(store: Store, table: pd.DataFrame, level: str) -> pd.DataFrame:
    """Public alias: drop the unassigned row and add each area's population year."""
    return _with_population_year(store, table, level)


# --- What the Map page shows (called through ``cached.view``: cached, and with the privacy rules in public mode) ----


def rate_base_view(store: Store, start: dt.date, end: dt.date, offense_group: str, date_basis: str, *,
                   rules: privacy.Rules | None = None) -> int:
    """The one base of every incident rate of the page (per 1,000, or per 100,000 for a rare selection), chosen
    as the Overview chooses it (``metrics.table_rate_base``). Made from the district table as recorded: the base
    gives no count away, and it stays the same in the public view."""
    districts = metrics.area_comparison(store, start, end, "district", offense_group, date_basis)
    return metrics.table_rate_base(districts, offense_group)


def layer_view(store: Store, layer: str, level: str, start: dt.date, end: dt.date, offense_group: str,
               date_basis: str, *, rules: privacy.Rules | None = None) -> LayerData:
    """One layer of the map for these filters (``layer_data``); with ``rules`` (public mode) from the suppressed
    area table, hidden counts with their notes."""
    return layer_data(store, layer, level, metrics.Period(start, end), offense_group, date_basis, rules=rules)


def points_view(store: Store, start: dt.date, end: dt.date, *, rules: privacy.Rules | None = None) -> pd.DataFrame:
    """The engagement activities drawn as points (``engagement_points``): engagement only, never an incident, so
    nothing to protect."""
    return engagement_points(store, start, end)


# Beside every layer's table: the areas, their counts, the change's reading and the rate; then the layer's own.
TABLE_COLUMNS = ["area_id", "area_name", "incidents", "incidents_prior_year", "pct_change"]
TABLE_TAIL = ["noise", "population", "population_year", "rate_per_1000"]
LAYER_COLUMNS = {
    "rate": ["rate_eb_per_1000", "rate_eb_low", "rate_eb_high", "times_city_rate", "denominator_note"],
    "change": ["muted"],
    "engagement": ["engagement_events", "officer_hours", "events_per_1000_per_year"],
    "trust": ["trust_score", "trust_period", "respondents", "margin_of_error"],
    "bivariate": ["engagement_events", "events_per_1000_per_year", "engagement_class", "change_class",
                  "bivariate_label"],
}


def layer_table(data: LayerData, base: int) -> pd.DataFrame:
    """The numbers behind the map, as shown and downloaded: the layer's columns (each hidden count's note beside
    it in public mode, and the z the reading is made from), rates per ``base`` residents."""
    table = data.table
    z_column = next((c for c in Z_COLUMNS if c in table.columns), None)
    columns = TABLE_COLUMNS + ([z_column] if z_column else []) + TABLE_TAIL + LAYER_COLUMNS[data.layer]
    return metrics.rates_per(table[privacy.columns_with_notes(columns, table)], base)
