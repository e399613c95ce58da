"""Issue 15: a seeded fuzz of the importer, through the loader a user runs (``loader.read_city``, what
``check`` and ``load`` read with).

240 mutated files (a small SLMPD monthly file and a generic CSV, each mutated with stray quotes, cut
lines, extra or missing delimiters, NUL bytes, invalid UTF-8, byte-order marks, mixed line endings,
huge fields, empty files, header-only files, repeated header lines, blank lines, gzip and damaged gzip)
are read in batches on one tiny manifest. For every file, either the load stops with one clean line
naming the file (SourceFileError or ManifestError, no traceback), or

* the file's rows read = loaded + merged + rejected, and
* no line is swallowed: every non-blank line after the header belongs to exactly one record as the
  reader splits the file, rows read is that number of records, and every record's first line is a
  loaded row or a reject line.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from community_policing.data import loader
from community_policing.data.importers import slmpd, tabular
from community_policing.data.importers.errors import ManifestError, SourceFileError
from tests.test_import_faults import GENERIC_HEADER, SLMPD_HEADER, generic_row, slmpd_row, write_city

SEED = 15
FILES_PER_KIND = 120
BATCH = 60


def _mutate(rng: random.Random, lines: list[str]) -> tuple[bytes, str]:
    """One mutated file (bytes) and what was done to it."""
    lines = list(lines)
    kinds = rng.sample(["quote", "cut", "extra_delim", "missing_delim", "nul", "bad_utf8", "bom", "crlf_mix",
                        "huge", "dup_header", "blank", "lone_cr", "quote_pair"], k=rng.randint(1, 3))
    special = rng.random()
    if special < 0.03:
        return b"", "empty"
    if special < 0.06:
        return (lines[0] + "\r\n").encode(), "header only"
    for kind in kinds:
        i = rng.randrange(1, len(lines))
        line = lines[i]
        cut = rng.randrange(len(line) + 1)
        if kind == "quote":
            comma = [k + 1 for k, ch in enumerate(line) if ch == ","]
            at = rng.choice(comma + [cut])
            lines[i] = line[:at] + '"' + line[at:]
        elif kind == "quote_pair":
            j = min(len(lines) - 1, i + rng.randint(1, 4))
            lines[i] = line + ',"'
            lines[j] = '"' + lines[j]
        elif kind == "cut":
            lines[i] = line[:cut]
        elif kind == "extra_delim":
            lines[i] = line[:cut] + "," + line[cut:]
        elif kind == "missing_delim":
            lines[i] = line.replace(",", "", 1)
        elif kind == "nul":
            lines[i] = line[:cut] + "\x00" + line[cut:]
        elif kind == "bad_utf8":
            lines[i] = line[:cut] + "\udcff\udcfe" + line[cut:]  # written as raw bytes 0xFF 0xFE below
        elif kind == "huge":
            lines[i] = line[:cut] + "X" * 200_000 + line[cut:]
        elif kind == "dup_header":
            lines.insert(i, lines[0])
        elif kind == "blank":
            lines.insert(i, rng.choice(["", "   ", "\t"]))
        elif kind == "lone_cr":
            lines[i] = line[:cut] + "\r" + line[cut:]
    endings = ["\r\n"] * len(lines)
    if "crlf_mix" in kinds:
        endings = [rng.choice(["\r\n", "\n"]) for _ in lines]
    text = "".join(line + end for line, end in zip(lines, endings))
    data = text.encode("utf-8", errors="surrogateescape")
    if "bom" in kinds:
        data = b"\xef\xbb\xbf" + data
    return data, "+".join(kinds)


def _fuzz_files(folder: Path) -> dict[str, str]:
    rng = random.Random(SEED)
    base = {"slmpd": [SLMPD_HEADER] + [slmpd_row(i) for i in range(1, 31)],
            "generic": [GENERIC_HEADER] + [generic_row(i) for i in range(1, 31)]}
    made = {}
    for kind, lines in base.items():
        for n in range(FILES_PER_KIND):
            data, what = _mutate(rng, lines)
            suffix = ".csv"
            if rng.random() < 0.08:
                data, suffix = gzip.compress(data), ".csv.gz"
                if rng.random() < 0.3:
                    data, what = data[: len(data) // 2], what + "+damaged gzip"
            name = f"{kind}_fz{n:03d}{suffix}" if kind == "generic" else f"slmpd_2015-03-fz{n:03d}{suffix}"
            (folder / name).write_bytes(data)
            made[name] = what
    return made


def _records(path: Path) -> list[tuple[int, int]]:
    """(first line, last line) of every data record as the readers split the file."""
    raw = tabular.read_source_bytes(path)
    text, _ = tabular.decode_text(raw, path, None)
    if path.name.startswith("slmpd"):
        lines = slmpd.physical_lines(text)
        numbers = [k + 1 for k, line in enumerate(lines) if not slmpd.is_blank(line)]
        return [(k, k) for k in numbers[1:]]
    records = tabular.read_csv_records(text)
    return [(r.line, r.end) for r in records[1:]]


def test_fuzzed_files_load_or_fail_cleanly_and_lose_no_line(tmp_path):
    src, pool = tmp_path / "src", tmp_path / "pool"
    manifest = write_city(src)
    pool.mkdir()
    made = _fuzz_files(pool)
    assert len(made) >= 200
    names = sorted(made)
    errors, checked = {}, 0
    for start in range(0, len(names), BATCH):  # one read per batch keeps the fuzz fast
        batch = names[start:start + BATCH]
        for old in names[:start]:
            (src / old).unlink(missing_ok=True)
        for name in batch:
            (pool / name).rename(src / name)
        while True:
            try:
                city = loader.read_city(manifest, src)
                break
            except (SourceFileError, ManifestError) as exc:
                message = str(exc)
                culprit = next((n for n in batch if f"{n}:" in message and (src / n).exists()), None)
                assert culprit is not None, f"error names no fuzzed file: {message}"
                assert "\n" not in message and "Traceback" not in message, message
                errors[culprit] = message
                (src / culprit).rename(pool / culprit)
        rejects = city.log.all_rejects()
        incidents = city.tables["incidents"]
        for name in batch:
            if name in errors:
                continue
            entry = next(f for f in city.log.files if f["file"] == name)
            if entry["note"].startswith("same bytes"):  # an identical mutation: counted once, said so
                checked += 1
                continue
            assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_merged"] + entry["rows_rejected"], name
            records = _records(src / name)
            lines = [k for first, last in records for k in range(first, last + 1)]
            assert len(lines) == len(set(lines)), f"{name} ({made[name]}): a line in two records"
            assert entry["rows_read"] == len(records), f"{name} ({made[name]}): {entry}, {len(records)} records"
            loaded = set(incidents.loc[incidents["_file"] == name, "_line"])
            rejected = set(rejects.loc[rejects["file"] == name, "line"])
            missing = {first for first, _ in records} - loaded - rejected
            assert len(missing) <= entry["rows_merged"], f"{name} ({made[name]}): lines {sorted(missing)} lost"
            checked += 1
    assert checked + len(errors) == len(made)
    assert checked >= 150  # most mutated files load; the rest fail with their one line
    # The failures are the ones a person can act on: an empty file, a damaged gzip, an unreadable header.
    for name, message in errors.items():
        assert any(word in message for word in ("empty", "gzip", "header", "missing column", "columns")), message


@pytest.mark.parametrize("text", ['a,b\n1,"2\n3,4\n', 'a,b\n"1,2\n"3,4\n5,6\n', 'a,b\n1,2\n3,"4'])
def test_every_line_of_a_broken_csv_is_in_exactly_one_record(text):
    records = tabular.read_csv_records(text)
    covered = [k for r in records for k in range(r.line, r.end + 1)]
    assert covered == [k for k in range(1, text.count("\n") + 2) if k <= len(text.splitlines())]
