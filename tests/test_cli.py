"""`python -m community_policing districts` against an independent recount of the raw rows."""

import io
import json
import subprocess
import sys

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.stats import noise
from community_policing.views import metrics
from community_policing.data.store import DB_ENV_VAR, Store

START, END = "2025-01-01", "2025-12-31"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "community_policing", *args], capture_output=True, text=True)


def recount(incidents: pd.DataFrame, start: str, end: str, key: str, basis: str = "occurred_at",
            groups: set[str] | None = None) -> pd.Series:
    """Counted incidents per area (the count-1 records; corrections are their own figure) straight
    from the generated rows, without the store or SQL."""
    day = incidents[basis].dt.normalize()
    rows = incidents[(day >= start) & (day <= end) & (incidents["count"] == 1)]
    if groups is not None:
        rows = rows[rows["offense_group"].isin(groups)]
    return rows.groupby(rows[key].fillna(metrics.UNASSIGNED_ID))["count"].sum()


def shifted(day: str) -> str:
    return str((pd.Timestamp(day) - pd.DateOffset(years=1)).date())


@pytest.mark.parametrize("level,key", [("district", "district_id"), ("neighborhood", "neighborhood_id")])
def test_districts_csv_matches_an_independent_recount(demo_db, demo_tables, level, key):
    out = run_cli("districts", "--db", str(demo_db), "--start", START, "--end", END, "--level", level)
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(io.StringIO(out.stdout), dtype={"area_id": str})
    assert list(table.columns) == metrics.CLI_COLUMNS  # the table of the pages, with corrected and comparison
    assert {"noise", "noise_z", "dispersion", "noise_basis"} <= set(table.columns)
    incidents = demo_tables["incidents"]
    expected = recount(incidents, START, END, key)
    got = table.set_index("area_id")["incidents"]
    assert got[got != 0].sort_index().to_dict() == expected[expected != 0].sort_index().to_dict()
    prior = recount(incidents, shifted(START), shifted(END), key)
    assert table.set_index("area_id")["incidents_prior_year"].sum() == prior.sum()
    # Rows sum to the citywide total, the unplaced incidents included.
    day = incidents["occurred_at"].dt.normalize()
    citywide = incidents.loc[(day >= START) & (day <= END) & (incidents["count"] == 1), "count"].sum()
    assert table["incidents"].sum() == citywide
    assert metrics.UNASSIGNED_ID in set(table["area_id"])
    # Derived columns follow their definitions.
    sample = table[table["area_id"] != metrics.UNASSIGNED_ID].iloc[0]
    period = metrics.Period(pd.Timestamp(START).date(), pd.Timestamp(END).date())  # 365 days against 366 (2024)
    for _i, row in table.iterrows():
        # The reading is the words of its score; the score allows for at least chance (never beyond the plain
        # Poisson test of the same counts over the same days) and has the sign of the change in the daily rate.
        assert row["noise"] == metrics.noise_label(row["noise_z"])
        plain = noise.two_count_test(row["incidents"], row["incidents_prior_year"], current_days=period.days,
                                     prior_days=period.prior.days)[1]
        assert abs(row["noise_z"]) <= abs(plain) + 0.01 and np.sign(row["noise_z"]) in (0, np.sign(plain))
        assert row["dispersion"] >= 1 and row["noise_basis"] in (noise.OWN, noise.POOLED)
    if sample["population"] >= 300:
        assert sample["rate_per_1000"] == pytest.approx(sample["incidents"] / sample["population"] * 1000, abs=0.01)


def test_offense_category_and_reported_basis(demo_db, demo_tables):
    out = run_cli("districts", "--db", str(demo_db), "--start", START, "--end", END, "--offense-group", "violent",
                  "--date-basis", "reported", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = pd.DataFrame(json.loads(out.stdout))
    groups = demo_tables["offense_groups"]
    violent = set(groups.loc[groups["category"] == "violent", "offense_group"])
    expected = recount(demo_tables["incidents"], START, END, "district_id", basis="reported_at", groups=violent)
    assert rows.set_index("area_id")["incidents"].to_dict() == expected.to_dict()


def test_cli_and_library_give_the_same_numbers(demo_db):
    out = run_cli("districts", "--db", str(demo_db), "--start", START, "--end", END, "--format", "json")
    rows = pd.DataFrame(json.loads(out.stdout))
    with Store(demo_db) as s:
        lib = metrics.area_comparison(s, pd.Timestamp(START).date(), pd.Timestamp(END).date())
    assert list(rows["incidents"]) == list(lib["incidents"])
    assert list(rows["engagement_events"]) == list(lib["engagement_events"])


def test_engagement_columns_match_the_ledger(demo_db, demo_tables):
    out = run_cli("districts", "--db", str(demo_db), "--start", START, "--end", END)
    table = pd.read_csv(io.StringIO(out.stdout), dtype={"area_id": str}).set_index("area_id")
    events = demo_tables["engagement_events"]
    day = pd.to_datetime(events["date"])
    in_period = events[(day >= START) & (day <= END)]
    assert table["engagement_events"].drop(metrics.UNASSIGNED_ID).to_dict() == \
        in_period.groupby("district_id").size().to_dict()
    assert table.loc["1", "officer_hours"] == pytest.approx(
        in_period.loc[in_period["district_id"] == "1", "officer_hours"].sum(), abs=0.1)


@pytest.mark.parametrize("args,message", [
    (["--start", "2025-13-01", "--end", END], "expected a date as YYYY-MM-DD"),
    (["--start", END, "--end", START], "before its start"),
    (["--start", START, "--end", END, "--offense-group", "jaywalking"], "unknown offense group 'jaywalking'"),
])
def test_bad_input_gets_one_line_and_no_traceback(demo_db, args, message):
    out = run_cli("districts", "--db", str(demo_db), *args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_database(tmp_path):
    out = run_cli("districts", "--db", str(tmp_path / "none.duckdb"), "--start", START, "--end", END)
    assert out.returncode == 2
    assert "no warehouse at" in out.stderr and "Traceback" not in out.stderr


def test_demo_command_builds_a_database(tmp_path):
    db = tmp_path / "demo.duckdb"
    out = run_cli("demo", "--seed", "3", "--effect-scale", "0", "--db", str(db))
    assert out.returncode == 0, out.stderr
    with Store(db) as s:
        truth = s.query("demo_truth")
        meta = dict(s.query("metadata").itertuples(index=False, name=None))
    assert len(truth) >= 4 and (truth["relative_effect"] == 0).all()
    assert meta["is_simulated"] == "true" and "built_at" in meta


@pytest.mark.parametrize("realism", ["hard", "clean"])
def test_demo_command_builds_either_city_and_says_which(tmp_path, realism):
    db = tmp_path / "demo.duckdb"
    out = run_cli("demo", "--seed", "3", "--realism", realism, "--db", str(db))
    assert out.returncode == 0, out.stderr
    with Store(db) as s:
        meta = dict(s.query("metadata").itertuples(index=False, name=None))
        programs = s.query("programs")
    assert meta["realism"] == realism and meta["is_simulated"] == "true"
    # The hard city's programs start on different dates in their districts, and one of them has ended.
    staggered = programs.groupby("name")["start_date"].nunique().max() > 1
    assert staggered == (realism == "hard") and programs["end_date"].notna().any() == (realism == "hard")


def test_districts_output_is_the_same_in_every_language(demo_db):
    """--lang changes the words on stderr, never the machine-readable table (column names and values)."""
    args = ("districts", "--db", str(demo_db), "--start", START, "--end", END, "--format", "json")
    english, spanish = run_cli(*args), run_cli(*args, "--lang", "es")
    assert english.returncode == spanish.returncode == 0, spanish.stderr
    assert json.loads(spanish.stdout) == json.loads(english.stdout)
    csv_es = run_cli("districts", "--db", str(demo_db), "--start", START, "--end", END, "--lang", "es")
    assert list(pd.read_csv(io.StringIO(csv_es.stdout)).columns) == metrics.CLI_COLUMNS
    # Public mode too: the notes of hidden counts are data ("fewer than 4"), the note on stderr is for the reader.
    public = (*args, "--mode", "public", "--level", "neighborhood", "--offense-group", "homicide")
    english, spanish = run_cli(*public), run_cli(*public, "--lang", "es")
    assert english.returncode == spanish.returncode == 0, spanish.stderr
    assert json.loads(spanish.stdout) == json.loads(english.stdout)
    assert "fewer than 4" in english.stdout and "Vista pública" in spanish.stderr


@pytest.mark.parametrize("lang", ["fr", "ES", ""])
def test_an_unknown_language_gets_one_line_and_exit_2(demo_db, lang):
    out = run_cli("districts", "--db", str(demo_db), "--start", START, "--end", END, "--lang", lang)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [f"error: unknown language {lang!r} for --lang; expected one of en, es"]


def test_lang_in_process_leaves_the_callers_language(demo_db, capsys):
    from community_policing import cli, i18n

    assert cli.main(["districts", "--db", str(demo_db), "--start", START, "--end", END, "--lang", "es"]) == 0
    assert i18n.language() == "en"


def test_districts_noise_column_is_what_the_overview_table_shows(demo_db, monkeypatch):
    """The ``noise`` text the command prints (English in CSV) is the reading in the Overview's district table,
    beside the same noise_z and dispersion."""
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    with Store(demo_db) as s:
        period = metrics.preset_period("Last 12 months", metrics.dataset_info(s).last_day)  # the page's default
    out = run_cli("districts", "--db", str(demo_db), "--start", str(period.start), "--end", str(period.end))
    assert out.returncode == 0, out.stderr
    printed = pd.read_csv(io.StringIO(out.stdout), dtype={"area_id": str})
    shown = next(d for d in at.dataframe if d.key == "district_table").value
    assert list(shown["area_id"].astype(str)) == list(printed["area_id"])
    assert list(shown["noise"]) == list(printed["noise"])
    assert set(printed["noise"]) <= {"within normal variation", "possible change", "significant change"}
    assert shown["noise_z"].astype(float).tolist() == pytest.approx(printed["noise_z"].tolist())
    assert shown["dispersion"].astype(float).tolist() == pytest.approx(printed["dispersion"].tolist())
