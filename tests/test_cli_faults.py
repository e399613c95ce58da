"""Hostile and careless command lines (issue 15): every one ends with exit status 2 and one line on stderr
naming the argument, the value and what was expected; never a traceback, never a table of zeros for a
value the warehouse does not hold. Anything unexpected is one "internal error" line with a log file."""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from community_policing import cli
from community_policing.views import metrics
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PERIOD = ("--start", "2024-03-01", "--end", "2024-03-31")  # inside the tiny city's data
ADD = ("--user", "ana", "--date", "2024-03-05", "--type", "community_meeting", "--title", "Block meeting")


@pytest.fixture(scope="module")
def place(tiny_db, tmp_path_factory) -> dict[str, Path]:
    """A copy of the tiny city (districts 1 and 2, neighborhoods A, B, P; no programs) and hostile files."""
    folder = tmp_path_factory.mktemp("faults")
    db = folder / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    text = folder / "notes.txt"
    text.write_text("minutes of the March meeting\n")
    other_sqlite = folder / "other.sqlite"
    with sqlite3.connect(other_sqlite) as con:
        con.execute("CREATE TABLE t (x)")
    garbage = folder / "filled.xlsx"
    garbage.write_bytes(bytes(range(256)) * 20)  # not a zip, so not a workbook
    (folder / "src").mkdir()
    (folder / "bad_type.toml").write_text('name = 5\nsource = "x"\n[districts]\nfile = "d.geojson"\nid_field = "ID"\n')
    (folder / "dunder.toml").write_text('name = "x"\nsource = "x"\n[districts]\nfile = "d.geojson"\n'
                                        'id_field = "ID"\nname_template = "{x.__class__}"\n')
    return {"db": db, "text": text, "sqlite": other_sqlite, "folder": folder, "garbage": garbage,
            "ledger": folder / "city.ledger.sqlite"}


@pytest.fixture
def env(place, monkeypatch, tmp_path):
    """The tiny city as the default warehouse, a ledger of its own, and internal-error logs under tmp_path."""
    monkeypatch.setenv(DB_ENV_VAR, str(place["db"]))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(place["ledger"]))
    monkeypatch.delenv("COMMON_GROUND_MODE", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    return place


def run_main(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """cli.main in this process, as ``python -m community_policing`` runs it; argparse's exits become codes."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(list(args))
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stdout, sys.stderr, sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def run_process(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "community_policing", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, timeout=300, **kwargs)


def one_error_line(code: int, stderr: str) -> str:
    assert code == 2, (code, stderr)
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


# (arguments, with {db}, {text}, {sqlite}, {folder}, {garbage} filled from the fixture; words the line must hold)
HOSTILE = [
    # dates: malformed, out of range (year 1 has no year before it; 9999 overflows the history), reversed, no data
    (["districts", "--db", "{db}", "--start", "2024-13-01", "--end", "2024-03-31"],
     ["--start", "'2024-13-01'", "YYYY-MM-DD"]),
    (["districts", "--db", "{db}", "--start", "0001-01-01", "--end", "2024-03-31"],
     ["--start", "'0001-01-01'", "from 1900-01-01 to 2199-12-31"]),
    (["districts", "--db", "{db}", "--start", "2024-01-01", "--end", "9999-12-31"],
     ["--end", "'9999-12-31'", "from 1900-01-01 to 2199-12-31"]),
    (["briefing", "--db", "{db}", "--start", "0001-01-01", "--end", "2024-03-31", "--out", "{folder}/b.pdf"],
     ["--start", "'0001-01-01'"]),
    (["districts", "--db", "{db}", "--start", "2024-03-31", "--end", "2024-03-01"],
     ["--end", "2024-03-01", "before its start 2024-03-31"]),
    (["districts", "--db", "{db}", "--start", "2030-01-01", "--end", "2030-12-31"],
     ["--start/--end", "2030-01-01 to 2030-12-31", "no incidents were loaded", "2023-03-01 to"]),
    (["briefing", "--db", "{db}", "--start", "2030-01-01", "--end", "2030-01-31", "--out", "{folder}/b.pdf"],
     ["--start/--end", "2030-01-01 to 2030-01-31", "no incidents were loaded"]),
    # values the warehouse must hold: refused with the valid ones
    (["districts", "--db", "{db}", *PERIOD, "--offense-group", "x"],
     ["--offense-group", "'x'", "larceny, robbery, vandalism", "category:violent"]),
    (["briefing", "--db", "{db}", *PERIOD, "--offense-group", "x", "--out", "{folder}/b.pdf"],
     ["--offense-group", "'x'", "larceny, robbery, vandalism"]),
    (["briefing", "--db", "{db}", *PERIOD, "--district", "999", "--out", "{folder}/b.pdf"],
     ["--district", "'999'", "expected one of 1, 2"]),
    (["evaluate", "--db", "{db}", "--program", "Foot Patrol"],
     ["--program", "'Foot Patrol'", "no programs"]),
    (["ledger", "add", *ADD, "--district", "999"], ["--district '999'", "expected one of 1, 2"]),
    (["ledger", "add", *ADD, "--district", "1", "--neighborhood", "Z"], ["--neighborhood 'Z'", "A, B, P"]),
    (["ledger", "add", *ADD[:4], "--type", "bingo", "--title", "x", "--district", "1"],
     ["--type 'bingo'", "expected one of community_meeting"]),
    # fixed choices and settings
    (["districts", "--db", "{db}", *PERIOD, "--level", "x"], ["--level", "'x'", "'district', 'neighborhood'"]),
    (["districts", "--db", "{db}", *PERIOD, "--date-basis", "x"], ["--date-basis", "'x'", "'occurred'"]),
    (["districts", "--db", "{db}", *PERIOD, "--mode", "x"], ["--mode", "'x'", "'public', 'staff'"]),
    (["districts", "--db", "{db}", *PERIOD, "--lang", "fr"], ["--lang", "'fr'", "en, es"]),
    (["ledger", "list", "--kind", "x"], ["--kind", "'x'", "'activity'"]),
    # huge and impossible numbers
    (["ledger", "add", *ADD, "--district", "1", "--attendees", "1e23"], ["--attendees '1e23'", "0 to 1000000"]),
    (["ledger", "add", *ADD, "--district", "1", "--officers", str(2**63)], [f"--officers '{2**63}'", "whole number"]),
    (["ledger", "add", *ADD, "--district", "1", "--cost", "nan"], ["--cost 'nan'", "a number"]),
    (["ledger", "add", *ADD, "--district", "1", "--date", "2024-02-30"], ["--date '2024-02-30'", "YYYY-MM-DD"]),
    (["demo", "--seed", "99999999999999999999", "--db", "{folder}/demo.duckdb"],
     ["--seed", "'99999999999999999999'", "0 to 4294967295"]),
    (["demo", "--seed", "-1", "--db", "{folder}/demo.duckdb"], ["--seed", "'-1'", "whole number"]),
    (["demo", "--effect-scale", "nan", "--db", "{folder}/demo.duckdb"], ["--effect-scale", "'nan'", "a number"]),
    (["demo", "--effect-scale", "1e308", "--db", "{folder}/demo.duckdb"], ["--effect-scale", "'1e308'"]),
    (["demo", "--effect-scale", "50", "--db", "{folder}/demo.duckdb"], ["--effect-scale", "50", "impossible"]),
    # files: missing folders, folders for files, files of the wrong kind
    (["briefing", "--db", "{db}", *PERIOD, "--out", "{folder}/missing/b.pdf"],
     ["--out", "missing/b.pdf'", "does not exist", "existing folder"]),
    (["briefing", "--db", "{db}", *PERIOD, "--out", "{folder}"], ["--out", "is a folder", "file name"]),
    (["briefing", "--db", "{db}", *PERIOD, "--out", "{folder}/b.txt"], ["--out", "'{folder}/b.txt'", ".pdf"]),
    (["ledger", "export", "{folder}/missing/x.csv"], ["file", "missing/x.csv'", "does not exist"]),
    (["ledger", "import", "{folder}/missing.csv", "--user", "ana"], ["file", "missing.csv'", "existing file"]),
    (["ledger", "import", "{garbage}", "--user", "ana"], ["file", "'{garbage}'", "excel"]),
    (["districts", "--db", "{folder}/none.duckdb", *PERIOD], ["no warehouse at", "none.duckdb"]),
    (["districts", "--db", "{text}", *PERIOD], ["--db", "'{text}'", "neither a DuckDB nor an SQLite file",
                                                "expected a Common Ground warehouse"]),
    (["districts", "--db", "{sqlite}", *PERIOD], ["--db", "'{sqlite}'", "an SQLite file"]),
    (["evaluate", "--db", "{folder}"], ["--db", "is a folder"]),
    (["ledger", "--ledger", "{text}", "list"], ["--ledger", "'{text}'", "expected an engagement ledger"]),
    (["ledger", "--ledger", "{db}", "list"], ["--ledger", "'{db}'", "a DuckDB file"]),
    (["ledger", "--ledger", "{folder}", "add", *ADD, "--district", "1"], ["--ledger", "is a folder"]),
    (["ledger", "--ledger", "{folder}/missing/ledger.sqlite", "list"], ["--ledger", "missing/ledger.sqlite'",
                                                                        "does not exist"]),
    (["demo", "--db", "{text}"], ["--db", "'{text}'", "never overwritten"]),
    (["load", "data/cities/st_louis/city.toml", "--source-dir", "{folder}/src", "--db", "{text}"],
     ["--db", "'{text}'", "never overwritten"]),
    (["load", "{folder}/none.toml", "--source-dir", "{folder}/src", "--db", "{folder}/new.duckdb"],
     ["none.toml", "manifest not found"]),
    (["check", "data/cities/st_louis/city.toml", "--source-dir", "{folder}/none"], ["none", "source folder not found"]),
    (["check", "{folder}/bad_type.toml", "--source-dir", "{folder}/src"], ["bad_type.toml", "name", "number 5"]),
    (["check", "{folder}/dunder.toml", "--source-dir", "{folder}/src"], ["name_template", "{x.__class__}"]),
    (["hash-password"], ["at least 12 characters"]),
]


def fill(parts: list[str], place: dict[str, Path]) -> list[str]:
    return [part.format(**{k: str(v) for k, v in place.items()}) if "{" in part and "}" in part and
            not part.startswith("{x") else part for part in parts]


@pytest.mark.parametrize("args,words", HOSTILE, ids=[" ".join(a)[:70] for a, _w in HOSTILE])
def test_a_hostile_argument_gets_one_line_naming_it(env, args, words):
    code, out, err = run_main(*fill(args, env), stdin="short\n")
    line = one_error_line(code, err)
    for word in fill(words, env):
        assert word in line, (word, line)
    assert out == ""


def test_nothing_was_written_by_refused_commands(env):
    """The refusals above left the files as they were: a text file given as --db or --ledger is not
    replaced, no ledger entry was recorded, no briefing or export was written."""
    assert env["text"].read_text() == "minutes of the March meeting\n"
    folder = env["folder"]
    assert not (folder / "b.pdf").exists() and not (folder / "demo.duckdb").exists()
    assert not (folder / "missing").exists() and not (folder / "new.duckdb").exists()  # no folder made
    code, out, err = run_main("ledger", "list", "--format", "json")
    assert code == 0 and out.strip() == "[]", err


def test_valid_values_still_work_and_are_checked_against_the_warehouse(env):
    code, out, err = run_main("ledger", "add", *ADD, "--district", "2", "--neighborhood", "P", "--attendees", "12")
    assert code == 0 and out.strip().startswith("L"), err
    code, out, _err = run_main("districts", "--db", str(env["db"]), *PERIOD, "--offense-group", "category:property")
    assert code == 0 and out.splitlines()[0].startswith('"area_id"')


def test_ledger_add_without_a_warehouse_says_ids_are_not_checked(env, monkeypatch, tmp_path):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "none.duckdb"))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(tmp_path / "ledger.sqlite"))
    code, out, err = run_main("ledger", "add", *ADD, "--district", "999")
    assert code == 0 and out.strip().startswith("L")
    assert err.strip() == (f"note: there is no warehouse at {tmp_path / 'none.duckdb'}, so district and "
                           "neighborhood ids are not checked; give --db to check them")


def test_an_unexpected_error_is_one_line_with_a_log_file(env, monkeypatch, tmp_path):
    """The last-resort net: a bug (here a library function that fails) is one line saying so and where the
    details are, and the traceback is in that file, not on the terminal."""
    def broken(store, raw):
        raise KeyError("no such column: offense_group")

    monkeypatch.setattr(metrics, "resolve_offense", broken)
    code, out, err = run_main("districts", "--db", str(env["db"]), *PERIOD)
    assert code == cli.INTERNAL_ERROR_EXIT and out == "" and "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line.startswith("error: internal error: KeyError: 'no such column: offense_group' — please report it;")
    log = Path(line.rsplit("the details are in ", 1)[1])
    assert log.parent == tmp_path / "common-ground" and log.stat().st_mode & 0o077 == 0
    details = log.read_text()
    assert "Traceback" in details and "in broken" in details and "districts --db" in details


# --- real processes: nothing escapes to the terminal ------------------------------------------------------


def test_in_a_real_process_a_bad_output_folder_and_a_huge_number_get_one_line(env):
    environment = {DB_ENV_VAR: str(env["db"]), LEDGER_ENV_VAR: str(env["ledger"])}
    cases = [
        (["briefing", "--db", str(env["db"]), *PERIOD, "--out", str(env["folder"] / "missing" / "b.pdf")], "--out"),
        (["ledger", "add", *ADD, "--district", "1", "--attendees", "1e23"], "--attendees '1e23'"),
    ]
    for args, word in cases:
        done = run_process(*args, env=environment)
        assert word in one_error_line(done.returncode, done.stderr)


def test_in_a_real_process_an_unexpected_error_is_one_line(env, tmp_path):
    script = ("import sys\nfrom community_policing import cli\nfrom community_policing.views import metrics\n"
              "def broken(store, raw):\n    raise RuntimeError('simulated bug')\n"
              "metrics.resolve_offense = broken\n"
              f"sys.exit(cli.main(['districts', '--db', {str(env['db'])!r}, *{list(PERIOD)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          env={**os.environ, "TMPDIR": str(tmp_path)}, timeout=300)
    assert done.returncode == cli.INTERNAL_ERROR_EXIT and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "internal error: RuntimeError: simulated bug — please report it" in line
    assert str(tmp_path / "common-ground") in line


def test_a_closed_pipe_ends_quietly(env):
    """``... | head -1``: the reader leaves before the output is written; no "Exception ignored" message."""
    proc = subprocess.Popen([sys.executable, "-m", "community_policing", "districts", "--db", str(env["db"]),
                             *PERIOD, "--level", "neighborhood"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=PROJECT_ROOT)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def _sleeping(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "S"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see the process wait")
def test_ctrl_c_exits_130_quietly(env):
    """Ctrl-C while the command waits (hash-password reading its password) ends with 130 and no traceback."""
    script = ("import sys\nfrom community_policing import cli\nprint('ready', file=sys.stderr, flush=True)\n"
              "sys.exit(cli.main(['hash-password']))\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=PROJECT_ROOT)
    assert proc.stderr.readline() == b"ready\n"
    deadline = time.monotonic() + 60
    while not _sleeping(proc.pid):  # blocked on reading stdin: inside cli.main
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    proc.stdin.close()
    assert proc.returncode == cli.INTERRUPTED_EXIT and err == b""
