"""Issue 15, the web app under fault and attack: each test performs the fault or the attack and checks what
the user gets.

- A reload reaches a running app (a real server, the real CLI, Chromium).
- DNS rebinding: a forged Host header gets no WebSocket from a loopback server.
- Formula injection: every spreadsheet-bound text is neutralised (full-width signs, bidi controls, blanks
  before a trigger), and the tables' own toolbar has no "Download as CSV" (Chromium, the ledger page).
- Markdown injection from the URL: ``?district=`` / ``?districts=`` are shown as text.
- Audit attribution: a signed-in staff member records under the sign-in's name, never a typed one.
- Privacy: net negative counts (-1, -2) are small counts too.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from community_policing import exports, settings as cg_settings
from community_policing.views import metrics, privacy
from community_policing.web import auth
from community_policing.ledger.book import Ledger
from community_policing.views.privacy import PRIMARY, Equation, Rules
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR, Store
from tests import servers

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
LEDGER_PAGE = str(ROOT / "pages" / "ledger.py")
HYPERLINK = '=HYPERLINK("https://evil.example/x","click me")'
MARKDOWN_ATTACK = "[click](https://evil.example)![x](https://evil.example/x.png)"
UNESCAPED = re.compile(r"(?<!\\)[\[\]()!:]")  # a Markdown link or image needs one of these unescaped
BARE_LINKS = "https://evil.example/login www.evil.example help@evil.example"


def _as_read(value: str) -> str:
    """Markdown text as a reader sees it: escapes read, invisible word joiners (echo.plain) dropped."""
    return re.sub(r"\\(.)", r"\1", value).replace("\u2060", "")


@pytest.fixture
def tiny_env(tiny_db, tmp_path, monkeypatch):
    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(tmp_path / "ledger.sqlite"))
    monkeypatch.delenv(cg_settings.MODE_ENV, raising=False)
    return tmp_path


# --- 1. a reload reaches a running app ------------------------------------------------------------------


def _demo(db: Path, seed: int) -> int:
    """Build the demo city into ``db`` with the real CLI; the counted records it holds."""
    done = subprocess.run([sys.executable, "-m", "community_policing", "demo", "--db", str(db), "--seed", str(seed),
                           "--realism", "clean"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    with Store(db) as store:
        return metrics.dataset_info(store).counted_rows


def test_a_store_opened_after_a_swap_reads_the_new_file_while_the_old_one_is_in_use(tiny_db, tmp_path):
    """The cause of the stale app: another session still on the old Store (its connection open) made a new
    Store of the same path get DuckDB's database of the old, deleted file."""
    from community_policing.data.store import write_database
    from tests.conftest import tiny_city_tables

    db = tmp_path / "city.duckdb"
    shutil.copy(tiny_db, db)
    old = Store(db)  # a session mid-query keeps this open
    try:
        before = metrics.dataset_info(old).counted_rows
        tables = tiny_city_tables()
        tables["incidents"] = tables["incidents"].iloc[:3]
        write_database(tables, db)  # a load swaps a new file in
        assert old.is_stale()
        with Store(db) as new:
            assert metrics.dataset_info(new).counted_rows != before
            assert metrics.dataset_info(new).counted_rows == 3
        assert metrics.dataset_info(old).counted_rows == before  # the session on the old file finishes its run
    finally:
        old.close()
    assert not list(tmp_path.glob("city.duckdb.read-*"))  # the one-use links are gone


@pytest.mark.browser
def test_a_reload_reaches_the_running_app(tmp_path):
    servers.need()
    db = tmp_path / "city.duckdb"
    first = _demo(db, seed=11)
    with servers.serving(db, tmp_path) as url, servers.chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        def counted() -> int:  # the data note: "Incidents reported … to …: 131,527 counted records"
            note = page.locator("li", has_text=re.compile(r"Incidents reported .*: \d[\d,]* counted records")).first
            note.wait_for(timeout=90_000)
            return int(re.search(r": (\d[\d,]*) counted records", note.inner_text()).group(1).replace(",", ""))

        page.goto(url, wait_until="domcontentloaded")
        assert counted() == first
        second = _demo(db, seed=12)  # a reload through the real CLI while the app runs
        assert second != first
        page.reload(wait_until="domcontentloaded")  # the next run
        assert counted() == second
        page.close()


# --- 2. DNS rebinding ---------------------------------------------------------------------------------------


def _websocket_handshake(url: str, host: str) -> int:
    """The HTTP status of a WebSocket handshake on the app's stream, sent with this Host header."""
    port = int(url.rsplit(":", 1)[1])
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        con.putrequest("GET", "/_stcore/stream", skip_host=True)
        for name, value in (("Host", host), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                            ("Origin", f"http://{host}")):
            con.putheader(name, value)
        con.endheaders()
        return con.getresponse().status
    finally:
        con.close()


@pytest.mark.browser
def test_a_loopback_server_refuses_a_page_that_reaches_it_by_another_host_name(tiny_db, tmp_path):
    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    with servers.serving(db, tmp_path) as url:
        port = url.rsplit(":", 1)[1]
        # A rebinding page at evil.example (resolved to 127.0.0.1) opens the app's WebSocket: refused.
        assert _websocket_handshake(url, f"evil.example:{port}") == 403
        assert _websocket_handshake(url, "evil.example") == 403
        # The app's own names are accepted (101: switching to the WebSocket).
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
            assert _websocket_handshake(url, host) == 101, host
        # In a browser: the page loaded as evil.example never gets the app (no heading, no staff page).
        with servers.chromium(extra_args=(f"--host-resolver-rules=MAP evil.example 127.0.0.1",)) as browser:
            page = browser.new_page()
            page.goto(f"http://evil.example:{port}/ledger", wait_until="domcontentloaded")
            page.wait_for_timeout(6000)
            assert page.locator("h1").count() == 0
            assert "Engagement log" not in page.content() and "Record an activity" not in page.content()
            page.goto(f"{url}/ledger", wait_until="domcontentloaded")  # the same server, by its own name
            page.locator("h1", has_text="Engagement log").wait_for(timeout=60_000)
            page.close()


# --- 3. formula injection -------------------------------------------------------------------------------------


FULL_WIDTH = ["\uff1dHYPERLINK(\"https://evil.example\")", "\uff0b1+1", "\uff0d1+1", "\uff20SUM(A1)"]
BIDI = ["\u202e" + "1+1=", "\u202a=1+1", "\u202b=1", "\u202c=1", "\u202d=1", "\u2066=1", "\u2067x", "\u2068=1",
        "\u2069=1", "\u200e=1+1", "\u200f=1", "\u061c=1"]
BLANK_FIRST = [" =1+1", "  +1", "\t=1", "\r=1", "\n=1", " \t\r\n@SUM(1)", "\u00a0=1", "\u200b=1", "\x01=1"]


@pytest.mark.parametrize("text", FULL_WIDTH + BIDI + BLANK_FIRST)
def test_disguised_formulas_get_a_quote_in_every_download(text):
    frame = pd.DataFrame({"title": [text, "plain"], "n": [1, 2]})
    assert exports.neutralise_text(text) == "'" + text
    assert exports.restore_text(exports.neutralise_text(text)) == text  # a template read back is what was typed
    rows = list(csv.reader(io.StringIO(exports.csv_bytes(frame).decode("utf-8-sig"))))
    assert rows[1][0] == "'" + text and rows[2][0] == "plain"
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes(frame, sheet="data"))).active
    cells = [c.value for c in next(sheet.iter_cols(min_col=1, max_col=1, min_row=2, max_row=2))]
    assert cells[0].startswith("'") and sheet.cell(2, 1).data_type == "s"


def test_ordinary_text_is_left_alone():
    for text in ("Block party", "  spaced words", "a=b", "e-mail: x@y.org", "\u00e9t\u00e9", "\u05e9\u05dc\u05d5\u05dd",
                 "1 + 1", "", "'quoted"):
        assert exports.neutralise_text(text) == text
        assert exports.restore_text(text) == text


@pytest.mark.browser
def test_the_ledger_tables_have_no_toolbar_download(tiny_db, tmp_path):
    """A ledger entry titled =HYPERLINK(...): the staff tables (recent entries, audit trail) show it, and their
    toolbar offers no "Download as CSV" that would write it raw; the page's own downloads neutralise it."""
    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    Ledger(tmp_path / "ledger.sqlite").add({"date": "2024-03-02", "district_id": "1", "type": "foot_patrol",
                                            "title": HYPERLINK}, user="sgt.lee")
    with servers.serving(db, tmp_path) as url, servers.chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/ledger", wait_until="domcontentloaded")
        page.locator("h1", has_text="Engagement log").wait_for(timeout=60_000)
        tables = page.locator('[data-testid="stDataFrame"]')
        tables.first.wait_for(timeout=60_000)
        assert tables.count() >= 2  # the recent entries (editor) and the audit trail
        for i in range(tables.count()):
            table = tables.nth(i)
            table.scroll_into_view_if_needed()
            table.hover()
            toolbar = page.locator('[data-testid="stElementToolbar"]').filter(has=page.locator("button"))
            toolbar.first.wait_for(timeout=10_000)  # the toolbar is there (search, fullscreen)…
            assert page.get_by_role("button", name=re.compile("Download as CSV", re.I)).count() == 0  # …no download
        page.close()


# --- 4. Markdown injection from the URL --------------------------------------------------------------------


def _shown_text(at) -> list[str]:
    return [e.value for kind in ("error", "warning", "info", "markdown", "caption", "title")
            for e in getattr(at, kind)]


def test_a_district_link_with_markdown_shows_it_as_text(tiny_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["district"] = MARKDOWN_ATTACK
    at.switch_page("pages/district.py")
    at.run()
    assert not at.exception, at.exception
    echoed = [v for v in _shown_text(at) if "evil" in v]
    assert echoed, _shown_text(at)
    for value in echoed:
        assert not UNESCAPED.search(value.split("There is no district", 1)[-1].split(". Valid")[0]), value
        # Read as Markdown, the text is the URL's value exactly (backslashes only escape).
        assert MARKDOWN_ATTACK in _as_read(value), value


def test_a_compare_link_with_markdown_shows_it_as_text(tiny_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["districts"] = f"1,2,{MARKDOWN_ATTACK}"
    at.switch_page("pages/compare.py")
    at.run()
    assert not at.exception, at.exception
    echoed = [v for v in _shown_text(at) if "evil" in v]
    assert echoed, _shown_text(at)
    for value in echoed:
        quoted = value.split("There is no district", 1)[1].split(". Valid")[0]
        assert not UNESCAPED.search(quoted), value
        assert MARKDOWN_ATTACK in _as_read(value), value


@pytest.mark.browser
def test_a_markdown_link_in_the_url_renders_as_text_in_the_browser(tiny_db, tmp_path):
    from urllib.parse import quote

    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    with servers.serving(db, tmp_path) as url, servers.chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/district?district={quote(MARKDOWN_ATTACK)}", wait_until="domcontentloaded")
        alert = page.locator('[data-testid="stAlert"]', has_text="There is no district")
        alert.wait_for(timeout=60_000)
        assert MARKDOWN_ATTACK in alert.inner_text().replace("\u2060", "")  # the characters, as typed
        assert page.locator('a[href*="evil.example"]').count() == 0
        assert page.locator('img[src*="evil.example"]').count() == 0
        # Bare URLs and e-mail addresses are not turned into links either (GFM's autolinks).
        page.goto(f"{url}/compare?districts=1,2,{quote(BARE_LINKS)}", wait_until="domcontentloaded")
        alert = page.locator('[data-testid="stAlert"]', has_text="There is no district")
        alert.wait_for(timeout=60_000)
        assert BARE_LINKS in alert.inner_text().replace("\u2060", "")
        assert page.locator('a[href*="evil.example"]').count() == 0
        page.close()


# --- 5. audit attribution ------------------------------------------------------------------------------------


@pytest.fixture
def listening_on():
    before = st_config.get_option("server.address")
    yield lambda address: st_config.set_option("server.address", address)
    st_config.set_option("server.address", before)


def test_a_signed_in_entry_is_recorded_under_the_sign_in(tiny_env, staff_app, listening_on):
    listening_on("0.0.0.0")  # reachable from other machines: staff sign in
    at = AppTest.from_file(staff_app, default_timeout=60)
    at.secrets.update({"common_ground": {"staff_users": {"sgt.lee": auth.hash_password("a long enough secret",
                                                                                       ln=10)}}})
    at.run()
    at.text_input(key="staff_sign_in_user").input("sgt.lee")
    at.text_input(key="staff_sign_in_password").input("a long enough secret")
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    at.switch_page(LEDGER_PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Engagement log"
    shown = at.text_input(key="ledger_user_signed_in")
    assert shown.value == "sgt.lee" and shown.disabled  # read-only: the sign-in's name
    assert not [t for t in at.text_input if t.key == "ledger_user"]  # no free box to type someone else's name
    # The attack: set the old box's state to another name anyway; the entry is still the sign-in's.
    at.session_state["ledger_user"] = "chief.of.police"
    at.selectbox(key="ledger_district").set_value("2").run()
    at.date_input(key="ledger_date").set_value(dt.date(2024, 3, 1))
    at.selectbox(key="ledger_type").set_value("foot_patrol")
    at.text_input(key="ledger_title").set_value("Walk")
    next(b for b in at.button if b.label.startswith("Record")).click()
    at.run()
    assert not at.exception, at.exception
    book = Ledger(tiny_env / "ledger.sqlite")
    assert list(book.entries()["created_by"]) == ["sgt.lee"]
    assert set(book.audit()["user"]) == {"sgt.lee"}


def test_without_a_sign_in_the_box_is_still_there(tiny_env, staff_app):
    at = AppTest.from_file(staff_app, default_timeout=60).run()
    at.switch_page(LEDGER_PAGE).run()
    assert not at.exception, at.exception
    box = at.text_input(key="ledger_user")
    assert not box.disabled


# --- 6. privacy: net negative counts --------------------------------------------------------------------------


def test_net_negative_counts_are_small_counts():
    rules = Rules()
    assert [rules.is_small(v) for v in (-1, -2, -3, -4, -10)] == [True, True, True, False, False]
    # An area table with a net count of -2 (corrections outnumber the records): hidden, with its change.
    table = pd.DataFrame({"area_id": ["1", "2", "3"], "incidents": [-2, 40, 25], "incidents_prior_year": [5, 38, -1]})
    out = privacy.mask_small(table, "incidents", rules)
    assert pd.isna(out.loc[0, "incidents"]) and out.loc[0, "incidents_note"] == "fewer than 4"
    out = privacy.mask_small(table, "incidents_prior_year", rules)
    assert pd.isna(out.loc[2, "incidents_prior_year"])


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.integers(-6, 9), min_size=1, max_size=6))
def test_no_net_small_count_is_shown_or_pinned_by_a_shown_total(values):
    cells = {("row", i): v for i, v in enumerate(values)}
    cells[("total",)] = sum(values)
    rules = Rules()
    fixed = {("total",): PRIMARY if rules.is_small(sum(values)) else None}
    status = privacy.protect(cells, [Equation(("total",), tuple(("row", i) for i in range(len(values))))], rules,
                             fixed=fixed)
    for i, v in enumerate(values):
        if 0 < abs(v) < rules.min_count:
            assert status.get(("row", i)), (values, status)
    # With exactly one hidden cell, the shown total and the shown parts would give it away.
    hidden = [i for i in range(len(values)) if status.get(("row", i))]
    assert len(hidden) != 1 or fixed[("total",)] is not None, (values, status)
