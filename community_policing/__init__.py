"""Common Ground: community engagement beside crime change and resident trust.

The library behind the dashboard, in layers that import only downward (README, "How the code is laid out"):
pages/ -> web / briefing -> ledger / figures -> views -> stats -> data -> queries/*.sql, with ``i18n``,
``settings``, ``exports`` and ``accessibility`` here at the ground floor. Only the ``web`` package imports
Streamlit (tests/test_architecture.py checks both).
"""

import os

# One BLAS thread, set before numpy loads (OpenBLAS reads these once, when numpy first imports it).
# OpenBLAS otherwise starts a thread per core; on a small shared server those threads fight each other
# and the statsmodels fits behind Program evaluation run 10-30x slower (about 15 s instead of 0.5 s).
# The dashboard and the CLI import this package before numpy (``import streamlit`` does not load numpy).
# setdefault: a deployment that sets its own thread counts keeps them.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
del _variable

__version__ = "0.1.0"
