"""Program evaluation: the CLI, the store-backed library and the page agree, on the demo city."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing import analysis, evaluation
from community_policing.store import DB_ENV_VAR, Store

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def test_store_backed_evaluation_equals_evaluation_from_raw_rows(demo_db, demo_tables):
    """Monthly counts read from the daily aggregate give the same estimates as raw incident rows."""
    with Store(demo_db) as s:
        from_store = evaluation.evaluate(s)
    from_raw = analysis.evaluate_programs(demo_tables)
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
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/programs.py").run()
    assert not at.exception, at.exception
    return at


def test_program_page_shows_estimates_event_studies_and_costs(programs_page):
    at = programs_page
    labels = [m.label for m in at.metric]
    assert labels.count("Estimated effect") == 2 and "Per incident averted" in labels
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(specs) == 2
    assert all("program starts" in json.dumps(s["layout"]) for s in specs)
    assert "true_effect" in at.dataframe[-1].value.columns  # the all-programs table comes last
    assert len(at.dataframe) == 3  # two event-study tables behind their charts, then all programs
    first = at.metric[0].value
    at.selectbox(key="program").select("Youth Outreach Partnership").run()
    assert not at.exception and at.metric[0].value != first


def test_program_page_without_programs_says_so(tiny_db, monkeypatch, tmp_path):
    import shutil

    copy = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, copy)
    monkeypatch.setenv(DB_ENV_VAR, str(copy))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/programs.py").run()
    assert not at.exception
    assert "No community-policing programs are recorded" in at.info[0].value
