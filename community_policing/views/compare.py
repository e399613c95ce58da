"""Two to four police districts side by side: the numbers behind the Compare districts page.

Pure functions: a Store and parameters in, DataFrames out. No Streamlit, no figures. Every number
comes from the District page library (``district.district_kpis``, ``monthly_series``,
``offense_mix``, ``engagement_timeline``, ``trust_trend``), called once per chosen district and
stacked into one long table with ``district_id`` and ``title`` columns, so a district's numbers
here are exactly its numbers on the District page for the same filters.

The page reads each section through a ``*_view`` function (``cached.view``: cached, and called with the privacy
rules in public mode, so what it returns is already protected), with the sentences made from its numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from community_policing import i18n
from community_policing.stats import noise
from community_policing.views import district, metrics, privacy
from community_policing.i18n import _, ngettext
from community_policing.data.store import Store

MIN_DISTRICTS = 2
MAX_DISTRICTS = 4


# --- Which districts --------------------------------------------------------------------------


def parse_districts(raw: str | None) -> list[str]:
    """District ids from a ``?districts=2,5`` value: split on commas, blanks and repeats dropped."""
    if not raw:
        return []
    ids: list[str] = []
    for part in str(raw).split(","):
        part = part.strip()
        if part and part not in ids:
            ids.append(part)
    return ids


def known_and_unknown(raw: str | None, known) -> tuple[list[str], list[str]]:
    """The district ids of a ``?districts=`` value that are among ``known``, and those that are not."""
    wanted = parse_districts(raw)
    return [i for i in wanted if i in known], [i for i in wanted if i not in known]


def selection_problem(ids: list[str]) -> str | None:
    """A plain sentence when the number of districts chosen cannot be compared, else None."""
    if len(ids) < MIN_DISTRICTS:
        if not ids:
            return _("Pick at least {minimum} districts to compare: no district is chosen. "
                     "Up to {maximum} fit side by side.").format(minimum=MIN_DISTRICTS, maximum=MAX_DISTRICTS)
        return _("Pick at least {minimum} districts to compare: only one district is chosen. "
                 "Up to {maximum} fit side by side.").format(minimum=MIN_DISTRICTS, maximum=MAX_DISTRICTS)
    if len(ids) > MAX_DISTRICTS:
        return _("Pick at most {maximum} districts: {n} are chosen, and more than {maximum} side by side are too "
                 "narrow to read. Remove {extra} to see the comparison.").format(
            maximum=MAX_DISTRICTS, n=len(ids), extra=len(ids) - MAX_DISTRICTS)
    return None


def _check(store: Store, ids: list[str]) -> list[district.District]:
    return [district.get_district(store, i) for i in ids]


def _usable_population(d: district.District) -> int | None:
    return d.population if d.population is not None and d.population >= metrics.MIN_POPULATION_FOR_RATE else None


# --- 1. Headline numbers ----------------------------------------------------------------------


KPI_COLUMNS = ["district_id", "title", "incidents", "incidents_prior_year", "change", "pct_change", "noise",
               "noise_z", "dispersion", "noise_basis", "rate_per_1000", "population", "population_year",
               "engagement_events", "engagement_events_prior_year", "officer_hours", "officer_hours_prior_year", "trust",
               "trust_period_start", "trust_respondents", "trust_margin_of_error"]


def kpi_table(store: Store, ids: list[str], start: dt.date, end: dt.date, offense_group: str | None = None,
              date_basis: str = "occurred", districts_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per district: ``district.district_kpis`` for each, in the order given. With a
    suppressed ``districts_table`` (public mode) hidden counts are NA, with their notes."""
    chosen = _check(store, ids)
    table = districts_table if districts_table is not None else metrics.area_comparison(
        store, start, end, level="district", offense_group=offense_group, date_basis=date_basis)
    rows, kpis = [], []
    for d in chosen:
        k = district.district_kpis(store, d.id, start, end, offense_group, date_basis, districts_table=table)
        kpis.append(k)
        rows.append({
            "district_id": d.id, "title": d.title, "incidents": k.incidents,
            "incidents_prior_year": k.incidents_prior_year, "change": k.change, "pct_change": k.pct_change,
            "noise": k.noise, "noise_z": k.noise_z, "dispersion": k.dispersion, "noise_basis": k.noise_basis,
            "rate_per_1000": k.rate_per_1000,
            "population": k.population, "population_year": k.population_year,
            "engagement_events": k.engagement_events, "engagement_events_prior_year": k.engagement_events_prior_year,
            "officer_hours": k.officer_hours, "officer_hours_prior_year": k.officer_hours_prior_year,
            "trust": k.trust, "trust_period_start": k.trust_period_start, "trust_respondents": k.trust_respondents,
            "trust_margin_of_error": k.trust_margin_of_error,
            "incidents_note": k.incidents_note, "incidents_prior_year_note": k.incidents_prior_year_note,
        })
    columns = KPI_COLUMNS
    if privacy.is_protected(table):
        columns = privacy.columns_with_notes(KPI_COLUMNS, pd.DataFrame(columns=[
            *KPI_COLUMNS, "incidents_note", "incidents_prior_year_note"]))
    out = pd.DataFrame(rows, columns=columns)
    for col in ("incidents", "incidents_prior_year", "change"):
        out[col] = out[col].astype("Int64")
    for col in ("population", "population_year", "trust_respondents"):
        out[col] = out[col].astype("Int64")
    for col in ("pct_change", "noise_z", "dispersion", "rate_per_1000", "trust", "trust_margin_of_error"):
        out[col] = out[col].astype("Float64")
    # False where no engagement ledger covers the period (or the year earlier): show "not recorded", never 0.
    out["engagement_recorded"] = [k.engagement_recorded for k in kpis]
    out["engagement_prior_recorded"] = [k.engagement_prior_recorded for k in kpis]
    return out


def kpi_takeaway(kpis: pd.DataFrame) -> str:
    """One sentence: which district has the highest rate, and which changed beyond normal variation."""
    rated = kpis.dropna(subset=["rate_per_1000"])
    parts = []
    if len(rated) >= 2:
        top, low = rated.loc[rated["rate_per_1000"].idxmax()], rated.loc[rated["rate_per_1000"].idxmin()]
        parts.append(_("{top} has the highest rate ({top_rate} per 1,000 residents), {low} the lowest "
                       "({low_rate})").format(top=top["title"], top_rate=f"{float(top['rate_per_1000']):,.1f}",
                                              low=low["title"], low_rate=f"{float(low['rate_per_1000']):,.1f}"))
    moved = kpis[~kpis["noise"].isin(["within normal variation", privacy.NOT_SHOWN_READING, metrics.NOT_COMPARABLE])]
    if len(moved):
        def one(r) -> str:
            amount = (f"{abs(float(r['pct_change'])):.0f}%" if pd.notna(r["pct_change"])
                      else f"{abs(int(r['change'])):,}")
            words = (_("District {id} down {amount} ({noise})") if r["change"] < 0
                     else _("District {id} up {amount} ({noise})"))
            reading = str(r["noise"])
            return words.format(id=r["district_id"], amount=amount, noise=_(reading))

        parts.append(_("beyond normal variation from a year earlier: {changes}").format(
            changes=", ".join(one(r) for _i, r in moved.iterrows())))
    elif (kpis["noise"] == metrics.NOT_COMPARABLE).all():
        parts.append(_(metrics.NOT_COMPARABLE))
    else:
        parts.append(_("every change from a year earlier is within normal variation"))
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


# --- 2-3. Incidents month by month and per 1,000 residents ------------------------------------


def monthly_table(store: Store, ids: list[str], end: dt.date, offense_group: str | None = None,
                  date_basis: str = "occurred", months: int = district.SERIES_MONTHS,
                  coverage: district.Coverage | None = None, rules: privacy.Rules | None = None) -> pd.DataFrame:
    """``district.monthly_series`` for each district, stacked, with incidents per 1,000 residents
    per month (NA where the district has no usable population or the month is not covered). With
    ``rules`` (public mode) the series as the public sees them (``district.protected_monthly``)."""
    chosen = _check(store, ids)
    coverage = coverage or district.data_coverage(store)
    protected = (district.protected_monthly(store, end, offense_group, date_basis, rules, months, coverage)
                 if rules is not None else None)
    parts = []
    for d in chosen:
        series = (protected[d.id].copy() if protected is not None else
                  district.monthly_series(store, d.id, end, offense_group, date_basis, months, coverage=coverage))
        population = _usable_population(d)
        series.insert(0, "title", d.title)
        series.insert(0, "district_id", d.id)
        series["population"] = pd.array([population] * len(series), dtype="Int64")
        series["population_year"] = pd.array([d.population_year] * len(series), dtype="Int64")
        if population is None:
            series["rate_per_1000"] = pd.array([pd.NA] * len(series), dtype="Float64")
        else:
            series["rate_per_1000"] = (series["incidents"].astype("Float64") / population * 1000).round(2)
        parts.append(series)
    return pd.concat(parts, ignore_index=True)


def series_dispersions(store: Store, ids: list[str], end: dt.date, offense_group: str | None = None,
                       date_basis: str = "occurred", months: int = 12) -> dict[str, noise.Dispersion]:
    """How much each chosen district's count normally varies over the ``months`` calendar months to ``end``
    (what ``monthly_takeaway`` compares with a year earlier; ``district.series_dispersion``)."""
    chosen = _check(store, ids)
    start = district.window_start(end, months)
    every = metrics.area_dispersions(store, "district", start, end, offense_group, date_basis,
                                     areas=[d.id for d in chosen])
    return {d.id: every[d.id] for d in chosen}


def monthly_takeaway(monthly: pd.DataFrame, subject: str = "Incidents",
                     dispersions: dict[str, noise.Dispersion] | None = None) -> str:
    """Per district, the last 12 months against the same months a year earlier, in a few words.
    ``dispersions``: how much each district's count normally varies over those months
    (``series_dispersions``); a district without one is read against chance alone (plain Poisson)."""
    bits = []
    for did, part in monthly.groupby("district_id", sort=False):
        if privacy.window_hidden(part):  # public mode: a month of the last 12 is hidden
            bits.append(_("District {id} not shown (months with very few incidents)").format(id=did))
            continue
        both = part.dropna(subset=["incidents", "incidents_prior_year"]).tail(12)
        if both.empty:
            continue
        cur, pri = int(both["incidents"].sum()), int(both["incidents_prior_year"].sum())
        reading = metrics.noise_label(noise.noise_z(cur, pri, (dispersions or {}).get(str(did), noise.PLAIN)))
        if pri <= 0:
            bits.append(_("District {id} {count} (none a year earlier)").format(id=did, count=f"{cur:,}"))
        elif reading == "within normal variation":
            bits.append(_("District {id} about the same").format(id=did))
        else:
            pct = f"{abs((cur - pri) / pri * 100):.0f}%"
            bits.append((_("District {id} down {pct}") if cur < pri else _("District {id} up {pct}")).format(
                id=did, pct=pct))
    if not bits:
        return _("{subject}: no months with a comparison a year earlier").format(subject=subject)
    return _("{subject}, last 12 months vs a year earlier: {changes}").format(subject=subject, changes=", ".join(bits))


def rate_takeaway(monthly: pd.DataFrame) -> str:
    """Which district has the highest and lowest incidents per 1,000 residents over the last 12 months."""
    complete = [d for d, part in monthly.groupby("district_id", sort=False) if not privacy.window_hidden(part)]
    recent = monthly[monthly["district_id"].isin(complete)].dropna(subset=["rate_per_1000"])
    if recent.empty:
        return _("No district has enough residents for a rate") if not privacy.is_protected(monthly) else (
            _("Incidents per 1,000 residents: months with very few incidents are not shown"))
    last12 = recent.groupby("district_id", sort=False).tail(12)
    sums = last12.groupby("district_id", sort=False)["rate_per_1000"].sum().astype(float)
    months = int(last12.groupby("district_id", sort=False).size().max())
    hi, lo = sums.idxmax(), sums.idxmin()
    if len(sums) < 2 or hi == lo:
        return _("District {id}: {rate} incidents per 1,000 residents over {months} months").format(
            id=hi, rate=f"{sums[hi]:,.1f}", months=months)
    ratio = _(", {ratio} times as many").format(ratio=f"{sums[hi] / sums[lo]:.1f}") if sums[lo] > 0 else ""
    return _("District {high} has the most incidents per resident: {high_rate} per 1,000 over the last {months} "
             "months against {low_rate} in District {low}{ratio}").format(
        high=hi, high_rate=f"{sums[hi]:,.1f}", months=months, low_rate=f"{sums[lo]:,.1f}", low=lo, ratio=ratio)


# --- 4. Offense mix ---------------------------------------------------------------------------


def offense_mix_table(store: Store, ids: list[str], start: dt.date, end: dt.date, offense_group: str | None = None,
                      date_basis: str = "occurred", rules: privacy.Rules | None = None) -> pd.DataFrame:
    """``district.offense_mix`` for each district, stacked (``share_pct`` is each district's own %;
    with ``rules``, public mode, suppressed)."""
    chosen = _check(store, ids)
    parts = []
    for d in chosen:
        mix = district.offense_mix(store, d.id, start, end, offense_group, date_basis, rules=rules)
        mix.insert(0, "title", d.title)
        mix.insert(0, "district_id", d.id)
        parts.append(mix)
    out = pd.concat(parts, ignore_index=True)
    return out


def offense_mix_takeaway(mix: pd.DataFrame) -> str:
    """The group with the widest spread of shares between the districts."""
    data = mix.dropna(subset=["share_pct"])
    if data.empty:
        return _("No incidents in the period to break down by offense")
    wide = data.pivot_table(index="label", columns="district_id", values="share_pct", aggfunc="sum").fillna(0.0)
    if wide.shape[1] < 2:
        top = data.sort_values("share_pct", ascending=False).iloc[0]
        group = str(top["label"])
        return _("{group} is the largest group ({share})").format(group=_(group),
                                                                  share=f"{float(top['share_pct']):.0f}%")
    spread = wide.max(axis=1) - wide.min(axis=1)
    group = spread.idxmax()
    hi, lo = wide.loc[group].idxmax(), wide.loc[group].idxmin()
    largest = data.groupby("label")["incidents"].sum().idxmax()
    text = _("{group} is the largest group overall").format(group=_(largest))
    if spread[group] >= 1:
        text += _("; the mixes differ most in {group}: {high_share} of incidents in District {high} against "
                  "{low_share} in District {low}").format(
            group=_(group).lower(), high_share=f"{wide.loc[group, hi]:.0f}%", high=hi,
            low_share=f"{wide.loc[group, lo]:.0f}%", low=lo)
    return text


# --- 5. Engagement per 1,000 residents ----------------------------------------------------------


def engagement_table(store: Store, ids: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Engagement activities per calendar month (all types, from ``district.engagement_timeline``)
    for each district, every month from ``start``'s to ``end``'s (0 where none), with activities
    per 1,000 residents."""
    chosen = _check(store, ids)
    months = pd.date_range(pd.Timestamp(start).replace(day=1), pd.Timestamp(end).replace(day=1), freq="MS")
    parts = []
    for d in chosen:
        timeline = district.engagement_timeline(store, d.id, start, end)
        totals = timeline.groupby("month")[["events", "officer_hours", "attendees"]].sum()
        grid = pd.DataFrame({"month": months}).merge(totals.reset_index(), on="month", how="left")
        grid["events"] = grid["events"].fillna(0).astype("int64")
        grid["officer_hours"] = grid["officer_hours"].fillna(0.0).astype(float).round(1)
        grid["attendees"] = grid["attendees"].fillna(0).astype("int64")
        population = _usable_population(d)
        grid["population"] = pd.array([population] * len(grid), dtype="Int64")
        grid["events_per_1000"] = (np.nan if population is None else (grid["events"] / population * 1000).round(3))
        grid["events_per_1000"] = grid["events_per_1000"].astype("Float64")
        grid.insert(0, "title", d.title)
        grid.insert(0, "district_id", d.id)
        parts.append(grid)
    return pd.concat(parts, ignore_index=True)


def engagement_takeaway(engagement: pd.DataFrame) -> str:
    if engagement.empty or engagement["events"].sum() == 0:
        return _("No engagement activities recorded in these months in these districts")
    rated = engagement.dropna(subset=["events_per_1000"])
    if rated.empty:
        return _("No district has enough residents for a rate of engagement")
    months = rated["month"].nunique()
    per = rated.groupby("district_id", sort=False)["events_per_1000"].sum().astype(float) / months
    hi, lo = per.idxmax(), per.idxmin()
    if hi == lo or per[lo] <= 0:
        return _("District {id} has the most engagement per resident: {rate} activities per 1,000 a month").format(
            id=hi, rate=f"{per[hi]:.2f}")
    return _("District {high} has the most engagement per resident: {high_rate} activities per 1,000 residents "
             "a month, against {low_rate} in District {low} ({ratio} times as many)").format(
        high=hi, high_rate=f"{per[hi]:.2f}", low_rate=f"{per[lo]:.2f}", low=lo, ratio=f"{per[hi] / per[lo]:.1f}")


# --- 6. Trust ---------------------------------------------------------------------------------


def trust_table(store: Store, ids: list[str], end: dt.date, measure: str = "trust",
                start: dt.date = dt.date(1900, 1, 1)) -> pd.DataFrame:
    """``district.trust_trend`` for each district, stacked. Scores from fewer than
    ``metrics.MIN_RESPONDENTS`` respondents are blank (``shown`` False)."""
    chosen = _check(store, ids)
    parts = []
    for d in chosen:
        trend = district.trust_trend(store, d.id, end, measure, start)
        trend.insert(0, "title", d.title)
        trend.insert(0, "district_id", d.id)
        parts.append(trend)
    return pd.concat(parts, ignore_index=True)


def trust_takeaway(trust: pd.DataFrame) -> str:
    """Latest 12 months' respondent-weighted average per district, highest named first."""
    shown = trust[trust["score"].notna()]
    if shown.empty:
        return _("Trust in police: no survey result with enough respondents")
    latest = pd.to_datetime(shown["period_start"]).max()
    recent = shown[pd.to_datetime(shown["period_start"]) > latest - pd.DateOffset(years=1)]
    means = {}
    for did, part in recent.groupby("district_id", sort=False):
        means[did] = district._weighted_mean(part)[0]
    if len(means) < 2:
        did, mean = next(iter(means.items()))
        return _("Trust in police: {score} of 100 in District {id} over the 12 months to {month}").format(
            score=f"{mean:.1f}", id=did, month=i18n.format_month(latest))
    hi, lo = max(means, key=means.get), min(means, key=means.get)
    return _("Trust in police over the 12 months to {month}: highest in District {high} ({high_score} of 100), "
             "lowest in District {low} ({low_score})").format(
        month=i18n.format_month(latest), high=hi, high_score=f"{means[hi]:.1f}", low=lo, low_score=f"{means[lo]:.1f}")


# --- What the page shows, section by section (called through ``cached.view``) ----------------------------


def window_label(end: dt.date) -> str:
    """The months the charts cover ("Nov 2024 – 31 Oct 2026"): ``district.window_start`` to ``end``."""
    return f"{i18n.format_month_short(district.window_start(end))} – {i18n.format_date(end)}"


@dataclass(frozen=True)
class Headline:
    """The "Headline numbers": the KPI table (downloaded as is) and its takeaway, the two tables shown (columns
    named in the page's language; None when there is nothing to show in them) and the notes under them."""

    kpis: pd.DataFrame
    takeaway: str
    incidents: pd.DataFrame | None
    others: pd.DataFrame | None
    notes: str


def headline_view(store: Store, ids: tuple, start: dt.date, end: dt.date, offense_group: str, date_basis: str,
                  city: str, *, districts_table: pd.DataFrame | None = None,
                  rules: privacy.Rules | None = None) -> Headline:
    """The headline numbers of the districts ``ids``; ``city``: the city's name as the page writes it. With
    ``rules`` (public mode) from the suppressed district table, hidden counts with their notes. ``districts_table``:
    that table as this reader may see it (``cached.area_comparison``, shared by every choice of districts)."""
    coverage = metrics.dataset_info(store)
    table = districts_table if districts_table is not None else metrics.area_comparison(
        store, start, end, "district", offense_group, date_basis, rules=rules)
    kpis = kpi_table(store, list(ids), start, end, offense_group, date_basis, districts_table=table)
    incidents = _incidents_shown(kpis) if coverage.has_incidents else None
    others = _others_shown(kpis, coverage) if coverage.engagement_rows or coverage.survey_rows else None
    notes = []
    if not coverage.has_incidents:
        notes.append(_("No incident data is loaded for {city}.").format(city=city))
    notes.append(_("Rates need at least {n} residents; longer periods give higher rates.").format(
        n=metrics.MIN_POPULATION_FOR_RATE))
    if rules is not None:
        notes.append(_(privacy.public_note(rules)))
    no_history = metrics.noise_basis_note(noise.NONE) if coverage.has_incidents and (
        kpis["noise_basis"] == noise.NONE).any() else ""
    if no_history:
        notes.append(no_history[0].upper() + no_history[1:] + ".")
    if not coverage.engagement_rows:
        notes.append(_("No engagement ledger is loaded for {city}, so engagement is not recorded.").format(city=city))
    if not coverage.survey_rows:
        notes.append(_("No resident survey is loaded for {city}, so there is no trust score.").format(city=city))
    return Headline(kpis, kpi_takeaway(kpis) if coverage.has_incidents else "", incidents, others, " ".join(notes))


def _incidents_shown(kpis: pd.DataFrame) -> pd.DataFrame:
    """The incidents table as shown: its columns are named in the page's language."""
    return pd.DataFrame({
        _("District"): kpis["title"],
        _("Incidents"): kpis["incidents"],
        **({_("Incidents: note"): [_(n) if n else n for n in kpis["incidents_note"]]}
           if "incidents_note" in kpis else {}),
        _("A year earlier"): kpis["incidents_prior_year"],
        **({_("A year earlier: note"): [_(n) if n else n for n in kpis["incidents_prior_year_note"]]}
           if "incidents_prior_year_note" in kpis else {}),
        _("% change"): kpis["pct_change"],
        _("Reading"): [_(n) for n in kpis["noise"]],
        _("Per 1,000 residents"): kpis["rate_per_1000"],
        _("Residents"): [(_("not loaded") if pd.isna(p) else
                          f"{int(p):,} ({_('year unknown') if pd.isna(y) else int(y)})")
                         for p, y in zip(kpis["population"], kpis["population_year"])],
    })


def _others_shown(kpis: pd.DataFrame, coverage: district.Coverage) -> pd.DataFrame:
    """Engagement and trust beside each district, as shown (columns named in the page's language)."""
    others = pd.DataFrame({_("District"): kpis["title"]})
    if coverage.engagement_rows:
        # "not recorded" where the ledger does not cover the period (issue 16: never a 0 that reads as "did nothing")
        others[_("Engagement activities")] = kpis["engagement_events"].astype(object).where(
            kpis["engagement_recorded"], _("not recorded"))
        others[_("Activities a year earlier")] = kpis["engagement_events_prior_year"].astype(object).where(
            kpis["engagement_prior_recorded"], _("not recorded"))
        others[_("Officer engagement hours")] = kpis["officer_hours"].round().astype("int64")
    if coverage.survey_rows:
        others[_("Latest trust (0–100)")] = kpis["trust"]
        others[_("Survey month")] = [(_("none with enough respondents") if pd.isna(d)
                                      else i18n.format_month_short(pd.Timestamp(d)))
                                     for d in kpis["trust_period_start"]]
        others[_("Respondents")] = [("—" if pd.isna(t) else _("not published") if pd.isna(r) else f"{int(r):,}")
                                    for t, r in zip(kpis["trust"], kpis["trust_respondents"])]
    return others


@dataclass(frozen=True)
class Monthly:
    """Incidents month by month and per 1,000 residents: the table, each chart's takeaway and subtitle, and the
    captions made from the table (no sentences when the data do not cover these months: every count is NA)."""

    table: pd.DataFrame
    takeaway: str = ""
    subtitle: str = ""
    caption: str = ""
    rate_takeaway: str = ""
    rate_subtitle: str = ""
    rate_caption: str = ""

    @property
    def covered(self) -> bool:
        return not self.table["incidents"].isna().all()


def monthly_view(store: Store, ids: tuple, end: dt.date, offense_group: str, date_basis: str, offense_label: str, *,
                 rules: privacy.Rules | None = None) -> Monthly:
    """The monthly series of the districts ``ids`` (``monthly_table``; with ``rules``, as the public sees them),
    read against a year earlier with each district's usual variation (``series_dispersions``).
    ``offense_label``: the offense filter as the page names it."""
    table = monthly_table(store, list(ids), end, offense_group, date_basis, coverage=district.data_coverage(store),
                          rules=rules)
    if table["incidents"].isna().all():
        return Monthly(table)
    subject = _("Incidents") if offense_group == "all" else offense_label
    takeaway = monthly_takeaway(table, subject, series_dispersions(store, list(ids), end, offense_group, date_basis))
    by_basis = _("by date reported") if date_basis == "reported" else _("by date occurred")
    subtitle = _("{offenses} per month, {window}, {basis}; dashed grey: the same month a year earlier").format(
        offenses=offense_label, window=window_label(end), basis=by_basis)
    caption = (_("Incidents counted per calendar month, as the agency counts them.") + " "
               + (_("The last month runs only to {day}.").format(day=i18n.format_day_month(end)) + " "
                  if table["partial"].any() else "")
               + _("Bigger districts have more incidents: the next chart divides by residents."))
    rate_subtitle = _("{offenses} per 1,000 residents per month, {window}").format(offenses=offense_label,
                                                                                   window=window_label(end))
    years = sorted({int(y) for y in table["population_year"].dropna()})
    rate_caption = _("Rate = incidents in the month ÷ residents × 1,000 ({years} population; residents are in each "
                     "hover). Districts with fewer than {n} residents get no rate.").format(
        years=", ".join(map(str, years)) or _("year unknown"), n=metrics.MIN_POPULATION_FOR_RATE)
    return Monthly(table, takeaway, subtitle, caption, rate_takeaway(table), rate_subtitle, rate_caption)


@dataclass(frozen=True)
class Section:
    """A chart's table (shown and downloaded), its takeaway and subtitle ("" when there is nothing to chart) and,
    where the page says one, why nothing is charted (``hidden``) or the caption made from the table."""

    table: pd.DataFrame
    takeaway: str = ""
    subtitle: str = ""
    hidden: str = ""
    caption: str = ""


def mix_view(store: Store, ids: tuple, start: dt.date, end: dt.date, offense_group: str, date_basis: str, *,
             rules: privacy.Rules | None = None) -> Section:
    """Which offenses: ``offense_mix_table`` (with ``rules``, suppressed). In public mode, when every group's
    count is too small to show, ``hidden`` says so instead of a chart."""
    mix = offense_mix_table(store, list(ids), start, end, offense_group, date_basis, rules=rules)
    if rules is not None and not mix.empty and mix["share_pct"].isna().all() and privacy.hidden(mix, "incidents").any():
        return Section(mix, hidden=_("The offense groups' counts in these districts are too small to show in this "
                                     "public view (“{label}”).").format(label=_(rules.label)))
    if mix.empty or mix["incidents"].sum() <= 0:
        return Section(mix)
    return Section(mix, offense_mix_takeaway(mix), _(
        "Share of each district's incidents by offense group, {period}; counts in the hover").format(
        period=metrics.Period(start, end).label()))


def engagement_view(store: Store, ids: tuple, start: dt.date, end: dt.date, *,
                    rules: privacy.Rules | None = None) -> Section:
    """Engagement per resident over the months from ``start`` to ``end``: ``engagement_table`` with its takeaway
    ("" when no activity is recorded). No incident count, so nothing to protect."""
    table = engagement_table(store, list(ids), start, end)
    if table["events"].sum() == 0:
        return Section(table)
    return Section(table, engagement_takeaway(table), _(
        "Engagement activities (all types) per month per 1,000 residents, {window}").format(window=window_label(end)))


def trust_view(store: Store, ids: tuple, start: dt.date, end: dt.date, *,
               rules: privacy.Rules | None = None) -> Section:
    """Resident trust over the months from ``start`` to ``end``: ``trust_table``, its takeaway ("" when no result
    has enough respondents) and the caption on the results not shown (few respondents: blank for everyone)."""
    trust = trust_table(store, list(ids), end, start=start)
    if trust.empty or trust["score"].notna().sum() == 0:
        return Section(trust)
    subtitle = (_("Trust in police by survey month, {window}; score 0–100 (higher is better)").format(
        window=window_label(end))
                + (_("; bars: 95% margin of error") if trust["margin_of_error"].notna().any() else "")
                + _("; dotted: city average"))
    hidden = int((~trust["shown"]).sum())
    caption = (_("Results from fewer than {n} respondents are not shown (gaps in the lines)").format(
        n=metrics.MIN_RESPONDENTS)
               + (ngettext(": {n} hidden.", ": {n} hidden.", hidden).format(n=hidden) if hidden else ".")
               + " " + _("Single survey months swing by several points; compare the levels, not one month's move."))
    return Section(trust, trust_takeaway(trust), subtitle, caption=caption)
