"""Tests of the simulated demo city (community_policing.data.demo).

Each city is generated once per module (about half a second each): the clean city (the original) and
the hard one (real-world noise). Both are named explicitly, so changing ``demo.DEFAULT_REALISM``
changes nothing here. Structural tests run on both; a second run checks determinism, and
short-range runs cover other seeds and effect scales.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

from community_policing.data.demo import (
    DEMO_CITY_NAME,
    PROGRAMS,
    PROGRAMS_HARD,
    REALISM_LEVELS,
    count_dispersion,
    generate_demo_city,
)

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "community_policing" / "data" / "schema.yaml"
SEED = 2026
EXPECTED_TABLES = {
    "districts", "neighborhoods", "offense_groups", "incidents", "incident_offenses", "engagement_events",
    "engagement_attendance", "district_demographics", "training", "trust_surveys", "programs", "demo_truth",
    "metadata", "neighborhood_organizations", "series_breaks", "map_context",
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))["tables"]


@pytest.fixture(scope="module")
def city() -> dict[str, pd.DataFrame]:
    """The clean city (the original Poisson city)."""
    return generate_demo_city(seed=SEED, realism="clean")


@pytest.fixture(scope="module")
def hard_city() -> dict[str, pd.DataFrame]:
    return generate_demo_city(seed=SEED, realism="hard")


@pytest.fixture(params=REALISM_LEVELS)
def any_city(request) -> dict[str, pd.DataFrame]:
    """Each city in turn, for what both must satisfy."""
    return request.getfixturevalue("city" if request.param == "clean" else "hard_city")


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Geometry as WKB so frames can be compared with assert_frame_equal."""
    out = frame.copy()
    if "geometry" in out.columns:
        out["geometry"] = [shapely.to_wkb(g) for g in out["geometry"]]
    return out


def _net_by_year(incidents: pd.DataFrame) -> pd.Series:
    return incidents.groupby(incidents["occurred_at"].dt.year)["count"].sum()


# ----------------------------------------------------------------------------- structure


def test_returns_exactly_the_non_derived_tables(any_city, schema):
    city = any_city
    assert set(city) == EXPECTED_TABLES
    assert EXPECTED_TABLES == {name for name, spec in schema.items() if not spec.get("derived") and not spec.get("bookkeeping")}


def test_columns_match_schema_in_order(any_city, schema):
    city = any_city
    for name, frame in city.items():
        assert list(frame.columns) == list(schema[name]["columns"]), name


def test_required_allowed_and_ranges(any_city, schema):
    city = any_city
    for name, frame in city.items():
        for col, spec in schema[name]["columns"].items():
            values = frame[col]
            if spec.get("required"):
                assert values.notna().all(), f"{name}.{col} has missing values"
            present = values.dropna()
            if "allowed" in spec:
                assert set(present) <= set(spec["allowed"]), f"{name}.{col}: {set(present) - set(spec['allowed'])}"
            if "min" in spec:
                assert (present >= spec["min"]).all(), f"{name}.{col} below min"
            if "max" in spec:
                assert (present <= spec["max"]).all(), f"{name}.{col} above max"


def test_primary_keys_unique(any_city, schema):
    city = any_city
    for name, frame in city.items():
        key = schema[name].get("primary_key") or []
        if key:
            assert not frame.duplicated(subset=key).any(), name


def test_references_resolve(any_city):
    city = any_city
    district_ids = set(city["districts"]["id"])
    nbhd_ids = set(city["neighborhoods"]["id"])
    groups = set(city["offense_groups"]["offense_group"])
    inc = city["incidents"]
    assert set(inc["district_id"].dropna()) <= district_ids
    assert set(inc["neighborhood_id"].dropna()) <= nbhd_ids
    assert set(inc["offense_group"]) == groups
    for table in ("engagement_events", "training", "trust_surveys", "programs"):
        assert set(city[table]["district_id"].dropna()) <= district_ids, table
    assert set(city["engagement_events"]["neighborhood_id"].dropna()) <= nbhd_ids
    assert set(city["neighborhood_organizations"]["neighborhood_id"].dropna()) <= nbhd_ids


def test_ids_are_strings(any_city):
    city = any_city
    assert all(isinstance(v, str) for v in city["districts"]["id"])
    assert all(isinstance(v, str) for v in city["neighborhoods"]["id"])
    assert all(isinstance(v, str) for v in city["incidents"]["id"])


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_output(city):
    again = generate_demo_city(seed=SEED, realism="clean")
    for name in EXPECTED_TABLES:
        pd.testing.assert_frame_equal(_comparable(city[name]), _comparable(again[name]), obj=name)


def test_different_seed_different_incidents():
    window = {"start": date(2023, 1, 1), "end": date(2023, 6, 30)}
    first = generate_demo_city(seed=1, **window)["incidents"]
    second = generate_demo_city(seed=2, **window)["incidents"]
    assert len(first) != len(second) or not first["occurred_at"].equals(second["occurred_at"])


# ----------------------------------------------------------------------------- geography


def test_counts_of_areas(city):
    assert len(city["districts"]) == 9
    assert len(city["neighborhoods"]) == 40
    assert list(city["districts"]["id"]) == [str(i) for i in range(1, 10)]
    per_district = city["neighborhoods"].groupby("district_id").size()
    assert sorted(per_district.tolist()) == [4] * 5 + [5] * 4


def test_geometry_valid_polygons_in_lonlat(city):
    for table in ("districts", "neighborhoods"):
        for geom in city[table]["geometry"]:
            assert geom.geom_type == "Polygon" and geom.is_valid and not geom.is_empty
            minx, miny, maxx, maxy = geom.bounds
            # Fictional city in central Missouri.
            assert -93.0 < minx < maxx < -92.0 and 38.3 < miny < maxy < 38.9


def test_neighborhoods_nest_in_and_tile_their_district(city):
    nbhd = city["neighborhoods"]
    for _, district in city["districts"].iterrows():
        parts = nbhd.loc[nbhd["district_id"] == district["id"], "geometry"].tolist()
        outer = district["geometry"].buffer(1e-9)
        assert all(outer.contains(p) for p in parts), district["id"]
        union = shapely.union_all(parts)
        assert abs(union.area - district["geometry"].area) / district["geometry"].area < 1e-6
        assert abs(sum(p.area for p in parts) - district["geometry"].area) / district["geometry"].area < 1e-6


def test_populations(city):
    nbhd, districts = city["neighborhoods"], city["districts"]
    small = nbhd[nbhd["population"] < 300]
    assert len(small) == 1
    assert 0 < small["population"].iloc[0]
    residential = nbhd.loc[nbhd["population"] >= 300, "population"]
    assert residential.between(2_000, 15_000).all()
    assert 250_000 <= nbhd["population"].sum() <= 320_000
    sums = nbhd.groupby("district_id")["population"].sum()
    assert (districts.set_index("id")["population"] == sums).all()
    assert (districts["population_year"] == 2020).all()
    ratio = districts["sworn_officers"] / districts["population"] * 1000
    assert ratio.between(1.7, 1.9).all()


# ----------------------------------------------------------------------------- incidents


def test_incidents_span_and_yearly_totals(any_city):
    city = any_city
    inc = city["incidents"]
    first, last = inc["occurred_at"].min(), inc["occurred_at"].max()
    assert first >= pd.Timestamp("2020-01-01") and last < pd.Timestamp("2026-11-01")
    assert (last - first).days >= 5 * 365
    yearly = _net_by_year(inc)
    assert list(yearly.index) == list(range(2020, 2027))
    assert yearly.between(10_000, 40_000).all(), yearly.to_dict()


def test_offense_mix_is_realistic(any_city):
    city = any_city
    share = city["incidents"]["offense_group"].value_counts(normalize=True)
    assert share.idxmax() == "larceny"
    assert 0.25 < share["larceny"] < 0.35
    assert share["homicide"] < 0.005


def test_summer_higher_than_winter(any_city):
    city = any_city
    inc = city["incidents"]
    monthly = inc.groupby([inc["occurred_at"].dt.year, inc["occurred_at"].dt.month])["count"].sum()
    by_month = monthly.groupby(level=1).mean()
    assert by_month[[6, 7, 8]].mean() > 1.08 * by_month[[12, 1, 2]].mean()


def test_reported_never_before_occurred(any_city):
    city = any_city
    inc = city["incidents"]
    assert (inc["reported_at"] >= inc["occurred_at"]).all()
    # Most reports come within three days, some weeks later.
    delay = inc["reported_at"] - inc["occurred_at"]
    assert (delay <= pd.Timedelta(days=3)).mean() > 0.8
    assert (delay > pd.Timedelta(days=14)).any()
    assert inc["reported_at"].max() < pd.Timestamp("2026-11-01")


def test_corrections_match_their_original(any_city):
    city = any_city
    inc = city["incidents"]
    corrections = inc[inc["count"] == -1]
    assert 0.005 < len(corrections) / len(inc) < 0.015
    assert corrections["id"].str.endswith("-C").all()
    originals = inc.set_index("id").loc[corrections["id"].str[:-2]]
    same = ["occurred_at", "offense_code", "offense_group", "district_id", "neighborhood_id"]
    for col in same:
        left = corrections[col].reset_index(drop=True)
        right = originals[col].reset_index(drop=True)
        assert ((left == right) | (left.isna() & right.isna())).all(), col
    assert (corrections["reported_at"].to_numpy() > originals["reported_at"].to_numpy()).all()
    assert (originals["count"] == 1).all()


def test_unplaced_and_not_geocoded(any_city):
    city = any_city
    inc = city["incidents"]
    unplaced = inc["district_id"].isna()
    assert 0.003 < unplaced.mean() < 0.012
    assert inc.loc[unplaced, ["neighborhood_id", "lon", "lat"]].isna().all().all()
    assert inc["neighborhood_id"].isna().equals(unplaced)
    not_geocoded = inc["lon"].isna() & ~unplaced
    assert 0.02 < not_geocoded.mean() < 0.04
    assert inc["lon"].isna().equals(inc["lat"].isna())


def test_incident_points_inside_their_neighborhood(any_city):
    city = any_city
    inc = city["incidents"].dropna(subset=["lon"]).sample(500, random_state=0)
    shapes = city["neighborhoods"].set_index("id")["geometry"]
    districts = city["neighborhoods"].set_index("id")["district_id"]
    for row in inc.itertuples():
        assert shapely.contains_xy(shapes[row.neighborhood_id], row.lon, row.lat), row.id
        assert districts[row.neighborhood_id] == row.district_id


def test_offense_codes_are_consistent(any_city):
    city = any_city
    inc = city["incidents"]
    assert inc["offense_code"].str.fullmatch(r"\d{5}").all()
    # A code belongs to one group and has one description.
    assert (inc.groupby("offense_code")["offense_group"].nunique() == 1).all()
    assert (inc.groupby("offense_code")["offense_description"].nunique() == 1).all()


def test_park_has_few_but_some_incidents(any_city):
    city = any_city
    park = city["neighborhoods"].loc[city["neighborhoods"]["population"] < 300, "id"].iloc[0]
    per_year = (city["incidents"]["neighborhood_id"] == park).sum() / 6.8
    assert 5 < per_year < 80


# ----------------------------------------------------------------------------- programs


def test_programs_and_truth(city):
    programs, truth = city["programs"], city["demo_truth"]
    assert 2 <= programs["name"].nunique() <= 3
    # No district is treated by two programs.
    assert not programs["district_id"].duplicated().any()
    assert programs["end_date"].isna().all()
    for name in programs["name"].unique():
        outcomes = set(truth.loc[truth["program"] == name, "outcome"])
        assert outcomes == {"incidents", "trust"}, name
    for p in PROGRAMS:
        start = pd.Timestamp(p.start)
        assert start >= pd.Timestamp("2022-01-01") and start <= pd.Timestamp("2025-10-31")
        row = truth[(truth["program"] == p.name) & (truth["outcome"] == "incidents")]
        assert row["relative_effect"].iloc[0] == pytest.approx(p.incident_effect)


def test_effect_scale_zero_gives_zero_truth():
    zero = generate_demo_city(seed=SEED, effect_scale=0.0, start=date(2023, 1, 1), end=date(2023, 12, 31))
    effects = zero["demo_truth"]["relative_effect"].to_numpy()
    assert (effects == 0.0).all()
    assert not np.signbit(effects).any()  # no -0.0
    meta = dict(zip(zero["metadata"]["key"], zero["metadata"]["value"]))
    assert meta["data_start"] == "2023-01-01" and meta["data_end"] == "2023-12-31"
    assert zero["incidents"]["occurred_at"].dt.year.eq(2023).all()


def test_foot_patrol_effect_visible(city):
    """Treated districts fall more, post vs pre, than never-treated districts (tolerant)."""
    inc = city["incidents"].dropna(subset=["district_id"])
    day = inc["occurred_at"]
    pre = (day >= "2021-04-01") & (day < "2023-04-01")
    post = (day >= "2023-04-01") & (day < "2025-04-01")
    treated_ids = set(city["programs"].loc[city["programs"]["name"] == "Foot Patrol Initiative", "district_id"])
    control_ids = set(city["districts"]["id"]) - set(city["programs"]["district_id"])

    def ratio(ids: set[str]) -> float:
        mine = inc["district_id"].isin(ids)
        return inc.loc[mine & post, "count"].sum() / inc.loc[mine & pre, "count"].sum()

    assert ratio(treated_ids) < ratio(control_ids) - 0.05


def test_trust_rises_where_programs_run(city):
    surveys = city["trust_surveys"]
    trust = surveys[surveys["measure"] == "trust"].copy()
    trust["post"] = pd.to_datetime(trust["period_start"]) >= pd.Timestamp("2024-01-01")
    means = trust.groupby(["district_id", "post"])["score"].mean().unstack()
    change = means[True] - means[False]
    treated = set(city["programs"]["district_id"])
    assert change[list(treated)].mean() > change[[d for d in change.index if d not in treated]].mean()


# ----------------------------------------------------------------------------- other tables


def test_trust_surveys(any_city):
    city = any_city
    s = city["trust_surveys"]
    months = pd.date_range("2020-01-01", "2026-10-01", freq="MS")
    assert len(s) == len(months) * 9 * 4
    start = pd.to_datetime(s["period_start"])
    end = pd.to_datetime(s["period_end"])
    assert (start.dt.day == 1).all()
    assert (end == start + pd.offsets.MonthEnd(0)).all()
    expected_moe = (1.96 * 25 / np.sqrt(s["respondents"])).round(1)
    assert np.allclose(s["margin_of_error"], expected_moe, atol=0.051)
    per_survey = s.drop_duplicates(["period_start", "district_id"])
    assert 0.02 < (per_survey["respondents"] < 30).mean() < 0.10
    assert per_survey["respondents"].median() > 50
    assert s["score"].between(0, 100).all()
    assert (s["score"].round(1) == s["score"]).all()


def test_engagement_events(any_city):
    city = any_city
    e = city["engagement_events"]
    dates = pd.to_datetime(e["date"])
    assert dates.min() >= pd.Timestamp("2020-01-01") and dates.max() <= pd.Timestamp("2026-10-31")
    per_year = e.groupby(dates.dt.year).size()
    assert per_year.between(300, 2_500).all()
    assert 0.85 < e["neighborhood_id"].notna().mean() < 0.95
    assert e["lon"].isna().equals(e["neighborhood_id"].isna())
    assert (e.loc[e["type"] == "foot_patrol", "cost"] == 0).all()
    # Neighborhood lies in the event's district, and the point in the neighborhood.
    nbhd = city["neighborhoods"].set_index("id")
    placed = e.dropna(subset=["neighborhood_id"]).head(300)
    assert (nbhd.loc[placed["neighborhood_id"], "district_id"].to_numpy() == placed["district_id"].to_numpy()).all()
    for row in placed.itertuples():
        assert shapely.contains_xy(nbhd.at[row.neighborhood_id, "geometry"], row.lon, row.lat)
    # Foot patrols rise in the foot-patrol districts once the program starts.
    fp = e[(e["type"] == "foot_patrol") & e["district_id"].isin(["2", "5"])]
    fp_dates = pd.to_datetime(fp["date"])
    before = (fp_dates < "2023-04-01").sum() / 39  # months 2020-01..2023-03
    after = (fp_dates >= "2023-04-01").sum() / 43  # months 2023-04..2026-10
    assert after > 2 * before


def test_training(any_city):
    city = any_city
    t = city["training"]
    dates = pd.to_datetime(t["date"])
    assert dates.min() >= pd.Timestamp("2020-01-01") and dates.max() <= pd.Timestamp("2026-10-31")
    academy = t["district_id"].isna()
    assert academy.any() and (t.loc[academy, "unit"] == "Academy").all()
    assert t.loc[~academy, "unit"].isna().all()
    assert t["officers"].between(5, 30).all()
    assert t["hours"].between(4, 40).all()
    assert set(t["district_id"].dropna()) == set(city["districts"]["id"])


@pytest.mark.parametrize("realism", REALISM_LEVELS)
def test_metadata(realism, request):
    city = request.getfixturevalue("city" if realism == "clean" else "hard_city")
    meta = dict(zip(city["metadata"]["key"], city["metadata"]["value"]))
    assert meta["city_name"] == DEMO_CITY_NAME == "Riverbend, Missouri"
    assert meta["is_simulated"] == "true"
    assert "Not real crime data" in meta["source"] and f"seed {SEED}" in meta["source"]
    assert meta["seed"] == str(SEED)
    assert meta["data_start"] == "2020-01-01" and meta["data_end"] == "2026-10-31"
    assert meta["generator_version"] == "1"
    assert meta["realism"] == realism
    assert ("realism hard" in meta["source"]) == (realism == "hard")
    assert all(isinstance(v, str) for v in city["metadata"]["value"])


def test_attendance_breakdowns_add_up_and_reference_real_events(any_city):
    city = any_city
    attendance, events = city["engagement_attendance"], city["engagement_events"].set_index("id")
    assert set(attendance["event_id"]) <= set(events.index)
    per_event = attendance.groupby(["event_id", "dimension"])["attendees"].sum().unstack()
    # Each recorded breakdown accounts for every attendee of that activity, in both dimensions.
    assert (per_event["race_ethnicity"] == events.loc[per_event.index, "attendees"]).all()
    assert (per_event["age"] == events.loc[per_event.index, "attendees"]).all()
    demographics = city["district_demographics"]
    assert set(demographics["district_id"]) == set(city["districts"]["id"])
    race = demographics[demographics["dimension"] == "race_ethnicity"].groupby("district_id")["residents"].sum()
    assert (race == city["districts"].set_index("id")["population"]).all()


# ----------------------------------------------------------------------------- realism: clean is the original


def _fingerprint(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """A short hash of every table's columns and cell values (geometry as WKB)."""
    out = {}
    for name in sorted(tables):
        frame = tables[name].copy()
        if "geometry" in frame.columns:
            frame["geometry"] = [shapely.to_wkb(g, hex=True) for g in frame["geometry"]]
        digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
        out[name] = digest.hexdigest()[:16]
    return out


# Taken from the generator before the "hard" city existed: the clean city must stay exactly that city.
# The metadata then had no "realism" row (now its last row).
_ORIGINAL_FINGERPRINTS = {
    "default": {
        "demo_truth": "c71bab39cfb5efbb", "district_demographics": "d24d9d0bafef87b3",
        "districts": "6afad0831dd56170", "engagement_attendance": "a28931d5a6b3d77c",
        "engagement_events": "7a307292758b8dc1", "incident_offenses": "242aa06dd9aba4cf",
        "incidents": "57a737ff6886e70e", "metadata": "e29079170702968d",
        "neighborhood_organizations": "ba362225ce2c04c0", "neighborhoods": "32fd9ad42170dfd7",
        "offense_groups": "26338a18b5329bb4", "programs": "f8d4641d3712c2d2", "series_breaks": "9b33ab980172dba5",
        "training": "775b1cc2c49d8e7f", "trust_surveys": "40a0ad675c2c4301",
    },
    "seed 7, 2023, effect scale 0.5": {
        "demo_truth": "f7fb574a1ceec83b", "district_demographics": "1204cf2bcfd3b8ca",
        "districts": "766e02be0e569650", "engagement_attendance": "b9c408b69abcb30e",
        "engagement_events": "c09a738fd490966e", "incident_offenses": "242aa06dd9aba4cf",
        "incidents": "4c6ea17637451ff1", "metadata": "b7f64c2fd93823b3",
        "neighborhood_organizations": "ad7a11a9e83a589b", "neighborhoods": "71669ce121a7b2be",
        "offense_groups": "26338a18b5329bb4", "programs": "f8d4641d3712c2d2", "series_breaks": "9b33ab980172dba5",
        "training": "35eeb37dc7c54db6", "trust_surveys": "a6e37197dc2468a7",
    },
}


@pytest.mark.parametrize("case", list(_ORIGINAL_FINGERPRINTS))
def test_clean_city_is_the_original_city(case, city):
    if case == "default":
        tables = dict(city)
    else:
        tables = generate_demo_city(seed=7, start=date(2023, 1, 1), end=date(2023, 12, 31), effect_scale=0.5,
                                    realism="clean")
    meta = tables["metadata"]
    assert meta["key"].iloc[-1] == "realism" and meta["value"].iloc[-1] == "clean"
    tables["metadata"] = meta.iloc[:-1]
    # The map's outline lines came later (issue 16), without random draws: every original table is unchanged.
    assert not tables.pop("map_context").empty
    assert _fingerprint(tables) == _ORIGINAL_FINGERPRINTS[case]


def test_unknown_realism_is_refused():
    with pytest.raises(ValueError, match="realism must be one of clean, hard"):
        generate_demo_city(seed=1, start=date(2023, 1, 1), end=date(2023, 1, 31), realism="messy")


# ----------------------------------------------------------------------------- realism: the hard city


def _area_months(incidents: pd.DataFrame, column: str) -> pd.DataFrame:
    placed = incidents.dropna(subset=[column])
    return pd.DataFrame({"area": placed[column], "period": placed["occurred_at"].dt.to_period("M"),
                         "count": placed["count"]})


def test_hard_city_counts_are_overdispersed_like_real_data():
    """Month counts vary about 3 times the Poisson variance around each district's trend (St. Louis: 3.7),
    neighborhoods about twice (St. Louis: 2.1); the clean city is Poisson. Three years, no program effects."""
    window = {"seed": 11, "effect_scale": 0.0, "start": date(2022, 1, 1), "end": date(2024, 12, 31)}
    hard = generate_demo_city(realism="hard", **window)["incidents"]
    clean = generate_demo_city(realism="clean", **window)["incidents"]
    assert 2.0 < count_dispersion(_area_months(hard, "district_id")) < 4.0
    assert 1.4 < count_dispersion(_area_months(hard, "neighborhood_id")) < 2.5
    assert 0.7 < count_dispersion(_area_months(clean, "district_id")) < 1.4
    assert 0.8 < count_dispersion(_area_months(clean, "neighborhood_id")) < 1.25


def test_count_dispersion_of_known_counts():
    """Poisson counts read about 1; gamma-Poisson counts with variance mu + 0.02 mu^2 (mu = 200) about 5."""
    rng = np.random.default_rng(3)
    areas, months = np.arange(12), np.arange(48)
    mu = 200.0 * np.exp(0.01 * months)[None, :] * np.linspace(0.5, 1.5, 12)[:, None]
    grid = pd.DataFrame({"area": np.repeat(areas, 48), "period": np.tile(months, 12)})
    poisson = grid.assign(count=rng.poisson(mu).ravel())
    mixed = grid.assign(count=rng.poisson(mu * rng.gamma(50.0, 1 / 50.0, mu.shape)).ravel())
    assert 0.85 < count_dispersion(poisson) < 1.15
    assert 3.0 < count_dispersion(mixed) < 7.0


def test_hard_programs_are_staggered_and_one_ended(hard_city, city):
    programs = hard_city["programs"].set_index(["name", "district_id"])
    assert set(programs.index) == set(city["programs"].set_index(["name", "district_id"]).index)
    starts = pd.to_datetime(programs["start_date"])
    assert starts[("Foot Patrol Initiative", "2")] == pd.Timestamp("2023-04-01")
    assert starts[("Foot Patrol Initiative", "5")] == pd.Timestamp("2024-04-01")  # a year later
    youth = programs.loc["Youth Outreach Partnership"]
    assert (pd.to_datetime(youth["end_date"]) == pd.Timestamp("2024-03-31")).all()
    others = programs.drop(index="Youth Outreach Partnership", level="name")
    assert others["end_date"].isna().all()
    # The same programs, effects and truth as the clean city.
    pd.testing.assert_frame_equal(hard_city["demo_truth"], city["demo_truth"])
    assert [p.name for p in PROGRAMS_HARD] == [p.name for p in PROGRAMS]


def _district_months(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    inc = tables["incidents"].dropna(subset=["district_id"])
    return inc.groupby(["district_id", inc["occurred_at"].dt.to_period("M")])["count"].sum().unstack(0)


def test_hard_truth_is_the_injected_effect_in_each_districts_own_months():
    """With the same seed, effect scale 3 over effect scale 0 is 1 + demo_truth while a program runs (in each
    district from its own start to the end date), and 1 before and after: staggered starts and the end are real.
    Incidents are compared within 4 Poisson standard errors (the two cities' counts are independent draws)."""
    kwargs = {"seed": 5, "realism": "hard", "start": date(2022, 1, 1), "end": date(2025, 12, 31)}
    on, off = generate_demo_city(effect_scale=3.0, **kwargs), generate_demo_city(effect_scale=0.0, **kwargs)
    truth = on["demo_truth"].set_index(["program", "outcome"])["relative_effect"]
    for p in PROGRAMS_HARD:
        assert truth[(p.name, "incidents")] == pytest.approx(3 * p.incident_effect)
        assert truth[(p.name, "trust")] == pytest.approx(3 * p.trust_effect)
    counts = {"on": _district_months(on), "off": _district_months(off)}
    scores = {name: t[t["measure"] == "trust"].assign(
        month=lambda f: pd.PeriodIndex(pd.to_datetime(f["period_start"]), freq="M")).pivot(
        index="month", columns="district_id", values="score") for name, t in (("on", on["trust_surveys"]),
                                                                               ("off", off["trust_surveys"]))}
    first, last = pd.Period("2022-01", "M"), pd.Period("2025-12", "M")

    def phases(program_rows) -> dict[str, list[tuple[str, pd.Period, pd.Period]]]:
        """(district, first month, last month) before, while and after the program runs in each district."""
        out = {"before": [], "running": [], "after": []}
        for r in program_rows.itertuples():
            begin = pd.Period(r.start_date, "M")
            stop = pd.Period(r.end_date, "M") if pd.notna(r.end_date) else last
            out["before"].append((r.district_id, first, begin - 1))
            out["running"].append((r.district_id, begin, stop))
            if stop < last:
                out["after"].append((r.district_id, stop + 1, last))
        return out

    def total(frame, cells) -> float:
        return sum(frame.loc[a:b, d].sum() for d, a, b in cells)

    for name, rows in on["programs"].groupby("name"):
        cells = phases(rows)
        for phase, expected in (("before", 1.0), ("running", 1 + truth[(name, "incidents")]), ("after", 1.0)):
            if not cells[phase]:
                continue
            n_on, n_off = total(counts["on"], cells[phase]), total(counts["off"], cells[phase])
            assert n_on / n_off == pytest.approx(expected, abs=4 * expected * np.sqrt(1 / n_on + 1 / n_off)), (
                name, phase)
        # The two hard cities share every survey answer (their own random stream): only the effect differs.
        for phase, expected in (("before", 1.0), ("running", 1 + truth[(name, "trust")]), ("after", 1.0)):
            if cells[phase]:
                ratio = total(scores["on"], cells[phase]) / total(scores["off"], cells[phase])
                assert ratio == pytest.approx(expected, abs=0.005), (name, phase)
    assert len(on["programs"]) == 5 and on["programs"]["end_date"].notna().sum() == 2
    # Engagement does not depend on the effect scale (the programs' activities happen either way).
    pd.testing.assert_frame_equal(on["engagement_events"], off["engagement_events"])


def test_hard_programs_follow_a_bad_spell(hard_city):
    """Each treated district's incidents rise before its own start (more than the untreated districts' do
    over the same months) and the rise is gone half a year to a year after it."""
    monthly = _district_months(hard_city)
    never = [d for d in monthly.columns if d not in set(hard_city["programs"]["district_id"])]
    rises, later = [], []
    for program in hard_city["programs"].itertuples():
        s = pd.Period(program.start_date, "M")
        def change(cols, recent, baseline):
            return monthly.loc[recent[0]:recent[1], cols].to_numpy().mean() / \
                monthly.loc[baseline[0]:baseline[1], cols].to_numpy().mean()
        spell, base = (s - 4, s - 1), (s - 16, s - 5)
        rises.append(change([program.district_id], spell, base) / change(never, spell, base))
        after = (s + 6, s + 11)  # the same calendar months a year after the spell's baseline months
        later.append(change([program.district_id], after, (s - 10, s - 5)) / change(never, after, (s - 10, s - 5)))
    assert np.mean(rises) > 1.04
    assert np.mean(rises) > np.mean(later) + 0.03


def test_hard_engagement_is_seasonal(hard_city, city):
    def summer_over_winter(tables, kind):
        e = tables["engagement_events"]
        month = pd.to_datetime(e.loc[e["type"] == kind, "date"]).dt.month
        return month.isin([6, 7, 8]).sum() / month.isin([12, 1, 2]).sum()

    assert summer_over_winter(hard_city, "neighborhood_event") > 2.0
    assert summer_over_winter(hard_city, "neighborhood_event") > summer_over_winter(hard_city, "community_meeting")
    assert 0.8 < summer_over_winter(city, "neighborhood_event") < 1.25


def test_hard_program_activities_follow_each_districts_dates(hard_city):
    """Foot patrols triple in District 5 only from its own (later) start; youth activities in the Youth
    Outreach districts fall back after the program ended."""
    e = hard_city["engagement_events"]
    month = pd.PeriodIndex(pd.to_datetime(e["date"]), freq="M")

    def per_month(kind, districts, first, last):
        rows = (e["type"] == kind) & e["district_id"].isin(districts) & (month >= first) & (month <= last)
        return rows.sum() / ((pd.Period(last, "M") - pd.Period(first, "M")).n + 1)

    # Whole years either side of District 5's start, so the season is the same.
    assert per_month("foot_patrol", ["5"], "2024-04", "2026-03") > 2 * per_month("foot_patrol", ["5"], "2022-04",
                                                                                  "2024-03")
    assert per_month("foot_patrol", ["2"], "2023-04", "2024-03") > 2 * per_month("foot_patrol", ["2"], "2022-04",
                                                                                  "2023-03")
    youth = ["3", "8"]
    running, ended = per_month("school_youth", youth, "2022-07", "2024-03"), per_month("school_youth", youth,
                                                                                        "2024-07", "2026-03")
    assert running > 2 * ended


def test_hard_city_is_deterministic():
    window = {"seed": 3, "start": date(2023, 1, 1), "end": date(2023, 6, 30), "realism": "hard"}
    first, again = generate_demo_city(**window), generate_demo_city(**window)
    for name in EXPECTED_TABLES:
        pd.testing.assert_frame_equal(_comparable(first[name]), _comparable(again[name]), obj=name)
