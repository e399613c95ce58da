"""Issue 16, first use is fast: numpy's BLAS runs one thread in the app, the CLI and `make run` (OpenBLAS's
thread per core fought over two cores and made Program evaluation 15-20 s instead of about 0.5 s), and the
Program evaluation page fits each program once per count-by, reusing the fits for its table and when the
reader switches programs. No timings here: benchmarks/page_speed.py measures them in Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from community_policing.stats import did
from community_policing.views import evaluation
from community_policing.data.store import DB_ENV_VAR, Store

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# What the process ends up with: the variables, and the thread count numpy's own OpenBLAS reports (numpy
# wheels bundle scipy-openblas; threadpoolctl is not installed, so ask the library through ctypes).
REPORT = """
import ctypes, json, os
import numpy
def blas_threads():
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" in path and path.endswith(".so"):
            lib = ctypes.CDLL(path)
            for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                         "openblas_get_num_threads"):
                if hasattr(lib, name):
                    return getattr(lib, name)()
    return None
print(json.dumps({"env": {k: os.environ.get(k) for k in %r}, "threads": blas_threads()}))
""" % (THREAD_VARIABLES,)


def _run(entry: str, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    out = subprocess.run([sys.executable, "-c", entry + "\n" + REPORT], cwd=ROOT, env={**clean, **env},
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# The dashboard's own first lines (dashboard.py: streamlit, then the package), and the CLI's entry module.
APP_ENTRY = "import streamlit as st\nfrom community_policing.web import cached"
CLI_ENTRY = "import community_policing.cli"


@pytest.mark.parametrize("entry", [APP_ENTRY, CLI_ENTRY], ids=["app", "cli"])
def test_blas_runs_one_thread_in_the_app_and_the_cli(entry):
    report = _run(entry)
    assert report["env"] == {k: "1" for k in THREAD_VARIABLES}
    if report["threads"] is not None:  # numpy built against another BLAS: the variables are what it reads
        assert report["threads"] == 1


def test_a_deployment_keeps_its_own_thread_count():
    report = _run(APP_ENTRY, OPENBLAS_NUM_THREADS="2")
    assert report["env"]["OPENBLAS_NUM_THREADS"] == "2" and report["env"]["OMP_NUM_THREADS"] == "1"


def test_streamlit_does_not_load_numpy_before_the_package_pins_it():
    out = subprocess.run([sys.executable, "-c", "import sys, streamlit, streamlit.web.bootstrap; "
                          "print('numpy' in sys.modules)"], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
    first = [line for line in (ROOT / "dashboard.py").read_text().splitlines()
             if line.startswith(("import ", "from "))]
    others = [line for line in first if "streamlit" not in line.split()[1]]  # streamlit itself loads no numpy
    assert others[0].startswith(("from community_policing", "import community_policing")), others[0]


def test_make_run_starts_the_app_with_one_blas_thread():
    clean = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    out = subprocess.run(["make", "-n", "run", "PYTHON=" + sys.executable], cwd=ROOT, env=clean,
                         capture_output=True, text=True, timeout=60)
    command = next(line for line in out.stdout.splitlines() if "streamlit run" in line or "MKL_NUM_THREADS" in line)
    start = out.stdout.index("COMMON_GROUND_DB=")
    launch = out.stdout[start:out.stdout.index("dashboard.py", start)]
    assert command and all(f"{k}=1" in launch for k in THREAD_VARIABLES), launch


def test_programs_page_fits_each_program_once_per_count_by(demo_db, monkeypatch):
    with Store(demo_db) as store:
        names = evaluation.program_names(store)
        expected = evaluation.evaluate(store, date_basis="occurred")
    fits = []
    real = did.program_results

    def counting(tables, name, **options):
        fits.append((name, options.get("date_basis")))
        return real(tables, name, **options)

    monkeypatch.setattr(did, "program_results", counting)
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    st.cache_data.clear()  # other tests may have fitted these programs in this process
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page(str(ROOT / "pages" / "programs.py")).run()
    assert not at.exception, at.exception
    # First visit: only the program shown is fitted; "Every program" is closed and fits nothing.
    assert fits == [(names[0], "occurred")]
    assert not any("p_value" in d.value.columns for d in at.dataframe)
    at.session_state["every_program__open"] = True  # the reader opens "Every program"
    at.run()
    assert not at.exception, at.exception
    # Each program fitted once (the one shown is not fitted again for the table).
    assert sorted(fits) == sorted((n, "occurred") for n in names)
    table = next(d.value for d in at.dataframe if "p_value" in d.value.columns)
    assert list(table["program"]) == list(expected["program"])
    assert table["estimate"].round(6).tolist() == expected["estimate"].round(6).tolist()  # = the CLI's numbers
    shown_first = [m.value for m in at.metric][:1]

    fits.clear()
    at.selectbox(key="program").select(names[1]).run()  # another program: its fit is already made
    assert not at.exception and fits == []
    assert [m.value for m in at.metric][:1] != shown_first or len(names) == 1
    at.toggle(key="cost_by_harm").set_value(True).run()  # a view change, not a new fit
    assert not at.exception and fits == []
    at.radio(key="program_basis").set_value("reported").run()  # count-by changes the data: a fit per program
    assert not at.exception and sorted(fits) == sorted((n, "reported") for n in names)
