"""Briefings: the PDF's pages and numbers (read back with poppler), the slide deck, the CLI, the page.

The KPI numbers in the PDF must equal the `districts` command's output for the same filters."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "briefings"
START, END = "2025-11-01", "2026-10-31"


@pytest.fixture(scope="module", autouse=True)
def tools():
    missing = [t for t in ("pdftoppm", "pdftotext") if shutil.which(t) is None]
    if not Path("/usr/bin/chromium").exists():
        missing.append("/usr/bin/chromium")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing in CI: {', '.join(missing)} (make test installs them as root)")
        pytest.skip(f"needs {', '.join(missing)}")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "community_policing", *args], capture_output=True, text=True,
                          cwd=ROOT)


def districts_json(db: Path, *extra: str) -> pd.DataFrame:
    out = cli("districts", "--db", str(db), "--start", START, "--end", END, "--format", "json", *extra)
    assert out.returncode == 0, out.stderr
    return pd.DataFrame(json.loads(out.stdout))


def pdf_pages(pdf: Path, name: str) -> list[Path]:
    """The PDF as PNG pages (kept under artifacts/briefings/ to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def kpi_line(text: str, measure: str) -> str:
    """The KPI row that starts with ``measure``, with the lines just above and below it (a wrapped
    cell puts the row's other values on a neighbouring line)."""
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.strip().startswith(measure))
    return "\n".join(lines[max(i - 1, 0):i + 2])


@pytest.fixture(scope="module")
def district_pdf(demo_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("briefing") / "district3.pdf"
    done = cli("briefing", "--db", str(demo_db), "--district", "3", "--start", START, "--end", END, "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_district_briefing_numbers_equal_the_districts_command(district_pdf, demo_db):
    pages = pdf_pages(district_pdf, "district3")
    assert len(pages) == 3
    text = pdf_text(district_pdf)
    row = districts_json(demo_db).set_index("area_id").loc["3"]
    incidents = kpi_line(text, "Incidents (all offenses)")
    assert f"{int(row['incidents']):,}" in incidents and f"{int(row['incidents_prior_year']):,}" in incidents
    assert f"{int(row['change']):+,} ({row['pct_change']:+.1f}%)" in incidents
    assert f"{row['rate_per_1000']:.1f}" in kpi_line(text, "Incidents per 1,000")
    assert f"{int(row['engagement_events']):,}" in kpi_line(text, "Engagement activities")
    assert f"{row['officer_hours']:,.0f}" in kpi_line(text, "Officer engagement hours")
    for heading in ("Headline numbers", "Incidents over time", "Community engagement", "Resident trust",
                    "Program estimates", "How these numbers are made", "95% interval", "Respondents"):
        assert heading in text
    # Simulated data is stamped on every page.
    assert text.count("SIMULATED DEMO DATA") >= len(pages) + 1
    assert "District 3" in text and "Nov 1, 2025 – Oct 31, 2026" in text


def test_citywide_briefing_totals_equal_the_sum_of_the_districts_rows(demo_db, tmp_path):
    out = tmp_path / "city.pdf"
    done = cli("briefing", "--db", str(demo_db), "--start", START, "--end", END, "--offense-group", "violent",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert len(pdf_pages(out, "citywide_violent")) >= 3
    text = pdf_text(out)
    table = districts_json(demo_db, "--offense-group", "violent")
    incidents = kpi_line(text, "Incidents (")
    assert "Violent" in incidents or "violent" in incidents
    assert f"{int(table['incidents'].sum()):,}" in incidents
    assert f"{int(table['incidents_prior_year'].sum()):,}" in incidents
    assert f"{int(table['engagement_events'].sum()):,}" in kpi_line(text, "Engagement activities")


def test_the_slide_deck_has_one_message_per_slide(demo_db, tmp_path):
    from pptx import Presentation

    out = tmp_path / "deck.pptx"
    done = cli("briefing", "--db", str(demo_db), "--district", "3", "--start", START, "--end", END, "--out", str(out))
    assert done.returncode == 0, done.stderr
    deck = Presentation(str(out))
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert len(titles) == 8
    assert titles[0].startswith("District 3") and titles[-1] == "How these numbers are made"
    row = districts_json(demo_db).set_index("area_id").loc["3"]
    assert titles[1].startswith(f"{int(row['incidents']):,} incidents vs {int(row['incidents_prior_year']):,}")
    table = next(s.table for s in deck.slides[1].shapes if s.has_table)
    assert table.cell(1, 1).text == f"{int(row['incidents']):,}"
    pictures = sum(1 for slide in deck.slides for s in slide.shapes if s.shape_type == 13)
    assert pictures == 3  # map, trend, engagement
    every_slide = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert all("SIMULATED DEMO DATA" in t for t in every_slide)


def test_cli_refuses_an_unknown_district_and_a_wrong_extension(demo_db, tmp_path):
    bad = cli("briefing", "--db", str(demo_db), "--district", "99", "--start", START, "--end", END,
              "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and "unknown district '99'" in bad.stderr and "Traceback" not in bad.stderr
    wrong = cli("briefing", "--db", str(demo_db), "--start", START, "--end", END, "--out", str(tmp_path / "x.docx"))
    assert wrong.returncode == 2 and ".pdf" in wrong.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_the_briefing_page_makes_a_pdf_with_progress(demo_db, staff_app, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COMMON_GROUND_DB", str(demo_db))
    at = AppTest.from_file(staff_app, default_timeout=120).run()  # away from pages/: a button click survives
    at.switch_page(str(ROOT / "pages" / "briefing.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Briefings"
    at.selectbox(key="briefing_scope").set_value("2").run()
    next(b for b in at.button if b.key == "briefing_make_pdf").click().run()
    assert not at.exception, at.exception
    downloads = [e for e in at.get("download_button")]
    assert downloads, "no download button after making the briefing"
    ready = at.session_state["_briefing_ready"]
    (stem, data), = [v for k, v in ready.items() if k[-1] == "pdf"]
    assert stem.startswith("briefing_district_2_") and stem.endswith("_simulated") and data[:5] == b"%PDF-"
    assert not any(e.value for e in at.error)
