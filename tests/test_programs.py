"""Program evaluation: the CLI, the store-backed library and the page agree, on the demo city."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.stats import did
from community_policing.views import evaluation
from community_policing.data.store import DB_ENV_VAR, Store
from tests import charts
from tests.conftest import open_tables

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def test_store_backed_evaluation_equals_evaluation_from_raw_rows(demo_db, demo_tables):
    """Monthly counts read from the daily aggregate give the same estimates as raw incident rows."""
    with Store(demo_db) as s:
        from_store = evaluation.evaluate(s)
    from_raw = did.evaluate_programs(demo_tables)
    pd.testing.assert_frame_equal(from_store[evaluation.EVALUATE_COLUMNS].reset_index(drop=True),
                                  from_raw[evaluation.EVALUATE_COLUMNS].reset_index(drop=True), check_dtype=False)


def test_evaluate_cli(demo_db):
    out = subprocess.run([sys.executable, "-m", "community_policing", "evaluate", "--db", str(demo_db),
                          "--format", "json"], capture_output=True, text=True, check=True)
    rows = pd.DataFrame(json.loads(out.stdout))
    assert list(rows.columns) == evaluation.EVALUATE_COLUMNS
    assert set(rows["outcome"]) == {"incidents", "trust"} and len(rows) == 6
    assert (rows["ci_low"] <= rows["estimate"]).all() and (rows["estimate"] <= rows["ci_high"]).all()
    one = subprocess.run([sys.executable, "-m", "community_policing", "evaluate", "--db", str(demo_db),
                          "--program", "Foot Patrol Initiative"], capture_output=True, text=True, check=True)
    # CSV through exports: every text cell (the header too) in double quotes, numbers bare
    assert one.stdout.splitlines()[0] == ",".join(f'"{c}"' for c in evaluation.EVALUATE_COLUMNS)
    assert len(one.stdout.splitlines()) == 3
    bad = subprocess.run([sys.executable, "-m", "community_policing", "evaluate", "--db", str(demo_db),
                          "--program", "Nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown program 'Nope'" in bad.stderr and "Traceback" not in bad.stderr


def test_plain_summary_says_what_it_can_and_cannot_say(demo_db):
    with Store(demo_db) as s:
        detail = dict(evaluation.program_detail(s, "Foot Patrol Initiative"))
    text = evaluation.plain_summary("Foot Patrol Initiative", detail["incidents"])
    assert "95% confidence interval" in text and "cannot separate the program" in text
    res = detail["incidents"]
    if res.ci_low < 0 < res.ci_high:
        assert "cannot tell this program's effect apart from no effect" in text


@pytest.fixture()
def programs_page(demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = open_tables(AppTest.from_file(APP, default_timeout=90)).run()
    at.switch_page("pages/programs.py").run()
    assert not at.exception, at.exception
    return at


def test_program_page_shows_estimates_event_studies_and_costs(programs_page):
    at = programs_page
    labels = [m.label for m in at.metric]
    assert labels.count("Estimated effect") == 2 and "Per incident averted" in labels
    drawn = charts.vega_charts(at)  # the two event studies, drawn with Vega-Lite (no Plotly on this page)
    assert len(drawn) == 2 and not at.get("plotly_chart")
    assert all("program starts" in charts.texts(c) for c in drawn)
    assert "true_effect" in at.dataframe[-1].value.columns  # the all-programs table comes last
    assert len(at.dataframe) == 3  # two event-study tables behind their charts, then all programs
    first = at.metric[0].value
    at.selectbox(key="program").select("Youth Outreach Partnership").run()
    assert not at.exception and at.metric[0].value != first


def test_program_page_says_what_the_checks_can_and_cannot_see(programs_page):
    at = programs_page
    text = " ".join(m.value for m in at.markdown)
    assert "consistent with" not in text and "consistent with" not in " ".join(c.value for c in at.caption)
    assert text.count("What the check before the start can see.") == 2
    assert "only half the time" in text and "Allowing for a steady gap in trends of up to" in text
    # Foot Patrol: 2 of 6 districts, so 15 ways to choose them, and no permutation test reaches p < 0.05.
    # The demo's Foot Patrol starts its two districts a year apart: which district started first counts too.
    assert ("**Few districts.** With 2 treated districts and 4 comparison districts there are only 30 ways to "
            "choose which districts got the program and when, so even a test that reshuffles them could not give a "
            "p-value below 0.0333.") in text
    assert "districts drift alike" in text
    for chart in charts.vega_charts(at):
        subtitle = charts.subtitle_of(chart)
        assert "parallel trends" not in subtitle and (
            "weak check" in subtitle or "failed" in subtitle or "not assessed" in subtitle)
    table = at.dataframe[-1].value
    for col in ("p_value", "pretrend_slope_p", "detectable_trend", "breakdown_trend", "min_permutation_p"):
        assert col in table.columns
    # The second estimator beside the main one; with 4 comparison districts its placebo test cannot reach 0.05.
    assert "robust_estimate" in table.columns and any("Second method" == m.label for m in at.metric)
    assert "A second method (synthetic difference-in-differences) estimates" in text
    assert "its placebo test cannot give a p-value below 0.20" in text


def test_program_page_without_programs_says_so(tiny_db, monkeypatch, tmp_path):
    import shutil

    copy = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, copy)
    monkeypatch.setenv(DB_ENV_VAR, str(copy))
    at = open_tables(AppTest.from_file(APP, default_timeout=60)).run()
    at.switch_page("pages/programs.py").run()
    assert not at.exception
    assert "No community-policing programs are recorded" in at.info[0].value
