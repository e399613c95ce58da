"""Issue 16, briefings a commander would hand out: what the PDF says (read back with poppler), the
briefings of every district at once (CLI and the library function the app calls), the period and
offenses the reader chose, "not recorded" engagement and old data said on page 1."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
START, END = "2025-11-01", "2026-10-31"


from tests.test_briefing import tools  # noqa: E402,F401  (autouse: poppler and Chromium, or skip; fail in CI)


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "community_policing", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env)


def pdf_text(pdf: bytes | Path, first: int | None = None, last: int | None = None) -> str:
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", "-layout", *pages, "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def no_programs(monkeypatch):
    """Program estimates take seconds and are not what these tests read."""
    from community_policing.briefing import content as briefing

    monkeypatch.setattr(briefing, "_program_table", lambda store, request: (
        pd.DataFrame(columns=["Program", "Outcome", "Estimate", "95% interval", "Checks"]), "not estimated here"))


@pytest.fixture(scope="module")
def district2_pdf(demo_db, tmp_path_factory) -> Path:
    """District 2 (its park has too few residents for a rate), violent crime only."""
    out = tmp_path_factory.mktemp("b16") / "district2.pdf"
    done = cli("briefing", "--db", str(demo_db), "--district", "2", "--start", START, "--end", END,
               "--offense-group", "violent", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_page_one_says_which_offenses_rose_and_fell_with_counts_change_and_noise(district2_pdf, demo_db):
    from community_policing.views import district
    from community_policing.data.store import Store

    page1 = pdf_text(district2_pdf, 1, 1)
    assert "Which offenses rose and fell" in page1
    with Store(demo_db) as store:
        mix = district.offense_mix(store, "2", dt.date.fromisoformat(START), dt.date.fromisoformat(END),
                                   "category:violent")
    assert len(mix) >= 3  # the violent groups
    text = pdf_text(district2_pdf)
    for row in mix.itertuples():
        line = next(line for line in text.splitlines() if line.strip().startswith(row.label))
        assert f"{row.incidents:,}" in line and f"{row.incidents_prior_year:,}" in line, line
        assert f"{row.change:+,}" in line and row.noise in line, line
    # Only violent groups: the offenses the reader chose, named on page 1 with the period.
    assert "Larceny-theft" not in text and "Burglary" not in text
    assert "offenses: violent crime (part i)" in " ".join(page1.split()).lower()
    assert "Period: Nov 1, 2025 – Oct 31, 2026" in " ".join(page1.split())


def test_the_map_names_neighborhoods_hatches_the_park_and_the_caption_says_so(district2_pdf, demo_db):
    from community_policing.data.store import Store

    with Store(demo_db) as store:
        names = store.query("areas", level="neighborhood")
    text = pdf_text(district2_pdf)
    where = text[text.index("Where"):]
    assert "Neighborhoods" in where and "Per 1,000" in where
    table = where[where.index("Neighborhoods"):]
    for name in ("Mill Creek", "Levee Flats", "Ferry Street", "Riverside Park"):
        assert name in table
    park = next(line for line in table.splitlines() if "Riverside Park" in line)
    assert park.rstrip().endswith("–")  # too few residents: no rate, never 0
    caption = " ".join(where.split())
    assert "Hatched grey: fewer than 300 residents, too few for a rate." in caption
    assert "labelled with its id" not in caption and "with its name and rate" in caption
    del names


def test_print_map_labels_by_name_hatches_no_rate_and_writes_white_on_dark(demo_db):
    from community_policing.figures import briefing as bf
    from community_policing.data import geo
    from community_policing.views import metrics
    from community_policing.data.store import Store

    with Store(demo_db) as store:
        table = metrics.area_comparison(store, dt.date.fromisoformat(START), dt.date.fromisoformat(END),
                                        level="neighborhood")
        features = geo.area_features(store, "neighborhood")
    table = table[table["district_id"].astype(str) == "2"]
    fig = bf.print_map(table, features, "t")
    labels = fig.data[-2]  # the text trace (the last trace carries the colour bar)
    text = " ".join(labels.text)
    assert "Mill Creek" in text and "Riverside Park" in text
    assert all(not t.split("<br>")[0].replace("<b>", "").isdigit() for t in labels.text)  # names, not ids
    fills = [t for t in fig.data if t.fill == "toself"]
    hatched = [t for t in fills if t.fillpattern is not None and t.fillpattern.shape == "/"]
    assert len(hatched) == 1  # the park, and the caption says hatched
    darkest = min(range(len(fills)), key=lambda i: bf._luminance(fills[i].fillcolor))
    assert labels.textfont.color[darkest] == "white"
    lightest = max(range(len(fills)), key=lambda i: bf._luminance(fills[i].fillcolor))
    assert labels.textfont.color[lightest] == bf.INK
    assert "Scattermap" not in {type(t).__name__ for t in fig.data}  # no WebGL: seconds saved per briefing


def test_all_districts_from_the_cli_into_a_zip_and_a_folder(tiny_db, tmp_path):
    """The tiny city (two districts) keeps this fast; the content of one briefing is read above."""
    out = tmp_path / "all.zip"
    done = cli("briefing", "--db", str(tiny_db), "--district", "all", "--start", "2024-03-01", "--end", "2024-03-31",
               "--offense-group", "larceny", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"wrote 2 district briefings to {out}" in done.stderr
    names = ["briefing_district_1_20240301_20240331_simulated.pdf", "briefing_district_2_20240301_20240331_simulated.pdf"]
    assert done.stdout.split() == names
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == names
        pages = [" ".join(pdf_text(archive.read(n), 1, 1).split()) for n in names]
    for district, page in zip(("District 1 – West", "District 2 – East"), pages):
        assert page.startswith("Tiny Test City") and district in page
        assert "Period: Mar 1, 2024 – Mar 31, 2024" in page and "Offenses: Larceny" in page
    folder = tmp_path / "pdfs"
    folder.mkdir()
    done = cli("briefing", "--db", str(tiny_db), "--all-districts", "--start", "2024-03-01", "--end", "2024-03-31",
               "--out", str(folder), "--lang", "es")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == [n.replace("_simulated", "_es_simulated") for n in names]
    assert "se guardaron 2 informes de distrito" in done.stderr
    bad = cli("briefing", "--db", str(tiny_db), "--district", "all", "--start", "2024-03-01", "--end", "2024-03-31",
              "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and "folder or a file name ending in .zip" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "x.pdf").exists()


def test_the_library_makes_one_zip_of_every_district(tiny_db, monkeypatch):
    from community_policing.briefing import content as briefing
    from community_policing.data.store import Store

    no_programs(monkeypatch)
    steps = []
    with Store(tiny_db) as store:
        data = briefing.district_briefings_zip(store, dt.date(2024, 3, 1), dt.date(2024, 3, 31), "robbery",
                                               progress=lambda f, m: steps.append((f, m)))
        ids = briefing.district_ids(store)
    assert ids == ["1", "2"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.namelist()) == 2
        texts = [" ".join(pdf_text(archive.read(n), 1, 1).split()) for n in archive.namelist()]
    assert "District 1 – West" in texts[0] and "District 2 – East" in texts[1]
    assert all("Offenses: Robbery" in t for t in texts)
    fractions = [f for f, _m in steps]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert steps[-1][1].startswith("District 2 (2 of 2): ")
    assert briefing.zip_name(dt.date(2024, 3, 1), dt.date(2024, 3, 31), True, False) == \
        "briefings_all_districts_20240301_20240331_simulated_pdf.zip"


def test_old_data_and_no_engagement_record_read_not_recorded_never_zero(monkeypatch, tmp_path):
    """A city whose data end long ago and that publishes no engagement record: page 1 says how old the
    data are, and engagement reads "not recorded", never "0 engagement activities were recorded"."""
    from tests.conftest import tiny_city_tables

    from community_policing.briefing import content as briefing
    from community_policing.views import metrics
    from community_policing.data.store import Store, write_database

    tables = tiny_city_tables()
    tables["engagement_events"] = tables["engagement_events"].iloc[0:0]
    db = tmp_path / "no_ledger.duckdb"
    write_database(tables, db)
    no_programs(monkeypatch)
    with Store(db) as store:
        info = metrics.dataset_info(store)
        content = briefing.build_briefing(store, briefing.BriefingRequest(dt.date(2024, 3, 1), dt.date(2024, 3, 31)))
    pdf = tmp_path / "old.pdf"
    pdf.write_bytes(briefing.briefing_pdf(content, pngs={}))
    page1 = " ".join(pdf_text(pdf, 1, 1).split())
    kpis = content.kpis.set_index("measure")
    for measure in ("Engagement activities", "Officer engagement hours"):
        assert kpis.loc[measure, "this_period"] == "not recorded" == kpis.loc[measure, "a_year_earlier"]
        assert kpis.loc[measure, "change"] == ""
    assert "engagement activities were recorded" not in page1 and "Engagement activities not recorded" in page1
    assert "not the same as none" in content.takeaways[1] and not any(c.isdigit() for c in content.takeaways[1])
    assert content.engagement.empty  # no table of zeros
    # The data end in April 2024, years before today: said on page 1, before any number.
    assert (dt.date.today() - info.last_day).days > 90
    assert f"The latest data is from {info.last_day:%B %Y}, about " in page1
    assert page1.index("The latest data is from") < page1.index("Headline numbers")
