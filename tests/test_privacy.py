"""Privacy in public mode: the rules one by one, complementary suppression, and the property that
matters: in public mode no table, chart, download, CLI output or briefing shows an incident count
from 1 to 3 at district or neighborhood level (or any other), for random filters."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import io
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from community_policing import cli, i18n
from community_policing.briefing import content as briefing
from community_policing.stats import noise
from community_policing.views import compare, district, evaluation, metrics, privacy
from community_policing.web import display
from community_policing.views.privacy import COMPLEMENTARY, PRIMARY, WITHHELD, Equation, Rules
from community_policing.data.store import DB_ENV_VAR, Store
from tests.charts import vega_charts

RULES = Rules()
SMALL = {1, 2, 3}
NET_SMALL = SMALL | {-v for v in SMALL}  # what no public output may show: a small count, or a net one below 0
ROOT = Path(__file__).resolve().parent.parent


# --- the rules ------------------------------------------------------------------------------------


def test_rules_label_and_threshold_from_the_environment():
    assert RULES.label == "fewer than 4"
    # A net count of -1 to -3 (later corrections outnumber the records) is a small count in disguise.
    assert [RULES.is_small(v) for v in (0, 1, 3, 4, -1, -3, -4, None, np.nan, pd.NA, "x")] == [
        False, True, True, False, True, True, False, False, False, False, False]
    assert privacy.rules_from_env({}).min_count == 4
    assert privacy.rules_from_env({"COMMON_GROUND_MIN_COUNT": "6"}).label == "fewer than 6"
    for bad in ("1", "x"):
        with pytest.raises(ValueError):
            privacy.rules_from_env({"COMMON_GROUND_MIN_COUNT": bad})
    assert "rape" in RULES.sensitive_offense_groups
    assert RULES.note(PRIMARY) == "fewer than 4" and RULES.note(COMPLEMENTARY) and RULES.note(None) == ""


def _protect_column(values: list[int], total_shown: bool = True) -> dict:
    cells = {("row", i): v for i, v in enumerate(values)}
    cells[("total",)] = sum(values)
    fixed = {("total",): PRIMARY if RULES.is_small(sum(values)) else None} if total_shown else None
    status = privacy.protect(cells, [Equation(("total",), tuple(("row", i) for i in range(len(values))))], RULES,
                             fixed=fixed)
    return {i: status.get(("row", i)) for i in range(len(values))}


def test_small_counts_are_primary_and_zeros_are_shown():
    status = _protect_column([0, 0, 2, 0, 3])
    assert status[2] == PRIMARY and status[4] == PRIMARY
    assert status[0] is None and status[1] is None and status[3] is None


def test_one_hidden_cell_in_a_sum_takes_the_next_smallest_with_it():
    status = _protect_column([12, 2, 5, 40, 0])
    assert status == {0: None, 1: PRIMARY, 2: COMPLEMENTARY, 3: None, 4: None}


def test_a_sum_that_pins_the_hidden_cells_hides_more():
    # 1 and 4 hidden: the reader knows 1 + c = 5 and c >= 4, so the 1 is exact: hide another.
    status = _protect_column([1, 4, 10])
    assert status == {0: PRIMARY, 1: COMPLEMENTARY, 2: COMPLEMENTARY}
    # Two small counts adding up to 2 (both 1) are pinned; adding up to 4 (1+3, 2+2, 3+1) they are not.
    assert _protect_column([1, 1, 9, 20])[2] == COMPLEMENTARY
    assert _protect_column([1, 3, 9, 20]) == {0: PRIMARY, 1: PRIMARY, 2: None, 3: None}
    assert _protect_column([3, 3, 9, 20])[2] == COMPLEMENTARY  # 3 + 3 = 6: both must be 3


def test_a_breakdown_that_cannot_be_protected_otherwise_is_withheld():
    # 1 + 4 + 4 = 9 with the total shown elsewhere: hiding both 4s still pins the 1 (c >= 4), so the whole
    # line, its small count and zeros too, is withheld (a reader knows only that each is not negative).
    assert set(_protect_column([1, 4, 4, 0]).values()) == {WITHHELD}
    assert set(_protect_column([1, 4, 0, 0]).values()) == {WITHHELD}
    assert _protect_column([1, 5, 0]) == {0: PRIMARY, 1: COMPLEMENTARY, 2: None}  # 1 + c = 6, c >= 4: 1 or 2
    assert _protect_column([2, 0]) == {0: PRIMARY, 1: None}  # a small total is hidden itself: 2 = t
    assert RULES.note(WITHHELD) == RULES.withheld_label


def test_without_a_shown_total_only_small_counts_are_hidden():
    cells = {("row", 0): 2, ("row", 1): 9}
    assert privacy.protect(cells, [], RULES) == {("row", 0): PRIMARY}


def test_a_total_hidden_elsewhere_is_protected_by_its_parts():
    cells = {("row", 0): 9, ("row", 1): 7, ("total",): 16}
    status = privacy.protect(cells, [Equation(("total",), (("row", 0), ("row", 1)))], RULES,
                             fixed={("total",): COMPLEMENTARY})
    assert status == {("total",): COMPLEMENTARY, ("row", 1): COMPLEMENTARY}


def _brute_force_pinned(values: list[int], status: dict, m: int = 4) -> bool:
    """Exhaustively: is some hidden cell of ``values`` (sum shown) worth a single value, given what a
    reader knows (small: 1..m-1; hidden to protect: >= m; the sum)?"""
    hidden = [i for i in range(len(values)) if status[i]]
    if not hidden:
        return False
    total = sum(values[i] for i in hidden)
    ranges = [range(1, m) if status[i] == PRIMARY else range(m, total + 1) if status[i] == COMPLEMENTARY
              else range(0, total + 1) for i in hidden]
    seen = {i: set() for i in hidden}
    for combo in itertools.product(*ranges):
        if sum(combo) == total:
            for i, v in zip(hidden, combo):
                seen[i].add(v)
    return any(len(seen[i]) < 2 and values[i] in SMALL for i in hidden)


@settings(max_examples=200, deadline=None, database=None)
@example(values=[1, 4, 4])
@example(values=[3, 3, 9, 20])
@given(st.lists(st.integers(0, 9), min_size=1, max_size=6))
def test_no_small_count_can_be_worked_out_from_a_shown_total(values):
    status = _protect_column(values)
    assert all(status[i] in (PRIMARY, WITHHELD) for i, v in enumerate(values) if v in SMALL)
    assert all(status[i] != COMPLEMENTARY or values[i] >= 4 for i in range(len(values)))
    if sum(values) >= 4:  # a total that is itself shown (a small one is hidden wherever it appears)
        assert not _brute_force_pinned(values, status)


@settings(max_examples=150, deadline=None, database=None)
@example(values=[-1, 9])
@example(values=[-2, -2, 12])
@given(st.lists(st.integers(-6, 9), min_size=1, max_size=6))
def test_net_negative_counts_are_hidden_like_small_ones(values):
    """Net counts (records less later corrections) can be below 0: one from -1 to -3 is hidden (PRIMARY, or
    withheld with its breakdown) wherever a count from 1 to 3 would be, and a table of them never shows one."""
    status = _protect_column(values)
    assert all(status[i] in (PRIMARY, WITHHELD) for i, v in enumerate(values) if v in NET_SMALL), (values, status)
    table = pd.DataFrame({"area_id": [str(i) for i in range(len(values))], "incidents": values})
    assert not small_in_frame(privacy.mask_small(table, "incidents", RULES)), values


def _areas(rows, level="district"):
    frame = pd.DataFrame(rows, columns=["area_id", "district_id", "incidents", "incidents_prior_year", "population"])
    frame["area_name"] = frame["area_id"]
    frame["change"] = frame["incidents"] - frame["incidents_prior_year"]
    frame["pct_change"] = metrics.pct_change(frame["incidents"], frame["incidents_prior_year"]).round(1)
    chance_alone = noise.Dispersion(phi=1.0, df=float("inf"), pairs=10, basis=noise.OWN)  # as if measured so
    frame["noise_z"] = np.round(noise.noise_z(frame["incidents"], frame["incidents_prior_year"], chance_alone), 2)
    frame["noise"] = frame["noise_z"].map(metrics.noise_label)
    frame["rate_per_1000"] = metrics.rate_per_1000(frame["incidents"], frame["population"]).round(2)
    frame["engagement_events"] = 2
    frame["officer_hours"] = 3.0
    return frame


def test_area_tables_hide_small_counts_what_is_made_from_them_and_one_more():
    districts = _areas([("1", "1", 2, 10, 5000), ("2", "2", 9, 8, 5000), ("3", "3", 30, 31, 5000)])
    hoods = _areas([("A", "1", 2, 4, 2500), ("B", "1", 0, 6, 2500), ("C", "2", 9, 8, 5000), ("D", "3", 30, 31, 5000)])
    out = privacy.protect_area_tables(districts, hoods, RULES)
    d = out.districts.set_index("area_id")
    assert pd.isna(d.loc["1", "incidents"]) and d.loc["1", "incidents_note"] == "fewer than 4"
    # The citywide total (41) is shown: the next smallest district count (9) goes with it.
    assert pd.isna(d.loc["2", "incidents"]) and d.loc["2", "incidents_note"] == RULES.complementary_label
    assert d.loc["3", "incidents"] == 30 and d.loc["3", "incidents_note"] == ""
    for column in ("change", "pct_change", "noise_z", "rate_per_1000"):
        assert pd.isna(d.loc["1", column]) and pd.isna(d.loc["2", column]), column
    assert (d.loc[["1", "2"], "noise"] == privacy.NOT_SHOWN_READING).all() and d.loc["3", "noise"] == (
        "within normal variation")  # the reading of a hidden count is not shown either
    assert d.loc["3", "change"] == -1 and d.loc["1", "incidents_prior_year"] == 10  # what is not small stays
    assert out.city == {"incidents": None, "incidents_prior_year": None}
    n = out.neighborhoods.set_index("area_id")
    # Neighborhood A (2) is small; C is hidden so that its district's hidden 9 is not given away by it.
    assert n.loc["A", "incidents_note"] == "fewer than 4" and n.loc["B", "incidents"] == 0
    assert pd.isna(n.loc["C", "incidents"])
    # Nothing small, nothing hidden; notes empty.
    plain = privacy.protect_area_tables(districts.assign(incidents=[20, 9, 30]),
                                        hoods.assign(incidents=[20, 0, 9, 30]), RULES)
    assert plain.districts["incidents"].tolist() == [20, 9, 30]
    assert set(plain.districts["incidents_note"]) == {""}


def _with_corrections(frame: pd.DataFrame, corrected: list[int]) -> pd.DataFrame:
    out = frame.copy()
    out["corrected"] = corrected
    out["after_corrections"] = out["incidents"] - out["corrected"]
    out["corrected_prior_year"] = 0
    out["after_corrections_prior_year"] = out["incidents_prior_year"]
    return out


def _knows(value: int, kind: str | None, shown, m: int = 4) -> bool:
    """Whether ``value`` fits what a reader sees of a cell: its number, or the words of its note."""
    if kind is None:
        return value == shown
    if kind == PRIMARY:
        return 1 <= value < m
    if kind == COMPLEMENTARY:
        return value >= m
    return value >= 0


def _cells(row, columns=("incidents", "corrected", "after_corrections")):
    kinds = privacy.status_of(row, RULES)
    return [(kinds.get(c), None if pd.isna(row[c]) else int(row[c])) for c in columns]


def _corrections_leaks(incidents: list[int], corrected: list[int], out: privacy.ProtectedAreas) -> list:
    """Exhaustively: every (incidents, corrected, after corrections) of each district and of the city that fits
    what a reader sees (shown numbers, notes, incidents = corrected + after in every row, the districts adding
    up to the city in each column); the hidden small counts that can only have one value."""
    m = RULES.min_count
    cap = sum(incidents) + m
    rows = [_cells(r) for _i, r in out.districts.iterrows()]
    city_kinds = [out.city.get(c) for c in ("incidents", "corrected", "after_corrections")]
    city_shown = [out.city_values.get(c) for c in ("incidents", "corrected", "after_corrections")]
    options = []
    for cells in rows:
        fits = []
        for i in range(cap + 1):
            if not _knows(i, *cells[0], m):
                continue
            for c in range(i + 1):
                if _knows(c, *cells[1], m) and _knows(i - c, *cells[2], m):
                    fits.append((i, c, i - c))
        options.append(fits)
    seen: dict = {}
    for combo in itertools.product(*options):
        sums = [sum(x[j] for x in combo) for j in range(3)]
        if all(_knows(s, k, v, m) for s, k, v in zip(sums, city_kinds, city_shown)):
            for k, x in enumerate(combo):
                for j in range(3):
                    seen.setdefault((k, j), set()).add(x[j])
            for j in range(3):
                seen.setdefault(("city", j), set()).add(sums[j])
    truth = {(k, j): v for k, (i, c) in enumerate(zip(incidents, corrected)) for j, v in enumerate((i, c, i - c))}
    city = (sum(incidents), sum(corrected), sum(incidents) - sum(corrected))
    truth.update({("city", j): v for j, v in enumerate(city)})
    kinds = {(k, j): cells[j][0] for k, cells in enumerate(rows) for j in range(3)}
    kinds.update({("city", j): city_kinds[j] for j in range(3)})
    return [(cell, truth[cell]) for cell, kind in kinds.items()
            if kind is not None and truth[cell] in SMALL and len(seen.get(cell, ())) < 2]


def test_corrections_are_counts_protected_with_the_count_they_split():
    districts = _with_corrections(_areas([("1", "1", 20, 10, 5000), ("2", "2", 30, 31, 5000), ("3", "3", 9, 9, 5000)]),
                                  [2, 0, 9])
    out = privacy.protect_area_tables(districts, None, RULES)
    d = out.districts.set_index("area_id")
    # District 1: 20 counted, 2 later corrected: the 2 is hidden, and so is the 18 after (20 - 18 would give it);
    # then, so that neither column's citywide total (11 corrected, 48 after) gives them away, the others too
    # (a row of 0 corrected cannot hide its "after" alone: the count would give it away).
    assert d.loc["1", "incidents"] == 20
    assert pd.isna(d.loc["1", "corrected"]) and pd.isna(d.loc["1", "after_corrections"])
    assert d.loc["1", "corrected_note"] == RULES.withheld_label and d.loc["1", "after_corrections_note"]
    assert d["corrected"].isna().all() and d["after_corrections"].isna().all()
    assert out.city["corrected"] is None and out.city_values["corrected"] == 11  # the citywide figures are shown
    # The counts and the reading of a change are not touched by a hidden correction.
    assert not privacy.hidden(out.districts, "incidents").any() and d.loc["1", "change"] == 10
    assert not _corrections_leaks([20, 30, 9], [2, 0, 9], out)
    totals = metrics.CityTotals(59, 50, 18.0, 1.2, "within normal variation", 5, 4, 10.0, 9.0, 61.0, 60.0, 12, 80,
                                corrected=11, after_corrections=48)
    shown = privacy.protect_city_totals(totals, out, RULES, min_respondents=30)
    assert shown.incidents == 59 and shown.corrected == 11 and not shown.corrected_note
    assert metrics.correction_sentence(shown.incidents, shown.corrected, shown.after_corrections) == (
        "official count 59; after 11 later corrections, 48")
    # A small citywide figure is withheld, and the sentence says so without a number.
    small = _with_corrections(_areas([("1", "1", 20, 10, 5000), ("2", "2", 30, 31, 5000)]), [2, 0])
    out = privacy.protect_area_tables(small, None, RULES)
    assert out.city["corrected"] == WITHHELD and not _corrections_leaks([20, 30], [2, 0], out)
    shown = privacy.protect_city_totals(dataclasses.replace(totals, corrected=2, after_corrections=57), out, RULES, 30)
    assert shown.corrected is None and shown.after_corrections is None
    assert metrics.correction_sentence(shown.incidents, shown.corrected, shown.after_corrections, shown.incidents_note,
                                       shown.corrected_note, shown.after_corrections_note) == (
        "official count 59; the count after later corrections is not shown in this public view (withheld to "
        "protect a small count)")


@settings(max_examples=60, deadline=None, database=None)
@example(pairs=[(20, 2), (5, 1)])
@example(pairs=[(5, 1), (9, 0)])
@example(pairs=[(4, 3), (30, 1)])
@example(pairs=[(12, 11), (30, 0)])
@given(st.lists(st.integers(0, 12).flatmap(lambda i: st.tuples(st.just(i), st.integers(0, i))), min_size=2,
                max_size=2))
def test_no_small_correction_or_count_after_corrections_can_be_worked_out(pairs):
    """For random districts (incidents, of which later corrected), nothing a reader sees pins a hidden small
    count of corrections or of incidents after corrections (or of incidents) to one value."""
    incidents, corrected = [i for i, _c in pairs], [c for _i, c in pairs]
    districts = _with_corrections(_areas([(str(k + 1), str(k + 1), i, 5, 5000) for k, i in enumerate(incidents)]),
                                  corrected)
    out = privacy.protect_area_tables(districts, None, RULES)
    for _i, row in out.districts.iterrows():
        for col in ("corrected", "after_corrections"):
            assert pd.isna(row[col]) or int(row[col]) not in SMALL, (col, row.to_dict())
    assert not _corrections_leaks(incidents, corrected, out), (incidents, corrected)


def test_city_totals_follow_the_area_decision_and_hide_small_surveys():
    districts = _areas([("1", "1", 1, 0, 5000), ("2", "2", 2, 0, 5000)])
    out = privacy.protect_area_tables(districts, None, RULES)
    assert out.city["incidents"] == PRIMARY  # the city's 3 is itself small
    totals = metrics.CityTotals(3, 0, None, 3.46, "significant change", 5, 4, 10.0, 9.0, 61.0, 60.0, 12, 80)
    shown = privacy.protect_city_totals(totals, out, RULES, min_respondents=30)
    assert shown.incidents is None and shown.incidents_note == "fewer than 4"
    assert shown.noise_z is None and shown.noise == privacy.NOT_SHOWN_READING
    assert shown.trust is None and shown.trust_prior_year == 60.0  # 12 respondents: hidden
    assert shown.engagement_events == 5  # police activity is not suppressed


def test_offense_mix_shares_and_order_in_public():
    mix = pd.DataFrame({"offense_group": ["a", "b", "c"], "label": ["A", "B", "C"], "category": "violent",
                        "incidents": [20, 6, 2], "incidents_prior_year": [18, 7, 0]})
    mix["change"] = mix["incidents"] - mix["incidents_prior_year"]
    mix["pct_change"] = metrics.pct_change(mix["incidents"], mix["incidents_prior_year"])
    mix["noise_z"] = noise.noise_z(mix["incidents"], mix["incidents_prior_year"])
    mix["noise"] = mix["noise_z"].map(metrics.noise_label)
    mix["share_pct"] = mix["incidents"] / 28 * 100
    out = privacy.protect_offense_mix(mix, RULES, {"incidents": None, "incidents_prior_year": None})
    assert out["label"].tolist() == ["A", "B", "C"]
    hidden = out.set_index("label")
    assert hidden.loc["C", "incidents_note"] == "fewer than 4" and pd.isna(hidden.loc["C", "share_pct"])
    assert pd.isna(hidden.loc["B", "incidents"])  # the district total (28) is shown: one more goes
    assert hidden.loc["C", "noise"] == privacy.NOT_SHOWN_READING
    # A hidden district total: no share at all (a share would give the total away).
    out = privacy.protect_offense_mix(mix, RULES, {"incidents": COMPLEMENTARY, "incidents_prior_year": None})
    assert out["share_pct"].isna().all()


def test_monthly_grid_is_one_decision_per_month():
    months = pd.date_range("2025-01-01", periods=24, freq="MS").date

    def series(values, prior):
        return pd.DataFrame({"month": months, "last_day": [pd.Timestamp(m) + pd.offsets.MonthEnd(0) for m in months],
                             "partial": False, "incidents": pd.array(values, dtype="Int64"),
                             "prior_month": [pd.Timestamp(m) - pd.DateOffset(years=1) for m in months],
                             "prior_last_day": [pd.Timestamp(m) - pd.DateOffset(years=1) + pd.offsets.MonthEnd(0)
                                                for m in months],
                             "incidents_prior_year": pd.array(prior, dtype="Int64")})
    a = [10] * 24
    a[20] = 2
    b = [7] * 24
    city = [x + y for x, y in zip(a, b)]
    out = privacy.protect_monthly({"1": series(a, [10] * 12 + a[:12]), "2": series(b, [7] * 12 + b[:12]),
                                   None: series(city, [17] * 12 + city[:12])}, RULES)
    one, two = out["1"], out["2"]
    assert one.loc[20, "incidents_note"] == "fewer than 4"
    assert two.loc[20, "incidents_note"] == RULES.complementary_label  # the month adds up to the city
    assert privacy.hidden(one.tail(12), "incidents").sum() >= 2  # the last 12 months add up to the KPI
    assert privacy.window_hidden(one) and district.series_takeaway(one).endswith("not shown")
    # A month that is both a month of the chart and the year-earlier value of a later month: one fate.
    for area in out.values():
        for i in range(12):
            assert privacy.hidden(area, "incidents")[i] == privacy.hidden(area, "incidents_prior_year")[i + 12]


def test_windows_seasonal_and_funnel():
    windows = pd.DataFrame({"window": ["28 days", "12 months"], "start": [dt.date(2026, 10, 4), dt.date(2025, 11, 1)],
                            "end": [dt.date(2026, 10, 31)] * 2, "current": [2, 40], "prior": [5, 41],
                            "change": [-3, -1], "pct_change": [-60.0, -2.4], "noise": ["x", "y"]})
    out = privacy.protect_windows(windows, RULES, {"incidents": COMPLEMENTARY, "incidents_prior_year": None},
                                  metrics.Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31)))
    assert out["current"].isna().tolist() == [True, True]  # small; and the period's own (hidden) city total
    assert out["prior"].tolist() == [5, 41] and out["noise"].tolist() == [privacy.NOT_SHOWN_READING] * 2
    seasonal = pd.DataFrame({"month": [1, 2], "month_name": ["January", "February"], "average": [0.5, 3.0],
                             "lowest": [0, 2], "highest": [1, 4], "years": [4, 4]})
    out = privacy.protect_seasonal(seasonal, RULES)
    assert "lowest" not in out and "highest" not in out
    assert pd.isna(out.loc[0, "average"]) and out.loc[0, "average_note"] == "fewer than 4"  # 0.5 x 4 = 2
    assert out.loc[1, "average"] == 3.0
    districts = _areas([("1", "1", 2, 10, 5000), ("2", "2", 9, 8, 5000), ("3", "3", 30, 31, 5000)])
    placed, _ = evaluation.funnel(districts)
    shown = privacy.protect_funnel(placed, privacy.protect_area_tables(districts, None, RULES).districts, RULES)
    assert shown.set_index("area_id")["rate_per_1000"].isna().tolist() == [True, True, False]
    assert shown.set_index("area_id")["position"].isna().tolist()[:2] == [True, True]
    with_unassigned = _areas([("1", "1", 20, 10, 5000), ("unassigned", None, 2, 0, None)])
    protected = privacy.protect_area_tables(with_unassigned, None, RULES).districts
    assert privacy.protect_funnel(evaluation.funnel(with_unassigned)[0], protected, RULES) is None


def test_describe_says_the_rules():
    lines = privacy.describe(RULES, 30)
    assert any("fewer than 4" in line for line in lines) and any("30 respondents" in line for line in lines)
    assert any("point" in line and "engagement activities" in line for line in lines)


# --- the property, on the demo warehouse ------------------------------------------------------------

COUNT_NAMES = {"incidents", "incidents_prior_year", "current", "prior", "Incidents", "A year earlier",
               "Incidents, last year", "Incidents, year before", *privacy.CORRECTION_COUNT_COLUMNS}
HOVER_LEAK = re.compile(r"(?<![\d.,])[1-3] (?:incidents|incidentes)|(?:Incidents|Incidentes)(?:</b>)?\s*[=:]\s*"
                        r"[1-3](?![\d.,])|(?:earlier|antes)\s*[=:]\s*[1-3](?![\d.,])|"
                        r"(?<![\d.,])[1-3] (?:a year earlier|un año antes)")  # in English or Spanish


def small_in_frame(frame: pd.DataFrame, names=COUNT_NAMES) -> list:
    """(column, value) of every count from 1 to 3 in the frame's count columns."""
    out = []
    for column in frame.columns:
        if str(column) in names:
            values = pd.to_numeric(pd.Series(frame[column]), errors="coerce")
            out += [(column, int(v)) for v in values.dropna() if float(v).is_integer() and int(v) in NET_SMALL]
    return out


def _decode(value):
    """plotly's JSON keeps numeric arrays as base64 ("bdata"): decode them."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape(tuple(int(n) for n in str(value["shape"]).split(",")))
        return array.tolist()
    return value


def _point(value, i):
    value = _decode(value)
    if isinstance(value, list):
        return value[i] if i < len(value) else None
    return value


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def rendered_hovers(trace: dict) -> list[str]:
    """Each point's hover as a reader would read it (a small hovertemplate renderer)."""
    template = trace.get("hovertemplate")
    if not isinstance(template, str):
        return []
    n = max((len(_decode(trace[k])) for k in ("x", "y", "z", "locations", "customdata", "lon")
             if isinstance(_decode(trace.get(k)), list)), default=1)
    out = []
    for i in range(n):
        def sub(match):
            name = match.group(1)
            custom = re.fullmatch(r"customdata\[(\d+)\]", name)
            if custom:
                row = _point(trace.get("customdata"), i)
                value = row[int(custom.group(1))] if isinstance(row, list) else row
            elif name == "customdata":
                value = _point(trace.get("customdata"), i)
            elif name in ("x", "y", "z", "text", "location", "hovertext"):
                value = _point(trace.get("locations" if name == "location" else name), i)
            else:
                value = ""
            spec = match.group(3) if match.group(2) == ":" else None
            if spec and isinstance(value, (int, float)) and not isinstance(value, bool):
                with contextlib.suppress(ValueError):
                    return format(value, spec)  # d3's ",", ",.1f", "+.1f" read as Python's
            return _show(value)
        out.append(re.sub(r"%\{([^}:|]+)(?:([:|])([^}]*))?\}", sub, template))
    return out


def _in_both_languages(*texts: str) -> set[str]:
    try:
        i18n.set_language("es")
        return {*texts, *(i18n._(t) for t in texts)}
    finally:
        i18n.set_language("en")


COUNT_TRACES = _in_both_languages("Incidents", "Same month a year earlier", "Selected period", "Same days a year earlier")


def chart_leaks(spec: dict) -> list[str]:
    """Small counts in a plotly figure's data: in the hover a reader sees, on count bars, and in the
    values of the count lines (incidents per month, offense groups)."""
    leaks = []
    for trace in spec.get("data", []):
        for hover in rendered_hovers(trace):
            if HOVER_LEAK.search(hover.replace("<br>", " ")):
                leaks.append(hover)
        if trace.get("type") == "bar" and trace.get("name") in COUNT_TRACES:
            texts = _decode(trace.get("text")) or []
            leaks += [f"bar text {t}" for t in (texts if isinstance(texts, list) else [texts]) if str(t) in {"1", "2", "3"}]
        if trace.get("name") in COUNT_TRACES:
            axis = "x" if trace.get("orientation") == "h" else "y"
            values = _decode(trace.get(axis)) or []
            leaks += [f"{trace['name']} {axis}={v}" for v in values
                      if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and v in NET_SMALL]
    return leaks


def map_leaks(chart) -> list[str]:
    """Small counts in a Vega-Lite area map (the Overview's, ``figures.overview.choropleth``, or the Map page's,
    ``figures.maps.layer_map``; an Altair chart or ``tests.charts.vega_charts``' dict): in any area's tooltip as
    a reader sees it, and (``vega_leaks``) in every field of every area, point and label sent to the browser."""
    from tests import overview_charts

    spec = overview_charts.spec_of(chart)
    said = [overview_charts.tooltip(spec, a) for a in overview_charts.ids(spec)]
    return [text for text in said if HOVER_LEAK.search(text.replace("\n", " "))] + vega_leaks(chart)


def is_area_map(chart) -> bool:
    """A Vega-Lite chart that draws areas (a layer named "areas": the Overview's map, the Map page's)."""
    spec = chart["spec"] if isinstance(chart, dict) else chart.to_dict()
    return any(layer.get("name") == "areas" for layer in spec.get("layer", []))


# A number made from counts, as a map's tooltip writes one: a rate ("12.3", "0.0 per 1,000", "95% interval") or
# a change ("+25.0%"). Counts, residents and thresholds ("fewer than 300 residents") are whole numbers.
DERIVED_NUMBER = re.compile(r"\d\.\d|\d%")


def hidden_area_leaks(chart) -> list[str]:
    """What an area map (``is_area_map``) says of an area from a count it hides, in the current language.

    An area whose shaded value is made from a hidden count (the incidents, for a rate; either count, for a change
    or the engagement × change class) is drawn "hidden" (white, a heavy outline: not the grey of "no value") with
    no value, and every tooltip line but its name, its two counts and its residents says "not shown: a small count
    (public view)"; and no area, of any kind or layer, gives a rate or a change made from a hidden count (a rate
    from its hidden incidents; a change from either count hidden)."""
    from community_policing.figures import maps
    from community_policing.figures.style import metric_label
    from tests import overview_charts

    _ = i18n._
    spec = overview_charts.spec_of(chart)
    field = overview_charts.value_field(spec)
    titles = overview_charts.tooltip_titles(spec)
    f_incidents, f_prior, f_change = _("Incidents"), _("A year earlier"), _("Change")
    kept = {_("Area"), f_incidents, f_prior, _("Residents (denominator)")}  # what a hidden area still says
    # Lines made from no incident count: the area's counts and residents, engagement and trust figures.
    not_from_counts = kept | {_("Engagement activities"), _("Officer hours"), _("Trust score"),
                              _("Activities per 1,000 residents per year")}
    from_incidents = [t for t in titles if t not in not_from_counts]  # the rates and the change (and any caution)
    if field in {maps.value_name("rate", base) for base in (1000, 100_000)}:
        value_from = {f_incidents}
    elif field in {maps.value_name("change"), maps.value_name("bivariate"), metric_label("pct_change")}:
        value_from = {f_incidents, f_prior}
    else:  # engagement, trust: made of no incident count
        value_from = set()
    hidden_words = {RULES.label, RULES.complementary_label, RULES.withheld_label}
    hidden_why = _(maps.HIDDEN_WHY)
    found = []
    for area in overview_charts.areas(spec):
        where = f"{area['id']} ({area['kind']})"
        for title in (f_incidents, f_prior):
            text = str(area.get(title, ""))
            if text not in hidden_words and not re.fullmatch(r"[\d,.]+|" + re.escape(_("no data")), text):
                found.append(f"{where} {title}: {text!r} is neither a count nor a hidden count's words")
        hidden = {title for title in (f_incidents, f_prior) if area.get(title) in hidden_words}
        if hidden & value_from and area["kind"] != "hidden":
            found.append(f"{where}: its value is made from a hidden count ({', '.join(sorted(hidden))}), "
                         f"but it is drawn {area['kind']!r}")
        if (hidden & value_from or area["kind"] == "hidden") and area.get(field) is not None:
            found.append(f"{where}: shaded by {area.get(field)!r}, made from a hidden count")
        if area["kind"] == "hidden":
            found += [f"{where} {title}: {area.get(title)!r}" for title in titles
                      if title not in kept and area.get(title) != hidden_why]
        lines = from_incidents if f_incidents in hidden else [f_change] if hidden and f_change in titles else []
        found += [f"{where} {title}: {area.get(title)!r}, made from a hidden count" for title in lines
                  if DERIVED_NUMBER.search(str(area.get(title, "")))]
    return found


def _inline_rows(node) -> list[dict]:
    """Every row written into a Vega-Lite spec itself (``data.values`` of any layer, a map's features), their
    nested ``properties`` opened: what a geoshape's tooltips read."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "values" and isinstance(value, list):
                for row in value:
                    if isinstance(row, dict):
                        flat = {k: v for k, v in row.items() if not isinstance(v, dict)}
                        flat.update(row.get("properties") or {})
                        found.append(flat)
            else:
                found += _inline_rows(value)
    elif isinstance(node, list):
        for value in node:
            found += _inline_rows(value)
    return found


def vega_leaks(chart) -> list[str]:
    """Small counts in a Vega-Lite chart (an Altair chart, or ``tests.charts.vega_charts``' dict): every field of
    every row it sends to the browser (what "Show data" and its tooltips show: the datasets Streamlit sends
    beside the spec and the rows written into it), each read as "name: value" (a whole number as such: 2.0
    reads "2")."""
    spec = chart["spec"] if isinstance(chart, dict) else chart.to_dict()
    frames = list(chart["data"].values()) if isinstance(chart, dict) else []
    frames += [pd.DataFrame(v) for v in spec.get("datasets", {}).values()]
    rows = [row for frame in frames for row in frame.to_dict("records")] + _inline_rows(spec)
    said = [f"{k}: {int(v) if isinstance(v, float) and v.is_integer() else v}" for row in rows for k, v in row.items()]
    return [text for text in said if HOVER_LEAK.search(text.replace("\n", " "))]


@pytest.fixture(scope="module")
def demo(demo_db):
    with Store(demo_db) as store:
        info = metrics.dataset_info(store)
        choices = [value for value, _ in metrics.offense_choices(store)]
        ids = list(district.districts(store)["district_id"].astype(str))
        yield store, info, choices, ids


@st.composite
def filters(draw, first: dt.date, last: dt.date, choices: list[str], ids: list[str]):
    """Random filters: a period inside the data (a day to over a year; short ones often, where small
    counts live), an offense group or category (rape and homicide often), a date basis, a level and
    a district."""
    days = draw(st.one_of(st.integers(1, 10), st.integers(11, 95), st.integers(96, 420)))
    start = draw(st.dates(first, last - dt.timedelta(days=days - 1)))
    offense = draw(st.one_of(st.sampled_from(["rape", "homicide", "arson"]), st.sampled_from(choices)))
    return dict(start=start, end=start + dt.timedelta(days=days - 1), offense=offense,
                basis=draw(st.sampled_from(metrics.DATE_BASES)), level=draw(st.sampled_from(metrics.LEVELS)),
                district=draw(st.sampled_from(ids)))


SMALL_CASE = dict(start=dt.date(2026, 9, 1), end=dt.date(2026, 10, 31), offense="rape", basis="occurred",
                  level="neighborhood", district="2")
HOMICIDE_YEAR = dict(start=dt.date(2025, 11, 1), end=dt.date(2026, 10, 31), offense="homicide", basis="reported",
                     level="district", district="5")
# All offenses over two months: many areas have 1 to 3 incidents later corrected.
CORRECTIONS_CASE = dict(start=dt.date(2026, 9, 1), end=dt.date(2026, 10, 31), offense="all", basis="occurred",
                        level="neighborhood", district="3")


def test_the_example_filters_have_small_corrections_in_staff_mode(demo):
    store = demo[0]
    case = CORRECTIONS_CASE
    for level in metrics.LEVELS:
        raw = metrics.area_comparison(store, case["start"], case["end"], level, case["offense"], case["basis"])
        assert [c for c, _v in small_in_frame(raw) if c == "corrected"], level


def _check_corrections(table: pd.DataFrame, where) -> None:
    """Corrections figures of a protected table: none small, and never two of (incidents, corrected, after
    corrections) shown beside a hidden third (it would be their difference)."""
    assert not [c for c, _v in small_in_frame(table) if c in privacy.CORRECTION_COUNT_COLUMNS], where
    for total, *parts in privacy.CORRECTION_SETS:
        if any(p not in table.columns for p in parts):
            continue
        cols = [total, *parts]
        shown = pd.DataFrame({c: table[c].notna() & ~privacy.hidden(table, c) for c in cols})
        hidden = pd.DataFrame({c: privacy.hidden(table, c) for c in cols})
        leak = (shown.sum(axis=1) == 2) & hidden.any(axis=1)
        assert not leak.any(), (where, table.loc[leak, cols].to_dict("records"))
        both = shown[total] & shown[parts[0]]
        difference = table.loc[both, total].astype(int) - table.loc[both, parts[0]].astype(int)
        assert not difference.isin(SMALL).any(), where


def test_the_example_filters_have_small_counts_in_staff_mode(demo):
    """Else the property below would prove nothing: staff see counts from 1 to 3 for these filters."""
    store = demo[0]
    for case in (SMALL_CASE, HOMICIDE_YEAR):
        raw = metrics.area_comparison(store, case["start"], case["end"], case["level"], case["offense"], case["basis"])
        assert small_in_frame(raw), case
        series = district.monthly_series(store, case["district"], case["end"], case["offense"], case["basis"])
        assert small_in_frame(series), case


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_checks_find_small_counts_in_staff_output(demo, lang):
    """The checks used below would catch a small count: on staff (unsuppressed) output they do, in both
    languages (the figures' hovers and trace names are worded in the current language)."""
    i18n.set_language(lang)
    try:
        _checks_find_small_counts(demo)
    finally:
        i18n.set_language("en")


def _checks_find_small_counts(demo):
    from community_policing.data import geo
    from community_policing.figures import district as district_figures, maps, overview as overview_figures
    from community_policing.views import map_layers
    from tests import overview_charts

    store = demo[0]
    case = SMALL_CASE
    raw = metrics.area_comparison(store, case["start"], case["end"], "district", case["offense"], case["basis"])
    assert small_in_frame(raw)
    features = geo.area_features(store, "district")
    assert map_leaks(overview_figures.choropleth(raw, features, "rate_per_1000", "t"))
    series = district.monthly_series(store, case["district"], case["end"], case["offense"], case["basis"])
    assert vega_leaks(district_figures.monthly_incidents(series, "t"))
    mix = district.offense_mix(store, case["district"], case["start"], case["end"], "violent", case["basis"])
    assert small_in_frame(mix) and vega_leaks(district_figures.offense_mix(mix, "t"))
    # ... and the same figures from the suppressed tables are clean.
    protected = metrics.area_comparison(store, case["start"], case["end"], "district", case["offense"], case["basis"],
                                        rules=RULES)
    assert not map_leaks(overview_figures.choropleth(protected, features, "rate_per_1000", "t"))
    assert not hidden_area_leaks(overview_figures.choropleth(protected, features, "pct_change", "t"))
    # The Map page's layers (figures.maps.layer_map): the same checks find the staff map's small counts, not the
    # public one's, where the areas whose value a small count would give away are drawn hidden and say nothing.
    period = metrics.Period(case["start"], case["end"])
    for layer in ("rate", "change", "bivariate"):
        staff = map_layers.layer_data(store, layer, "district", period, case["offense"], case["basis"])
        assert map_leaks(maps.layer_map(staff.table, features, layer, "t")), layer
        public = map_layers.layer_data(store, layer, "district", period, case["offense"], case["basis"], rules=RULES)
        chart = maps.layer_map(public.table, features, layer, "t")
        assert not map_leaks(chart) and not hidden_area_leaks(chart), (layer, hidden_area_leaks(chart)[:3])
        assert overview_charts.ids(chart, "hidden"), layer
        # ... and ``hidden_area_leaks`` would see a change made from a hidden count, had one been drawn.
        if layer == "change":
            shown = public.table.assign(pct_change=public.table["pct_change"].where(
                ~privacy.hidden(public.table, "incidents_prior_year"), 50.0))
            assert hidden_area_leaks(maps.layer_map(shown, features, layer, "t"))


def _cli(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert cli.main(list(args)) == 0, err.getvalue()
    return out.getvalue()


def _check_library(store: Store, db: Path, f: dict, info: metrics.DatasetInfo) -> int:
    """Every library output of public mode for these filters; returns how many small counts staff see."""
    start, end, offense, basis, level, did = f["start"], f["end"], f["offense"], f["basis"], f["level"], f["district"]
    raw = {lv: metrics.area_comparison(store, start, end, lv, offense, basis) for lv in metrics.LEVELS}
    protected = metrics.protected_areas(store, start, end, offense, basis, RULES)
    staff_small = sum(len(small_in_frame(t)) for t in raw.values())
    for lv in metrics.LEVELS:
        table = protected.table(lv)
        assert not small_in_frame(table), (lv, small_in_frame(table))
        hidden = privacy.hidden(table, "incidents") | privacy.hidden(table, "incidents_prior_year")
        assert table.loc[hidden, ["change", "pct_change", "noise_z"]].isna().all().all()
        assert (table.loc[hidden, "noise"] == privacy.NOT_SHOWN_READING).all()
        assert table.loc[privacy.hidden(table, "incidents"), "rate_per_1000"].isna().all()
        shown = ~hidden
        assert (table.loc[shown, "incidents"].astype(int) == raw[lv].loc[shown, "incidents"]).all()
        # Every small count is hidden, with the words "fewer than 4" (or, where a whole breakdown had to
        # be withheld, "withheld to protect a small count").
        small = raw[lv]["incidents"].isin(SMALL)
        assert table.loc[small, "incidents_note"].isin([RULES.label, RULES.withheld_label]).all()
        _check_corrections(table, lv)
    # Citywide, KPIs of the district, its neighborhoods, its offense groups, its months, its seasons.
    totals = privacy.protect_city_totals(metrics.city_totals(store, raw["district"], start, end, offense, basis),
                                         protected, RULES, metrics.MIN_RESPONDENTS)
    assert totals.incidents not in SMALL and totals.incidents_prior_year not in SMALL
    assert totals.corrected not in SMALL and totals.after_corrections not in SMALL
    if totals.incidents is not None and totals.corrected is not None:
        assert totals.after_corrections is not None  # else it would be their difference
    kpis = district.district_kpis(store, did, start, end, offense, basis, districts_table=protected.districts)
    assert kpis.incidents not in SMALL and kpis.incidents_prior_year not in SMALL
    assert kpis.corrected not in SMALL and kpis.after_corrections not in SMALL
    assert not re.search(r"(?<![\d.,])[1-3](?![\d.,])", kpis.correction_sentence()), kpis.correction_sentence()
    ranking = district.neighborhoods_ranked(store, did, start, end, offense, basis, rules=RULES,
                                            neighborhoods_table=protected.neighborhoods,
                                            districts_table=protected.districts)
    assert not small_in_frame(ranking.table)
    assert ranking.district_incidents not in SMALL
    mix = district.offense_mix(store, did, start, end, offense, basis, rules=RULES)
    assert not small_in_frame(mix)
    series = district.monthly_series(store, did, end, offense, basis, coverage=info, rules=RULES)
    assert not small_in_frame(series)
    seasonal = district.seasonal_pattern(store, did, offense, basis, coverage=info, rules=RULES)
    assert "lowest" not in seasonal.table
    staff_small += len(small_in_frame(district.monthly_series(store, did, end, offense, basis, coverage=info)))
    windows = privacy.protect_windows(evaluation.window_comparisons(store, end, offense, basis), RULES,
                                      protected.city, metrics.Period(start, end))
    assert not small_in_frame(windows)
    # The command line: CSV and JSON, the same numbers as the library.
    args = ["districts", "--db", str(db), "--start", str(start), "--end", str(end), "--level", level,
            "--offense-group", offense, "--date-basis", basis, "--mode", "public"]
    csv_out = pd.read_csv(io.StringIO(_cli(*args)), dtype={"area_id": str})
    json_out = pd.DataFrame(json.loads(_cli(*args, "--format", "json")))
    for printed in (csv_out, json_out):
        assert not small_in_frame(printed)
        _check_corrections(printed.assign(after_corrections=printed["incidents"] - printed["corrected"]), "cli")
        assert list(printed["incidents_note"].astype(object).fillna("")) == list(protected.table(level)["incidents_note"])
    return staff_small


@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(data=st.data())
def test_public_library_tables_and_cli_never_show_a_small_count(demo, demo_db, data):
    store, info, choices, ids = demo
    f = data.draw(filters(info.first_day, info.last_day, choices, ids))
    _check_library(store, demo_db, f, info)


def test_public_library_property_on_filters_with_small_counts(demo, demo_db):
    """The property on filters where staff see small counts (so it is not vacuous), and the one path:
    ``area_comparison(rules=...)`` is the protected table."""
    store, info = demo[0], demo[1]
    for case in (SMALL_CASE, HOMICIDE_YEAR, CORRECTIONS_CASE):
        assert _check_library(store, demo_db, case, info) > 0
        for level in metrics.LEVELS:
            pd.testing.assert_frame_equal(
                metrics.area_comparison(store, case["start"], case["end"], level, case["offense"], case["basis"],
                                        rules=RULES),
                metrics.protected_areas(store, case["start"], case["end"], case["offense"], case["basis"],
                                        RULES).table(level))


def test_compare_tables_in_public(demo):
    store = demo[0]
    case = SMALL_CASE
    ids = ["3", "5"]
    table = metrics.area_comparison(store, case["start"], case["end"], "district", case["offense"], rules=RULES)
    kpis = compare.kpi_table(store, ids, case["start"], case["end"], case["offense"], districts_table=table)
    monthly = compare.monthly_table(store, ids, case["end"], case["offense"], rules=RULES)
    mix = compare.offense_mix_table(store, ids, case["start"], case["end"], "violent", rules=RULES)
    for frame in (kpis, monthly, mix):
        assert not small_in_frame(frame)
    assert "incidents_note" in kpis and compare.monthly_takeaway(monthly)


# --- briefings --------------------------------------------------------------------------------------


@pytest.fixture
def no_programs(monkeypatch):
    """Program estimates are model outputs (relative effects, not counts) and slow: left out here."""
    monkeypatch.setattr(briefing, "_program_table", lambda store, request: (
        pd.DataFrame(columns=["Program", "Outcome", "Estimate", "95% interval", "Checks"]), "not estimated here"))


def _check_briefing(content: briefing.Briefing) -> None:
    row = content.kpis.iloc[0]
    assert row["this_period"] not in {"1", "2", "3"} and row["a_year_earlier"] not in {"1", "2", "3"}
    corrections = content.kpis[content.kpis["measure"] == "Incidents after later corrections"]
    for _i, r in corrections.iterrows():  # the reconciled figure, and the sentence that gives its parts
        assert r["this_period"] not in {"1", "2", "3"}
        assert not re.search(r"(?<![\d.,])[1-3](?![\d.,])", r["reading"]), r["reading"]
    assert content.kpi_values["incidents"] not in SMALL and content.kpi_values["incidents_prior_year"] not in SMALL
    incidents = content.takeaways[0]  # the incident sentence; the others are engagement, trust, programs
    assert not HOVER_LEAK.search(incidents) and not re.search(r"(?<![\d.,])[1-3] (?:incidents )?vs", incidents), incidents
    for sentence in content.takeaways:
        assert not re.search(r"(?<![\d.,])[1-3] incidents", sentence), sentence
    for name, figure in content.figures.items():
        spec = json.loads(figure.to_json())
        assert not chart_leaks(spec), (name, chart_leaks(spec))
        title = json.dumps(spec["layout"].get("title", {}))
        assert not re.search(r"(?<![\d.,])[1-3] in the", title), title
    assert any("Public briefing" in n for n in content.notes)


@settings(max_examples=8, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_public_briefings_never_show_a_small_count(demo, no_programs, data):
    store, info, choices, ids = demo
    f = data.draw(filters(info.first_day, info.last_day, choices, ids))
    place = data.draw(st.sampled_from([None, f["district"]]))
    content = briefing.build_briefing(store, briefing.BriefingRequest(f["start"], f["end"], place, f["offense"],
                                                                      f["basis"], rules=RULES))
    _check_briefing(content)


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="kaleido needs the system Chromium")
def test_public_pdf_briefing_with_small_counts(demo, no_programs, tmp_path):
    import shutil
    import subprocess

    store = demo[0]
    case = SMALL_CASE
    raw = metrics.area_comparison(store, case["start"], case["end"], "district", case["offense"], case["basis"])
    assert raw.set_index("area_id").loc[case["district"], "incidents"] in SMALL  # staff see a small count
    content = briefing.build_briefing(store, briefing.BriefingRequest(case["start"], case["end"], case["district"],
                                                                      case["offense"], case["basis"], rules=RULES))
    _check_briefing(content)
    assert content.kpi_values["incidents"] is None and content.kpis.iloc[0]["this_period"] == "fewer than 4"
    assert content.file_stem().endswith("_public_simulated")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = tmp_path / "public.pdf"
    pdf.write_bytes(briefing.briefing_pdf(content))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "fewer than 4" in text and "Public briefing" in text
    kpi_line = next(line for line in text.splitlines() if "Incidents (Rape)" in line)
    assert not re.search(r"(?<![\d.,])[1-3](?![\d.,%])", kpi_line.split("Incidents (Rape)")[1]), kpi_line


def test_cli_briefing_mode_public(demo_db, tmp_path, monkeypatch):
    """--mode public reaches the briefing (checked without drawing: the request carries the rules)."""
    made = {}

    def fake_build(store, request, progress=None):
        made["request"] = request
        raise ValueError("stop here")

    monkeypatch.setattr(briefing, "build_briefing", fake_build)
    base = ["briefing", "--db", str(demo_db), "--start", "2026-10-01", "--end", "2026-10-31",
            "--out", str(tmp_path / "b.pdf")]
    assert cli.main([*base, "--mode", "public"]) == 2 and made["request"].rules == RULES
    monkeypatch.delenv("COMMON_GROUND_MODE", raising=False)
    assert cli.main(base) == 2 and made["request"].rules is None
    monkeypatch.setenv("COMMON_GROUND_MODE", "public")
    assert cli.main(base) == 2 and made["request"].rules == RULES
    assert cli.main([*base, "--mode", "staff"]) == 2 and made["request"].rules is None


def test_cli_districts_staff_mode_is_unchanged(demo_db, monkeypatch):
    monkeypatch.delenv("COMMON_GROUND_MODE", raising=False)
    case = SMALL_CASE
    args = ["districts", "--db", str(demo_db), "--start", str(case["start"]), "--end", str(case["end"]),
            "--offense-group", case["offense"]]
    staff = pd.read_csv(io.StringIO(_cli(*args)), dtype={"area_id": str})
    assert list(staff.columns) == metrics.CLI_COLUMNS and small_in_frame(staff)
    monkeypatch.setenv("COMMON_GROUND_MODE", "public")
    public = pd.read_csv(io.StringIO(_cli(*args)), dtype={"area_id": str})
    assert "incidents_note" in public and not small_in_frame(public)


# --- pages in public mode (AppTest) ------------------------------------------------------------------

APP = str(ROOT / "dashboard.py")


@pytest.fixture
def downloads(monkeypatch):
    """Every file a page hands to a download button in this test (name -> bytes)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict = {}
    real = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes) and filename:
            files[filename] = path_or_data
        return real(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return files


def _public_app(demo_db, monkeypatch, lang: str = "en"):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    monkeypatch.setenv("COMMON_GROUND_MODE", "public")
    i18n.set_language(lang)  # AppTest re-applies format_func in the test's thread: speak the page's language there
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.session_state[display.TABLES_OPEN_STATE] = True  # every "Show the numbers" open: each table and file checked
    at.run()
    assert not at.exception, at.exception
    return at


def _set_filters(at, f: dict) -> None:
    at.selectbox(key="period_preset").set_value("Custom range").run()
    at.date_input(key="period_custom").set_value((f["start"], f["end"]))
    at.selectbox(key="offense_group").set_value(f["offense"])
    at.radio(key="date_basis").set_value(f["basis"])
    at.run()
    assert not at.exception, at.exception


def _check_page(at, downloads: dict, where: str) -> None:
    assert not at.exception, (where, at.exception)
    for frame in at.dataframe:
        assert not small_in_frame(frame.value), (where, frame.key, small_in_frame(frame.value))
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        assert not chart_leaks(spec), (where, chart_leaks(spec)[:3])
    for chart in vega_charts(at):  # Vega-Lite charts: every row sent to the browser, read as "name: value"
        assert not vega_leaks(chart), (where, vega_leaks(chart)[:3])
        if is_area_map(chart):  # a map (Overview, Map page): its tooltips as read, and its hidden areas
            assert not map_leaks(chart), (where, map_leaks(chart)[:3])
            assert not hidden_area_leaks(chart), (where, hidden_area_leaks(chart)[:3])
    for metric in at.metric:
        if metric.label in ("Incidents", "Incidentes"):
            assert metric.value not in {"1", "2", "3"}, (where, metric.value)
    for name, data in downloads.items():
        if name.endswith(".csv"):
            frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
            assert not small_in_frame(frame), (where, name, small_in_frame(frame))
    text = " ".join(str(getattr(el, "value", "")) for el in [*at.markdown, *at.caption, *at.title])
    assert not re.search(r"(?<![\d.,])[1-3] (?:incidents|incidentes)", text), where


def _run_pages(at, downloads, f: dict, levels=("district", "neighborhood")) -> None:
    _set_filters(at, f)
    _check_page(at, downloads, "overview")
    if any(r.key == "map_level" for r in at.radio):  # no map when there is nothing to map
        for level in levels:
            at.radio(key="map_level").set_value(level).run()
            for metric in ("rate_per_1000", "pct_change"):
                at.radio(key="map_metric").set_value(metric).run()
                _check_page(at, downloads, f"overview {level} {metric}")
    at.switch_page(str(ROOT / "pages" / "district.py")).run()
    _set_filters(at, f)
    at.selectbox(key="district").set_value(f["district"]).run()
    _check_page(at, downloads, "district")


@settings(max_examples=3, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
@example(data=None)
def test_public_pages_never_show_a_small_count(demo, demo_db, monkeypatch, downloads, data):
    store, info, choices, ids = demo
    f = SMALL_CASE if data is None else data.draw(filters(info.first_day, info.last_day, choices, ids))
    downloads.clear()
    at = _public_app(demo_db, monkeypatch)
    _run_pages(at, downloads, f, levels=("district", "neighborhood") if data is None else (f["level"],))
    if data is None:  # the example with small counts: the page says they are hidden, and downloads carry notes
        assert any("fewer than 4" in str(frame.value.to_numpy().tolist()) for frame in at.dataframe)
        assert any(name.endswith(".csv") for name in downloads)


def test_public_pages_in_spanish_hide_the_same_small_counts(demo, demo_db, monkeypatch, downloads):
    try:
        at = _public_app(demo_db, monkeypatch, "es")
        _run_pages(at, downloads, SMALL_CASE)
        shown = " ".join(str(frame.value.to_numpy().tolist()) for frame in at.dataframe)
        assert "menos de 4" in shown and "fewer than" not in shown
        assert any(name.endswith(".csv") for name in downloads)
    finally:
        i18n.set_language("en")


def _map_page_chart(at) -> dict:
    """The Map page's map (``figures.maps.layer_map``) of an AppTest run, as ``vega_charts`` gives it."""
    return next(c for c in vega_charts(at) if "map_page_chart" in c["key"])


def _mark(layer: dict) -> str:
    mark = layer.get("mark", {})
    return mark.get("type") if isinstance(mark, dict) else mark


def test_public_map_and_compare_pages(demo_db, monkeypatch, downloads):
    from community_policing.figures import maps
    from community_policing.figures.style import NO_VALUE_GREY, SUPPRESSED_FILL, SUPPRESSED_LINE
    from tests import overview_charts

    at = _public_app(demo_db, monkeypatch)
    at.switch_page(str(ROOT / "pages" / "map.py")).run()
    _set_filters(at, SMALL_CASE)
    for level in metrics.LEVELS:
        at.radio(key="map_level_page").set_value(level).run()
        for layer in ("rate", "change", "bivariate", "engagement"):
            at.radio(key="map_layer").set_value(layer).run()
            # The Vega-Lite map went through the map checks (map_leaks, hidden_area_leaks) of _check_page.
            assert is_area_map(_map_page_chart(at)), (level, layer)
            _check_page(at, downloads, f"map {level} {layer}")
    at.radio(key="map_layer").set_value("rate").run()
    chart = _map_page_chart(at)
    hidden = overview_charts.ids(chart, "hidden")  # styled apart from "no value"
    said = [overview_charts.tooltip(chart, area) for area in hidden]
    assert hidden and all(maps.HIDDEN_WHY in text for text in said)
    assert any(f"Incidents: {RULES.label}" in text for text in said)
    assert all(value is None for area, value in overview_charts.values(chart).items() if area in hidden)
    encoding = overview_charts.areas_layer(chart)["encoding"]
    assert {"test": "datum.kind === 'hidden'", "value": SUPPRESSED_FILL} in encoding["color"]["condition"]
    assert SUPPRESSED_FILL != NO_VALUE_GREY  # white with a heavy dark outline, not the grey of "no value"
    assert {"test": "datum.kind === 'hidden'", "value": SUPPRESSED_LINE["color"]} in encoding["stroke"]["condition"]
    hidden_width = {"test": "datum.kind === 'hidden'", "value": SUPPRESSED_LINE["width"]}
    assert hidden_width in encoding["strokeWidth"]["condition"]
    # No incident points, sensitive or not: the only points are engagement activities (the map's other marks are
    # its areas, its context lines and the district numbers, placed at each area's middle).
    at.checkbox(key="show_events").check().run()
    _check_page(at, downloads, "map with points")
    chart = _map_page_chart(at)
    layers = chart["spec"]["layer"]
    points = [layer for layer in layers if _mark(layer) not in ("geoshape", "text")]
    assert [layer.get("name") for layer in points] == ["events"] and _mark(points[0]) == "circle"
    activities = {point["Activity"] for point in points[0]["data"]["values"]}
    assert activities and activities <= set(district.ENGAGEMENT_LABELS.values())
    for layer in layers:
        if _mark(layer) == "text":
            assert {str(p["id"]) for p in layer["data"]["values"]} <= set(overview_charts.ids(chart))
    at.switch_page(str(ROOT / "pages" / "compare.py")).run()
    _set_filters(at, HOMICIDE_YEAR)
    _check_page(at, downloads, "compare")
    at.switch_page(str(ROOT / "pages" / "engagement.py")).run()
    _check_page(at, downloads, "engagement")


def test_the_methodology_page_documents_privacy_in_public_mode(demo_db, monkeypatch):
    at = _public_app(demo_db, monkeypatch)
    at.switch_page(str(ROOT / "pages" / "methodology.py")).run()
    assert not at.exception
    assert "Privacy in public mode" in [h.value for h in at.header]
    text = " ".join(m.value for m in at.markdown)
    for words in ("You are looking at the public view", "fewer than 4", "COMMON_GROUND_MIN_COUNT",
                  "COMMON_GROUND_MIN_RESPONDENTS", "COMMON_GROUND_MODE", "Complementary suppression",
                  "Sensitive offenses", "engagement activities only", "--mode public"):
        assert words in text, words


def test_no_survey_score_from_too_few_respondents_in_public(demo_db, monkeypatch, demo):
    store = demo[0]
    table = metrics.trust_by_district(store, "trust", dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    few = table["respondents"] < metrics.MIN_RESPONDENTS
    assert few.any()  # the demo city has small samples, so this checks something
    assert table.loc[few, ["score", "margin_of_error"]].isna().all().all()
    at = _public_app(demo_db, monkeypatch)
    at.switch_page(str(ROOT / "pages" / "trust.py")).run()
    assert not at.exception
    for frame in at.dataframe:
        shown = frame.value
        if {"score", "respondents"} <= set(shown.columns):
            assert shown.loc[shown["respondents"] < metrics.MIN_RESPONDENTS, "score"].isna().all()
