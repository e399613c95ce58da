"""How long a big ledger upload takes: N activity rows through the template path (read, check, record).

    .venv/bin/python benchmarks/ledger_bulk.py [ROWS]   (default 100000)

Prints the seconds spent reading, checking + recording, and the rows recorded. The target is 100,000
rows in under 30 s (issue 15); before, rows were recorded one transaction each (40-91 s per 1,000).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from community_policing import exports  # noqa: E402
from community_policing.ledger import bulk as ledger_bulk
from community_policing.ledger.book import Ledger  # noqa: E402


def template_rows(n: int, seed: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    return pd.DataFrame({
        "date": days.strftime("%Y-%m-%d"), "start_time": "18:30", "district_id": rng.integers(1, 7, n).astype(str),
        "neighborhood_id": "", "type": "community_meeting", "title": [f"Meeting {i}" for i in range(n)],
        "place": "Library", "lon": "", "lat": "", "attendees": rng.integers(0, 200, n).astype(str),
        "officers": rng.integers(0, 5, n).astype(str), "officer_hours": "2.5", "partners": "", "cost": "0",
        "notes": "",
    })


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = exports.csv_bytes(template_rows(rows))
        book = Ledger(Path(folder) / "bench.ledger.sqlite", city="Benchmark City")
        t0 = time.perf_counter()
        frame = ledger_bulk.read_upload("activities.csv", data)
        t1 = time.perf_counter()
        result = ledger_bulk.load_rows(book, frame, "bench", valid_district_ids={str(i) for i in range(1, 7)})
        t2 = time.perf_counter()
        audit_rows = len(book.audit())
    print(f"{rows} rows: read {t1 - t0:.1f} s, checked and recorded {t2 - t1:.1f} s, total {t2 - t0:.1f} s; "
          f"{len(result.recorded)} recorded, {result.rejects['line'].nunique()} rejected, {audit_rows} audit rows")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
