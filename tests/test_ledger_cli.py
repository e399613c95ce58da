"""`python -m community_policing ledger add|list|export` for scripted entry and export."""

import io
import subprocess
import sys

import pandas as pd


def run(*args):
    return subprocess.run([sys.executable, "-m", "community_policing", "ledger", *args], capture_output=True, text=True)


def test_add_list_export_and_a_bad_entry(tmp_path):
    book = str(tmp_path / "ledger.sqlite")
    added = run("--ledger", book, "add", "--user", "ana", "--date", "2026-10-03", "--district", "2",
                "--type", "community_meeting", "--title", "Block meeting", "--attendees", "14")
    assert added.returncode == 0, added.stderr
    entry_id = added.stdout.strip()
    bad = run("--ledger", book, "add", "--user", "ana", "--date", "2026-13-03", "--district", "2",
              "--type", "bingo", "--title", "x")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "type: expected one of community_meeting" in bad.stderr and "date:" in bad.stderr
    listed = pd.read_csv(io.StringIO(run("--ledger", book, "list").stdout), dtype={"district_id": str})
    assert list(listed["id"]) == [entry_id] and listed.loc[0, "attendees"] == 14
    out = tmp_path / "export.csv"
    exported = run("--ledger", book, "export", str(out))
    assert exported.returncode == 0 and "wrote 1 activities" in exported.stderr
    assert list(pd.read_csv(out)["title"]) == ["Block meeting"]
