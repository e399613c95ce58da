"""Briefings for police leadership and the council: one district (or the city) over one period.

``build_briefing`` gathers the content from the warehouse through the same library functions the
pages use (so every number equals the dashboard's and the ``districts`` command's for the same
filters); ``briefing_pdf`` lays it out on US Letter pages with fpdf2 and ``briefing_pptx`` as a
slide deck with python-pptx, one message per slide. Charts are drawn by ``briefing_figures`` in
styles that survive black-and-white printing and rendered to PNG by kaleido with the system
Chromium. No Streamlit here; ``progress`` callbacks let the app show each step.

Every text is in the current language (``i18n``): the briefing is built and laid out in the
language set for the run (the app's picker, the CLI's ``--lang``), and remembers it (``lang``) so
the renderers speak it too. Its tables keep machine column names where code reads them (the KPI
table) and display names where they are printed as they are (engagement, trust, programs);
columns whose name starts with "_" hold values for code and are never printed.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import io
import threading
import zipfile

import pandas as pd

from community_policing.figures import briefing as bf
from community_policing.views import district as district_mod
from community_policing import i18n
from community_policing.data import freshness, geo, series_breaks
from community_policing.stats import noise, trust_stats
from community_policing.views import evaluation, metrics, privacy
from community_policing.i18n import N_, _, ngettext
from community_policing.data.store import Store
from community_policing.briefing.document import (  # noqa: F401  (the builder's callers name them here too)
    ASSOCIATION_NOTE, SIMULATED_STAMP, Briefing, BriefingRequest, Progress, kpi_headers, shown_columns, speaking)

FIGURE_SIZES = {"map": (1000, 700), "trend": (1100, 520), "engagement": (1100, 480)}
# freshness.comparison_cautions names each caution with a key (code); this is how a briefing says it.
CAUTION_NAMES = {"series break": N_("series break"), "preliminary days": N_("preliminary days")}
OUTCOME_NAMES = {"incidents": N_("incidents"), "trust": N_("trust")}  # outcome codes, as shown
CHART_STEPS = {"map": N_("Rendering the map"), "trend": N_("Rendering the trend chart"),
               "engagement": N_("Rendering the engagement chart")}


def _no_progress(fraction: float, message: str) -> None:
    return None


def _and(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return _("{first} and {last}").format(first=", ".join(items[:-1]), last=items[-1])


def _count(value: int | None, note: str = "") -> str:
    return note if note or value is None else f"{value:,}"


def _signed(value: float, digits: int = 0) -> str:
    return f"{value:+,.{digits}f}"


def _pct(value: float | None) -> str:
    return _("n/a (none a year earlier)") if value is None or pd.isna(value) else f"{value:+.1f}%"


def _shown(text) -> str:
    """A reading another module wrote (the noise label, a privacy note, ...) as displayed: those kept
    in English because code compares them are translated here; translated ones pass unchanged."""
    return _(text) if isinstance(text, str) and text else ("" if text is None else str(text))


def kpi_table(values: dict) -> pd.DataFrame:
    """The headline rows: incidents, rate, engagement, officer hours, trust; counts beside percentages.
    Column names are for code (``kpi_headers`` prints them); the cells are text in the current language."""
    comparison = values.get("comparison", "")  # nothing loaded a year earlier: no earlier count, change or reading
    hidden = values["incidents"] is None or values["incidents_prior_year"] is None  # public mode
    rows = [{
        "measure": _("Incidents ({offenses})").format(offenses=values["offense_label"]),
        "this_period": _shown(_count(values["incidents"], values.get("incidents_note", ""))),
        "a_year_earlier": _("no data") if comparison else
        _shown(_count(values["incidents_prior_year"], values.get("incidents_prior_year_note", ""))),
        "change": "" if comparison else _("not shown") if hidden
        else f"{_signed(values['change'])} ({_pct(values['pct_change'])})",
        "reading": _shown(comparison or values["noise"]) + (
            "" if comparison or hidden or not metrics.noise_basis_note(values.get("noise_basis"))
            else f" ({metrics.noise_basis_note(values.get('noise_basis'))})"),
    }]
    if values.get("has_corrections"):  # the reconciled figure, only where the source has corrections
        after, note = values.get("after_corrections"), values.get("after_corrections_note") or values.get(
            "corrected_note", "")
        rows.append({
            "measure": _("Incidents after later corrections"),
            "this_period": _shown(note) if note else "" if after is None else f"{after:,}",
            "a_year_earlier": "",
            "change": "",
            "reading": metrics.correction_sentence(values["incidents"], values.get("corrected"), after,
                                                   values.get("incidents_note", ""), values.get("corrected_note", ""),
                                                   values.get("after_corrections_note", "")),
        })
    rate = values["rate_per_1000"]
    rows.append({
        "measure": _("Incidents per 1,000 residents"),
        "this_period": _("not shown") if rate is None else f"{rate:.1f}",
        "a_year_earlier": "" if values["rate_prior_year"] is None else f"{values['rate_prior_year']:.1f}",
        "change": "",
        "reading": _shown(values["denominator"]),
    })
    recorded, prior_recorded = values.get("engagement_recorded", True), values.get("engagement_prior_recorded", True)
    not_recorded = _(metrics.NOT_RECORDED)  # no ledger covers the period: never a 0
    rows.append({
        "measure": _("Engagement activities"),
        "this_period": _count(values["engagement_events"]) if recorded else not_recorded,
        "a_year_earlier": _count(values["engagement_events_prior_year"]) if recorded and prior_recorded
        else not_recorded,
        "change": _signed(values["engagement_events"] - values["engagement_events_prior_year"])
        if recorded and prior_recorded else "",
        "reading": _("recorded activities (ledger)") if recorded else _("no engagement record covers the period"),
    })
    rows.append({
        "measure": _("Officer engagement hours"),
        "this_period": f"{values['officer_hours']:,.0f}" if recorded else not_recorded,
        "a_year_earlier": f"{values['officer_hours_prior_year']:,.0f}" if recorded and prior_recorded
        else not_recorded,
        "change": _signed(values["officer_hours"] - values["officer_hours_prior_year"])
        if recorded and prior_recorded else "",
        "reading": _("summed over officers") if recorded else "",
    })
    trust, trust_prior = values.get("trust"), values.get("trust_prior_year")
    rows.append({
        "measure": _("Trust in police (0-100)"),
        "this_period": _("no result") if trust is None else f"{trust:.1f}",
        "a_year_earlier": _("no result") if trust_prior is None else f"{trust_prior:.1f}",
        "change": "" if trust is None or trust_prior is None else _("{change} points").format(
            change=f"{trust - trust_prior:+.1f}"),
        "reading": values.get("trust_reading", ""),
    })
    return pd.DataFrame(rows, columns=["measure", "this_period", "a_year_earlier", "change", "reading"])


def _offense_label(store: Store, offense_group: str) -> str:
    if offense_group in (None, "", "all"):
        return _("all offenses")
    labels = dict(metrics.offense_choices(store))
    return _shown(labels.get(offense_group, offense_group).strip())


def build_briefing(store: Store, request: BriefingRequest, progress: Progress = _no_progress) -> Briefing:
    """Gather a briefing's content: KPIs, map, trend, engagement, trust, programs and notes."""
    info = metrics.dataset_info(store)
    period = request.period
    # The filter's value (a group code, or "category:violent"; a bare "violent" means the category).
    chosen = metrics.resolve_offense(store, request.offense_group)
    offense = metrics.offense_filter(chosen)
    offense_label = _offense_label(store, chosen)
    rules = request.rules
    lang = i18n.language()
    progress(0.05, _("Counting incidents and engagement"))
    districts = metrics.area_comparison(store, period.start, period.end, level="district", offense_group=offense,
                                        date_basis=request.date_basis)
    prior_table = metrics.area_comparison(store, period.prior.start, period.prior.end, level="district",
                                          offense_group=offense, date_basis=request.date_basis)
    all_neighborhoods = metrics.area_comparison(store, period.start, period.end, level="neighborhood",
                                                offense_group=offense, date_basis=request.date_basis)
    protected = None
    if rules is not None:  # public mode: the same decision as the pages' and the CLI's for these filters
        protected = privacy.protect_area_tables(districts, all_neighborhoods, rules)
    if request.district_id is None:
        scope = _("Citywide")
        values = _city_values(store, districts, prior_table, period, offense, request.date_basis)
        if protected is not None:
            values = _public_city_values(values, protected, rules)
            districts = protected.districts
        neighborhoods = None
    else:
        place = district_mod.get_district(store, request.district_id)
        scope = district_mod.district_title(place.id, place.name)
        if protected is not None:
            districts, all_neighborhoods = protected.districts, protected.neighborhoods
        values = _district_values(store, place, districts, prior_table, period, request)
        neighborhoods = all_neighborhoods[all_neighborhoods["district_id"].astype(str) == place.id]
    values["offense_label"] = offense_label
    values["has_corrections"] = info.has_corrections

    progress(0.2, _("Drawing the map and the trend"))
    figures, captions = {}, {}
    if neighborhoods is None:
        features = geo.area_features(store, "district")
        figures["map"] = bf.print_map(districts, features, _("Incidents per 1,000 residents by district, {period}")
                                      .format(period=period.label()), names="district")
        captions["map"] = bf.map_caption(districts, "district")
    else:
        features = geo.area_features(store, "neighborhood")
        figures["map"] = bf.print_map(neighborhoods, features,
                                      _("Incidents per 1,000 residents by neighborhood, {period}")
                                      .format(period=period.label()))
        captions["map"] = bf.map_caption(neighborhoods, "neighborhood")
    areas = area_table(districts if neighborhoods is None else neighborhoods, "district" if neighborhoods is None
                       else "neighborhood")
    series = district_mod.monthly_series(store, request.district_id, period.end, offense,
                                         date_basis=request.date_basis, rules=rules)
    trend_title = district_mod.series_takeaway(series, _("Incidents"), district_mod.series_dispersion(
        store, request.district_id, period.end, offense, request.date_basis))
    breaks = series_breaks.applicable(info.series_breaks, request.district_id, offense,
                                      series_breaks.offense_categories(store))
    preliminary_from = (info.freshness.preliminary_from
                        if info.freshness is not None and request.date_basis == "occurred" else None)
    figures["trend"] = bf.print_trend(series, trend_title,
                                      _("{scope}: incidents per month ({offenses}), beside the same month a year "
                                        "earlier").format(scope=scope, offenses=offense_label),
                                      period, breaks=breaks, preliminary_from=preliminary_from)
    captions["trend"] = _("Solid black: incidents per month; dashed grey: the same month a year earlier. "
                          "The shaded band is the briefing period. A hollow last point is a month cut short.")
    shown = series_breaks.within(breaks, pd.Timestamp(series["month"].min()).date(),
                                 pd.Timestamp(series["last_day"].max()).date())
    if series_breaks.caption(shown):
        captions["trend"] += " " + series_breaks.caption(shown)
    if preliminary_from is not None and preliminary_from <= pd.Timestamp(series["last_day"].max()).date():
        captions["trend"] += " " + _("The dotted box marks preliminary days (from {day}): counts by date occurred "
                                     "there still rise as late reports arrive.").format(
            day=i18n.format_date(preliminary_from))

    progress(0.35, _("Summarising engagement and trust"))
    coverage = metrics.engagement_coverage(store)
    values.update(engagement_recorded=coverage.recorded(period.start),
                  engagement_prior_recorded=coverage.recorded(period.prior.start),
                  engagement_reason=coverage.not_recorded_reason())
    engagement = district_mod.engagement_by_type(store, request.district_id, period.start, period.end)
    if not engagement.empty:
        engagement = engagement.assign(type_label=engagement["type_label"].map(_shown))
    if not values["engagement_recorded"]:  # nothing to draw, and a table of zeros would say "none happened"
        engagement = engagement.iloc[0:0]
    figures["engagement"] = bf.print_engagement(
        engagement, _("Engagement activities by type, {period}").format(period=period.label()),
        _("Black: this period; grey: the same days a year earlier"),
        empty=None if values["engagement_recorded"] else _("Not recorded: no engagement record covers this period"))
    captions["engagement"] = (_(ASSOCIATION_NOTE) if values["engagement_recorded"]
                              else values["engagement_reason"])
    engagement_table = _engagement_table(engagement, values["engagement_prior_recorded"])
    trust, trust_note = _trust_table(store, request)
    values.update(_trust_values(store, request))
    kpis = kpi_table(values)

    progress(0.45, _("Estimating program effects"))
    programs, program_note = _program_table(store, request)
    takeaways = _takeaways(values, scope, period, engagement, programs)
    trust_takeaway = takeaways[2] if values.get("trust") is not None else None  # incidents, engagement, trust
    cautions = freshness.comparison_cautions(info.freshness, breaks, period.start, period.end, period.prior.start,
                                             request.date_basis)
    if cautions:  # the comparison spans a series break or reaches into preliminary days
        kpis.loc[0, "reading"] = _("{reading}; caution: {cautions}").format(
            reading=kpis.loc[0, "reading"], cautions=_and([_(CAUTION_NAMES.get(k, k)) for k in cautions]))
        takeaways += [_("Caution: {caution}").format(caution=_shown(c)) for c in cautions.values()]
    offenses = offense_table(store, request, offense, rules, protected)
    stale = freshness.staleness_text(info)
    if stale:  # old data: said on page 1, and the period named with it
        stale = _("{stale} This briefing's period ({period}) ends at the latest then, not today.").format(
            stale=stale, period=period.label())
    notes = _method_notes(info, request, offense_label)
    return Briefing(
        request=request, city=info.city_name, scope=scope, period_text=period.label(),
        comparison_text=period.prior.label(), as_of=info.last_day, built_at=freshness.built_day(info.built_at),
        simulated=info.is_simulated, data_label=info.label, offense_label=offense_label, kpis=kpis,
        kpi_values=values, takeaways=takeaways, figures=figures, captions=captions, engagement=engagement_table,
        trust=trust, trust_note=trust_note, programs=programs, program_note=program_note, notes=notes,
        trust_takeaway=trust_takeaway, lang=lang, offenses=offenses, offense_note=_(OFFENSE_NOTE),
        offense_takeaway=offense_takeaway(offenses),
        areas=areas, area_heading=_("Districts") if neighborhoods is None else _("Neighborhoods"), stale=stale,
    )


def _rate(incidents: int | None, population: float | None) -> float | None:
    if incidents is None or population is None or pd.isna(population) or population < metrics.MIN_POPULATION_FOR_RATE:
        return None
    return round(incidents / float(population) * 1000, 2)


def _city_values(store: Store, table: pd.DataFrame, prior_table: pd.DataFrame, period: metrics.Period,
                 offense_group: str | None = None, date_basis: str = "occurred") -> dict:
    totals = metrics.city_totals(store, table, period.start, period.end, offense_group, date_basis)
    population = table["population"].astype("Float64").sum()
    incidents, prior = totals.incidents, totals.incidents_prior_year
    return {
        "incidents": incidents, "incidents_prior_year": prior, "change": None if prior is None else incidents - prior,
        "pct_change": totals.pct_change, "noise_z": totals.noise_z, "noise": totals.noise,
        "dispersion": totals.dispersion, "noise_basis": totals.noise_basis,
        "comparison": totals.comparison, "corrected": totals.corrected, "after_corrections": totals.after_corrections,
        "rate_per_1000": _rate(incidents, population),
        "rate_prior_year": _rate(prior, population),
        "denominator": _("per 1,000 of {population} residents (sum of the districts)").format(
            population=f"{int(population):,}"),
        "engagement_events": int(table["engagement_events"].sum()),
        "engagement_events_prior_year": int(prior_table["engagement_events"].sum()),
        "officer_hours": round(float(table["officer_hours"].sum()), 1),
        "officer_hours_prior_year": round(float(prior_table["officer_hours"].sum()), 1),
    }


def _public_city_values(values: dict, protected: privacy.ProtectedAreas, rules: privacy.Rules) -> dict:
    """The citywide KPI values as the public sees them: a hidden count None with its note, and no
    change, rate or reading made from it."""
    out = dict(values)
    for col in (*privacy.COUNT_COLUMNS, "corrected", "after_corrections"):
        out[privacy.note_column(col)] = rules.note(protected.city.get(col))
    if out["incidents_note"]:
        out.update(incidents=None, rate_per_1000=None)
    if out["incidents_prior_year_note"]:
        out.update(incidents_prior_year=None, rate_prior_year=None)
    if out["incidents_note"] or out["incidents_prior_year_note"]:
        out.update(change=None, pct_change=None, noise_z=None)
        if not out.get("comparison"):
            out["noise"] = privacy.NOT_SHOWN_READING
    for col in ("corrected", "after_corrections"):
        if out[privacy.note_column(col)]:
            out[col] = None
    return out


def _district_values(store: Store, place, table: pd.DataFrame, prior_table: pd.DataFrame,
                     period: metrics.Period, request: BriefingRequest) -> dict:
    row = table[table["area_id"] == place.id].iloc[0]
    prior_row = prior_table[prior_table["area_id"] == place.id].iloc[0]
    kpis = district_mod.district_kpis(store, place.id, period.start, period.end,
                                      metrics.offense_filter(metrics.resolve_offense(store, request.offense_group)),
                                      request.date_basis, districts_table=table)
    return {
        "incidents": kpis.incidents, "incidents_prior_year": kpis.incidents_prior_year, "change": kpis.change,
        "pct_change": kpis.pct_change, "noise_z": kpis.noise_z, "noise": kpis.noise,
        "dispersion": kpis.dispersion, "noise_basis": kpis.noise_basis,
        "rate_per_1000": kpis.rate_per_1000,
        "rate_prior_year": _rate(kpis.incidents_prior_year, kpis.population),
        "incidents_note": kpis.incidents_note, "incidents_prior_year_note": kpis.incidents_prior_year_note,
        "comparison": kpis.comparison, "corrected": kpis.corrected, "after_corrections": kpis.after_corrections,
        "corrected_note": kpis.corrected_note, "after_corrections_note": kpis.after_corrections_note,
        "denominator": kpis.denominator,
        "engagement_events": int(row["engagement_events"]),
        "engagement_events_prior_year": int(prior_row["engagement_events"]),
        "officer_hours": float(row["officer_hours"]),
        "officer_hours_prior_year": float(prior_row["officer_hours"]),
    }


def _change_cell(current, prior, hidden: bool, comparison: str = "") -> str:
    """A change from a year earlier as a table prints it: "-12 (-8.0%)"; no % from fewer than
    ``metrics.MIN_COUNT_FOR_PCT`` incidents a year earlier (one more or less would swing it)."""
    if comparison:
        return _("no data a year earlier")
    if hidden or current is None or prior is None or pd.isna(current) or pd.isna(prior):
        return _("not shown")
    diff = int(current) - int(prior)
    if prior < metrics.MIN_COUNT_FOR_PCT:
        return f"{diff:+,} ({_(metrics.TOO_FEW_TO_COMPARE)})"
    return f"{diff:+,} ({diff / prior * 100:+.1f}%)"


def _changes(table: pd.DataFrame, name_column: str, name_header: str) -> pd.DataFrame:
    """Rows of counts (incidents, incidents_prior_year, noise; public mode: with their notes) as a printed
    table: name, this period, a year earlier, change (% beside the count) and the noise reading."""
    columns = [name_header, _("This period"), _("A year earlier"), _("Change"), _("Reading")]
    if table.empty:
        return pd.DataFrame(columns=[*columns, "_z"])
    rows = []
    hidden_rows = privacy.hidden(table, "incidents") | privacy.hidden(table, "incidents_prior_year")
    for (_i, r), hidden in zip(table.iterrows(), hidden_rows):
        comparison = str(r.get("comparison") or "")
        rows.append([
            _shown(str(r[name_column])),
            _shown(privacy.row_text(r, "incidents")),
            _("no data") if comparison else _shown(privacy.row_text(r, "incidents_prior_year")),
            _change_cell(r.get("incidents"), r.get("incidents_prior_year"), hidden, comparison),
            _shown(comparison or r.get("noise") or ""),
            r.get("noise_z") if not hidden else None,
        ])
    return pd.DataFrame(rows, columns=[*columns, "_z"])


def area_table(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """The areas of the map as a table (largest count first; public mode: hidden counts last, as the
    privacy rules order them): name, counts, change with its reading, and the rate per 1,000 residents."""
    data = table[table["area_id"] != metrics.UNASSIGNED_ID].copy()
    if level == "district":
        data["_name"] = [district_mod.district_title(str(i), str(n)) for i, n in zip(data["area_id"], data["area_name"])]
    else:
        data["_name"] = data["area_name"].astype(str)
    if not privacy.hidden(data, "incidents").any():
        data = data.sort_values(["incidents", "_name"], ascending=[False, True], kind="stable")
    out = _changes(data.reset_index(drop=True), "_name", _("District") if level == "district" else _("Neighborhood"))
    rates = data["rate_per_1000"].astype("Float64").reset_index(drop=True)
    hidden = privacy.hidden(data, "incidents").reset_index(drop=True)
    out.insert(5, _("Per 1,000 residents"), [_("not shown") if h else "–" if pd.isna(r) else f"{r:,.1f}"
                                             for r, h in zip(rates, hidden)])  # "–": too few residents for a rate
    return out


# Shown translated (``Briefing.offense_note``).
OFFENSE_NOTE = N_("Each offense group's change is read against how much that group's count normally varies here "
                  "(the same noise label as the headline). Groups are listed from the largest rise to the largest "
                  "fall.")


def offense_mix_table(store: Store, request: BriefingRequest, offense: str | None,
                      rules: privacy.Rules | None, protected: privacy.ProtectedAreas | None) -> pd.DataFrame:
    """Incidents per offense group in the period and a year earlier, with each change's noise reading: a
    district's as its District page shows it (``district.offense_mix``), citywide the same over every area."""
    if request.district_id is not None:
        return district_mod.offense_mix(store, request.district_id, request.start, request.end, offense,
                                        request.date_basis, rules=rules)
    period = request.period
    table = store.query("briefing_city_offense_mix", start=period.start, end=period.end,
                        prior_start=period.prior.start, prior_end=period.prior.end, date_basis=request.date_basis,
                        offense_group=offense)
    table = table[(table["incidents"] != 0) | (table["incidents_prior_year"] != 0)].copy()
    for col in ("incidents", "incidents_prior_year"):
        table[col] = table[col].astype("int64")
    table["change"] = table["incidents"] - table["incidents_prior_year"]
    table["pct_change"] = metrics.pct_change(table["incidents"], table["incidents_prior_year"]).round(1)
    first, last = metrics.noise_history(store, request.date_basis, period.start)
    if first is None or last is None or last < first:
        daily = pd.DataFrame(columns=["area_id", "day", "incidents"])
    else:
        daily = store.query("briefing_city_offense_history", start=first, end=last, date_basis=request.date_basis,
                            offense_group=offense)
    dispersions = noise.area_dispersions(daily, list(table["offense_group"]), period.start, period.end, first, last)
    table = metrics.with_noise(table, dispersions, period, key="offense_group").drop(columns="noise_basis")
    table = metrics.comparison_columns(table, metrics.incident_coverage(store).comparable(period, request.date_basis))
    table = table.drop(columns="comparison")
    table["label"] = table["label"].map(lambda label: _(label))
    table = table.drop(columns=["ucr_part"]).reset_index(drop=True)
    if rules is not None and protected is not None:
        table = privacy.protect_offense_mix(table, rules, protected.city)
    return table


def offense_table(store: Store, request: BriefingRequest, offense: str | None, rules: privacy.Rules | None,
                  protected: privacy.ProtectedAreas | None) -> pd.DataFrame:
    """Which offenses rose and fell: one row per offense group (name, counts, change, noise label), from the
    largest rise to the largest fall (public mode: hidden counts last)."""
    mix = offense_mix_table(store, request, offense, rules, protected)
    if mix.empty:
        return _changes(mix, "label", _("Offense group"))
    if not (privacy.hidden(mix, "incidents") | privacy.hidden(mix, "incidents_prior_year")).any():
        mix = mix.assign(_order=mix["change"].astype(float)).sort_values(
            ["_order", "incidents"], ascending=[False, False], kind="stable")
    return _changes(mix.reset_index(drop=True), "label", _("Offense group"))


def offense_takeaway(offenses: pd.DataFrame) -> str | None:
    """One sentence of the offense groups whose change is beyond normal variation (|z| >= 2), or None."""
    if offenses.empty or "_z" not in offenses.columns:
        return None
    z = pd.to_numeric(offenses["_z"], errors="coerce")
    name, change = offenses.columns[0], offenses.columns[3]
    rose = offenses[z >= noise.POSSIBLE_Z]
    fell = offenses[z <= -noise.POSSIBLE_Z]
    if rose.empty and fell.empty:
        return _("No offense group changed beyond its normal variation.")
    moved = [_("{group} rose: {change}").format(group=n, change=c) for n, c in zip(rose[name], rose[change])]
    moved += [_("{group} fell: {change}").format(group=n, change=c) for n, c in zip(fell[name], fell[change])]
    return _("Offense groups that changed beyond normal variation: {groups}.").format(groups="; ".join(moved))


def _engagement_table(engagement: pd.DataFrame, prior_recorded: bool = True) -> pd.DataFrame:
    """Activities by type with a total row; printed as it is, so its column names are display text. A year
    earlier that no engagement record covers reads "not recorded" (never 0)."""
    columns = [_("Activity"), _("This period"), _("A year earlier"), _("Officer hours"), _("Attendees")]
    if engagement.empty:
        return pd.DataFrame(columns=columns)
    prior = engagement["events_prior_year"].map(_count) if prior_recorded else pd.Series(
        [_(metrics.NOT_RECORDED)] * len(engagement), index=engagement.index, dtype=object)
    table = pd.DataFrame(dict(zip(columns, (
        engagement["type_label"],
        engagement["events"].map(_count),
        prior,
        engagement["officer_hours"].map(lambda h: f"{h:,.0f}"),
        engagement["attendees"].map(_count),
    ))))
    total = dict(zip(columns, (_("All activities"), _count(int(engagement["events"].sum())),
                               _count(int(engagement["events_prior_year"].sum())) if prior_recorded
                               else _(metrics.NOT_RECORDED),
                               f"{engagement['officer_hours'].sum():,.0f}",
                               _count(int(engagement["attendees"].sum())))))
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)[columns]


def _trust_table(store: Store, request: BriefingRequest) -> tuple[pd.DataFrame, str]:
    """Survey results in the period (the latest 6 periods for a district, every district's latest
    result citywide), with respondents and margins of error; small samples are hidden."""
    columns = [_("Survey period"), _("Area"), _("Score (0-100)"), _("Margin of error"), _("Respondents")]
    table = metrics.trust_by_district(store, "trust", request.start, request.end)
    minimum = _("Results from fewer than {n} respondents are not shown.").format(n=metrics.MIN_RESPONDENTS)
    if table.empty:
        return pd.DataFrame(columns=columns), _("No trust survey results fall in this period.") + " " + minimum
    if request.district_id is not None:
        table = table[table["district_id"].astype(str) == str(request.district_id)].tail(6)
    else:
        table = table.sort_values("period_start").groupby("district_id", sort=False).tail(1)
    out = pd.DataFrame({
        **dict(zip(columns, (
            pd.to_datetime(table["period_start"]).map(i18n.format_month_short),
            pd.Series([district_mod.district_title(str(i), str(n))  # "Distrito 3 – ..." in Spanish
                       for i, n in zip(table["district_id"], table["district_name"])], index=table.index, dtype=object),
            table["score"].map(lambda s: _("hidden (too few)") if pd.isna(s) else f"{s:.1f}"),
            table["margin_of_error"].map(lambda m: _("not published") if pd.isna(m) else f"±{m:.1f}"),
            table["respondents"].map(lambda r: _("not published") if pd.isna(r) else f"{int(r):,}"),
        ))),
        "_score": table["score"], "_respondents": table["respondents"],
    })
    return out.reset_index(drop=True), minimum


def _trust_values(store: Store, request: BriefingRequest) -> dict:
    """The trust score the Overview shows (``trust_stats.city_trust``: district scores weighted by population;
    for a district briefing, that district's), its change from a year earlier with a margin of error and the
    same reading as crime counts; results from too few respondents left out in public mode."""
    trust = trust_stats.city_trust(store, request.period.start, request.period.end,
                                   min_respondents=metrics.MIN_RESPONDENTS,
                                   districts=None if request.district_id is None else [request.district_id])
    if request.rules is not None:
        trust = trust_stats.protect(trust, metrics.MIN_RESPONDENTS)
    prior = None if trust.prior_score is None else round(trust.prior_score, 1)
    if trust.score is None:
        return {"trust": None, "trust_prior_year": prior, "trust_reading": _("no survey result in the period")}
    parts = [ngettext("{count} respondent", "{count} respondents", trust.respondents).format(
        count=f"{trust.respondents:,}") if trust.respondents else _("respondents not published"),
             trust.weighting_text().rstrip(".")]
    if trust.change is not None and trust.noise:
        parts.append(_(trust.noise) + (f" ({trust.margin_text()})" if trust.margin is not None else ""))
    return {"trust": round(trust.score, 1), "trust_prior_year": prior, "trust_moe": trust.margin,
            "trust_reading": "; ".join(parts)}


# date basis -> evaluation.evaluate while district_briefings runs (a context variable: each app session's
# thread sees only its own batch).
_batch_evaluations: contextvars.ContextVar[dict | None] = contextvars.ContextVar("batch_evaluations", default=None)


@contextlib.contextmanager
def shared_evaluations():
    """Briefings built inside share one set of program estimates (``evaluation.evaluate``, about a second
    each): every briefing of a batch shows the same estimates, each keeping its own district's programs."""
    token = _batch_evaluations.set({})
    try:
        yield
    finally:
        _batch_evaluations.reset(token)


def _evaluated(store: Store, date_basis: str) -> pd.DataFrame:
    """Every program's estimates (``evaluation.evaluate``): once per batch of district briefings, which all
    show the same estimates (each keeps its own district's programs)."""
    batch = _batch_evaluations.get()
    if batch is None:
        return evaluation.evaluate(store, date_basis=date_basis)
    if date_basis not in batch:
        batch[date_basis] = evaluation.evaluate(store, date_basis=date_basis)
    return batch[date_basis]


def _program_table(store: Store, request: BriefingRequest) -> tuple[pd.DataFrame, str]:
    """Each program's estimates, printed as they are (display column names), with "_clear" (the
    interval excludes 0) for code."""
    columns = [_("Program"), _("Outcome"), _("Estimate"), _("95% interval"), _("Checks")]
    results = _evaluated(store, request.date_basis)
    if request.district_id is not None and not results.empty:
        here = set(store.query("district_programs", district_id=request.district_id)["name"])
        results = results[results["program"].isin(here)]
    note = _("Difference-in-differences against districts without the program, 24 months either side of its start; "
             "relative effects (-10% = 10% fewer incidents, or a 10% lower trust score, than without it). The interval "
             "says how sure the estimate is; an interval that spans 0 cannot tell an effect from none.")
    if results.empty:
        return (pd.DataFrame(columns=[*columns, "_clear"]),
                _("No program ran here with enough data to estimate its effect."))
    rows = []
    for _row, r in results.iterrows():
        outcome = _shown(OUTCOME_NAMES.get(r["outcome"], r["outcome"]))
        if pd.isna(r["estimate"]):
            rows.append([r["program"], outcome, _("not estimable"), "", _shown(str(r.get("note") or "")), False])
            continue
        checks = []
        ok = r["pretrend_ok"]
        if pd.isna(ok):  # a check that could not be run is "not assessed", never a failure
            checks.append(_("trends before the start not assessed"))
        elif not bool(ok):
            p = pd.Series([r["pretrend_p"], r["pretrend_slope_p"]]).min()
            checks.append(_("trends differed before the start (p = {p})").format(p=f"{p:.2f}"))
        if bool(r["rtm_flag"]):
            checks.append(_("possible regression to the mean"))
        spans = r["ci_low"] < 0 < r["ci_high"]
        checks.append(_("interval spans 0: no clear effect") if spans else _("interval excludes 0"))
        rows.append([r["program"], outcome, f"{r['estimate'] * 100:+.1f}%",
                     _("{low} to {high}").format(low=f"{r['ci_low'] * 100:+.1f}%", high=f"{r['ci_high'] * 100:+.1f}%"),
                     "; ".join(checks), not spans])
    return pd.DataFrame(rows, columns=[*columns, "_clear"]), note


def _takeaways(values: dict, scope: str, period: metrics.Period, engagement: pd.DataFrame,
               programs: pd.DataFrame) -> list[str]:
    """The sentences "In brief": incidents, engagement, trust (when surveyed), programs with a clear estimate."""
    if values.get("comparison") and values["incidents"] is not None:  # nothing loaded a year earlier
        out = [_("{sentence} ({scope}, {period}).").format(
            sentence=metrics.describe_change(values["incidents"], None, "incidents"), scope=scope,
            period=period.label())]
    elif values["incidents"] is None or values["incidents_prior_year"] is None:  # public mode: a small count
        out = [_("Incidents: {current} in the period, {prior} a year earlier ({scope}, {period}); small counts and "
                 "the change they make are not shown in a public briefing.").format(
            current=_shown(_count(values["incidents"], values.get("incidents_note", ""))),
            prior=_shown(_count(values["incidents_prior_year"], values.get("incidents_prior_year_note", ""))),
            scope=scope, period=period.label())]
    else:
        sentence = metrics.describe_change(values["incidents"], values["incidents_prior_year"], "incidents",
                                           values["noise_z"]).rstrip(".")
        out = [_("{sentence} ({scope}, {period} vs a year earlier).").format(sentence=sentence, scope=scope,
                                                                             period=period.label())]
    events, prior = values["engagement_events"], values["engagement_events_prior_year"]
    if not values.get("engagement_recorded", True):  # no ledger covers the period: "not recorded", never 0
        out.append(values.get("engagement_reason") or _("Engagement activities: not recorded."))
    elif not values.get("engagement_prior_recorded", True):
        out.append(ngettext("{events} engagement activity was recorded, with {hours} officer hours; a year earlier "
                            "is not recorded.",
                            "{events} engagement activities were recorded, with {hours} officer hours; a year "
                            "earlier is not recorded.", events).format(events=f"{events:,}",
                                                                       hours=f"{values['officer_hours']:,.0f}"))
    else:
        out.append(ngettext("{events} engagement activity was recorded ({prior} a year earlier), with {hours} "
                            "officer hours.",
                            "{events} engagement activities were recorded ({prior} a year earlier), with {hours} "
                            "officer hours.", events).format(events=f"{events:,}", prior=f"{prior:,}",
                                                             hours=f"{values['officer_hours']:,.0f}"))
    if values.get("trust") is not None:
        reading = values["trust_reading"]
        if values.get("trust_prior_year") is not None:
            reading += "; " + _("{score} in the same days a year earlier").format(
                score=f"{values['trust_prior_year']:.1f}")
        out.append(_("Trust in police averaged {score} of 100 ({reading}).").format(score=f"{values['trust']:.1f}",
                                                                                    reading=reading))
    if "_clear" in programs.columns and len(programs):
        clear = programs[programs["_clear"].astype(bool)]
    else:  # a table without the flag (tests stub it): none is clear
        clear = programs.iloc[0:0]
    if len(clear):
        program, outcome, estimate = (clear.columns[i] for i in range(3))
        out.append(_("Programs with an estimate clear of zero: {programs}.").format(programs="; ".join(
            _("{program} on {outcome} {estimate}").format(program=p, outcome=o, estimate=e)
            for p, o, e in zip(clear[program], clear[outcome], clear[estimate]))))
    return out


def _method_notes(info: metrics.DatasetInfo, request: BriefingRequest, offense_label: str) -> list[str]:
    if request.date_basis == "occurred":
        counted = _("Incidents are counted as the agency counts them, by the day the offense occurred, {offenses}; the "
                    "comparison is the same calendar days one year earlier.")
    else:
        counted = _("Incidents are counted as the agency counts them, by the day it was reported, {offenses}; the "
                    "comparison is the same calendar days one year earlier.")
    notes = [
        counted.format(offenses=offense_label),
        *([_("Later corrections (unfounded or reclassified reports) are not subtracted from the counts: the count "
             "after them is shown beside the official count.")] if info.has_corrections else []),
        _("Reading (noise label): a test of the two counts that allows for how much this area's counts normally "
          "vary over periods this long, measured from its own earlier years (citywide: the city's; an area with "
          "little history leans on the other areas). z is on the usual scale: |z| < 2 is within normal variation, "
          "2-3 a possible change (with nothing changed, about 1 comparison in 22), 3 or more a significant change "
          "(about 1 in 370)."),
        _("Rates are incidents per 1,000 residents of the area; areas under {n} residents get no rate.").format(
            n=metrics.MIN_POPULATION_FOR_RATE),
        _(ASSOCIATION_NOTE),
        _("Survey scores are respondent-weighted; results from fewer than {n} respondents are hidden.").format(
            n=metrics.MIN_RESPONDENTS),
        _("Data: {label} for {city}. Source: {source}").format(label=_shown(info.label).lower(), city=info.city_name,
                                                               source=metrics.source_words(info)),
        _("Data as of {day}; database built {built}.").format(
            day=i18n.format_date(info.last_day) if info.last_day else _("n/a"), built=freshness.built_day(info.built_at)),
    ]
    if info.has_incidents:
        notes += freshness.note_lines(info.freshness) + series_breaks.note_lines(info.series_breaks)
    if request.rules is not None:  # public mode: say what is hidden and why
        rules_text = privacy.describe(request.rules, metrics.MIN_RESPONDENTS)
        notes += [_("Public briefing. {rules}").format(rules=rules_text[0]), rules_text[1]]
    return notes


# -- rendering ------------------------------------------------------------------------------------


_RENDERER = threading.Lock()   # guards the count of users of kaleido's one browser
_CALC = threading.Lock()       # one chart at a time through it (app sessions run in threads)
_renderer_users = 0


@contextlib.contextmanager
def chart_renderer():
    """Keep one Chromium (kaleido's sync server) for every chart rendered inside: starting it costs
    about 3 s, so a batch of briefings (``district_briefings``) starts it once. Nested uses share it."""
    global _renderer_users
    import kaleido

    with _RENDERER:
        if _renderer_users == 0:
            # No LaTeX in any chart: MathJax would be fetched from a CDN.
            kaleido.start_sync_server(silence_warnings=True, mathjax=False)
        _renderer_users += 1
    try:
        yield
    finally:
        with _RENDERER:
            _renderer_users -= 1
            if _renderer_users == 0:
                kaleido.stop_sync_server(silence_warnings=True)


def render_figures(briefing: Briefing, progress: Progress = _no_progress, scale: float = 2.0) -> dict[str, bytes]:
    """Every figure of the briefing as PNG bytes (kaleido with the system Chromium, one browser).

    Speed: the map is drawn as plain filled outlines (``briefing_figures.print_map``), not as a
    WebGL map trace, which headless Chromium renders in software in 5-10 s; what is left is the
    browser's start (about 3 s, once per ``chart_renderer``) and well under a second per chart."""
    import kaleido

    pngs: dict[str, bytes] = {}
    with chart_renderer():
        names = list(briefing.figures)
        for i, name in enumerate(names):
            progress(0.5 + 0.35 * i / max(len(names), 1), _shown(CHART_STEPS.get(name, name)))
            width, height = FIGURE_SIZES.get(name, (1000, 600))
            with _CALC:
                pngs[name] = kaleido.calc_fig_sync(briefing.figures[name],
                                                   opts=dict(format="png", width=width, height=height, scale=scale))
    return pngs


def _laid_out(briefing: Briefing, pngs: dict[str, bytes] | None, progress: Progress, step: str, render) -> bytes:
    with speaking(briefing.lang):  # the renderers' words in the briefing's language
        pngs = render_figures(briefing, progress) if pngs is None else pngs
        progress(0.9, _(step))
        data = render(briefing, pngs)
        progress(1.0, _("Done"))
    return data


def briefing_pdf(briefing: Briefing, pngs: dict[str, bytes] | None = None, progress: Progress = _no_progress) -> bytes:
    """The briefing as a US Letter PDF (``pngs`` from ``render_figures``, made here when None)."""
    from community_policing.briefing.pdf import render

    return _laid_out(briefing, pngs, progress, N_("Laying out the PDF"), render)


def briefing_pptx(briefing: Briefing, pngs: dict[str, bytes] | None = None, progress: Progress = _no_progress) -> bytes:
    """The briefing as a 16:9 slide deck, one message per slide."""
    from community_policing.briefing.slides import render

    return _laid_out(briefing, pngs, progress, N_("Laying out the slides"), render)


# -- every district at once -------------------------------------------------------------------------


def district_ids(store: Store) -> list[str]:
    """The ids of the city's districts, in the order the pages list them."""
    return store.query("district_list")["district_id"].astype(str).tolist()


def district_briefings(store: Store, start: dt.date, end: dt.date, offense_group: str = "all",
                       date_basis: str = "occurred", rules: privacy.Rules | None = None, kind: str = "pdf",
                       progress: Progress = _no_progress) -> list[tuple[str, bytes]]:
    """A briefing for every district over the same period and offenses, as (file name, bytes) in the
    districts' order: built one after another with one browser for every chart (``chart_renderer``).
    ``kind``: "pdf" or "pptx"."""
    if kind not in ("pdf", "pptx"):
        raise ValueError(f"kind must be pdf or pptx, not {kind!r}")
    render = briefing_pdf if kind == "pdf" else briefing_pptx
    ids = district_ids(store)
    out: list[tuple[str, bytes]] = []
    with shared_evaluations(), chart_renderer():
        for i, district_id in enumerate(ids):
            def step(fraction: float, message: str, i=i, district_id=district_id) -> None:
                progress((i + min(max(fraction, 0.0), 1.0)) / len(ids), _(
                    "District {id} ({number} of {count}): {step}").format(
                    id=district_id, number=i + 1, count=len(ids), step=message))

            request = BriefingRequest(start, end, district_id, offense_group, date_basis, rules=rules)
            content = build_briefing(store, request, step)
            out.append((f"{content.file_stem()}.{kind}", render(content, progress=step)))
    return out


def district_briefings_zip(store: Store, start: dt.date, end: dt.date, offense_group: str = "all",
                           date_basis: str = "occurred", rules: privacy.Rules | None = None, kind: str = "pdf",
                           progress: Progress = _no_progress) -> bytes:
    """``district_briefings`` as one zip file (the app's "briefings for all districts" download)."""
    return zip_files(district_briefings(store, start, end, offense_group, date_basis, rules, kind, progress))


def zip_files(files: list[tuple[str, bytes]]) -> bytes:
    """(file name, bytes) pairs as one zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def request_view(store: Store, start: dt.date, end: dt.date, district_id: str | None, offense_group: str,
                 date_basis: str, *, rules: privacy.Rules | None = None) -> BriefingRequest:
    """The briefing the Briefings page makes for this reader (called through ``cached.view``): in public mode it
    carries the privacy rules, so the briefing hides small counts like every page; staff get everything."""
    return BriefingRequest(start, end, district_id, offense_group, date_basis, rules=rules)


def zip_name(start: dt.date, end: dt.date, simulated: bool, public: bool, kind: str = "pdf") -> str:
    """The zip's file name: English words (a name, not text), as ``Briefing.file_stem``."""
    lang = "" if i18n.language() == i18n.DEFAULT else f"_{i18n.language()}"
    return (f"briefings_all_districts_{start:%Y%m%d}_{end:%Y%m%d}{lang}{'_public' if public else ''}"
            f"{'_simulated' if simulated else ''}_{kind}.zip")
