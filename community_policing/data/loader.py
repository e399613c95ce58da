"""Load a real city into the warehouse from its published files, described by a manifest.

``python -m community_policing load data/cities/st_louis/city.toml --source-dir DIR [--db PATH]``

The manifest (TOML) names the boundary layers, the population table, every source of
incidents, engagement, training, surveys and programs, with their column mappings, and
optionally a list of neighborhood organizations with their meeting schedules. Paths in it are
relative to the source folder.

Nothing is lost: each file's rows are either loaded or kept in ``rejects`` with file, line,
column and reason (rows read = loaded + rejected, per file, recorded in ``load_files``). The
warehouse is rebuilt as a new file and swapped in only when the whole load has succeeded, so a
failed load leaves the database exactly as it was, and loading the same files again gives the
same database (a file whose bytes were already read in the run is not read twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from community_policing.data import manifest_keys, schema, store
from community_policing.i18n import N_
from community_policing.data.offenses import offense_groups_table
from community_policing.data.importers import boundaries, tabular
from community_policing.data.importers.errors import ManifestError, SourceFileError

GENERIC_TABLES = ("engagement_events", "training", "trust_surveys", "programs")
ORGANIZATIONS = "neighborhood_organizations"
# [organizations] manifest key naming the source field of each warehouse column.
ORGANIZATION_FIELDS = {"org_id": "id_field", "name": "name_field", "neighborhood_id": "neighborhood_field",
                       "org_type": "type_field", "active": "active_field", "meeting_schedule": "schedule_field",
                       "meeting_place": "place_field"}
# How sources say whether an organization is active, onto the schema's yes / no / unknown.
_ACTIVE_WORDS = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes", "active": "yes",
                 "no": "no", "n": "no", "false": "no", "0": "no", "inactive": "no", "unknown": "unknown"}
# [organizations] neighborhood_by: the neighborhood_field as published (the default), or the loaded
# neighborhood covering the largest share of the organization's polygon.
NEIGHBORHOOD_BY = ("neighborhood_field", "largest_overlap")
# Overlap pieces below this share of an organization's polygon are digitising slivers, not overlap
# (the same threshold as the neighborhood-to-district crosswalk).
MIN_OVERLAP_SHARE = 0.001
ASSIGNMENT_METHODS = ("district_code", "source_district", "coordinates", "neighborhood", "unassigned")
# [[series_breaks]] keys, onto the series_breaks table's columns (see series_breaks and schema.yaml).
SERIES_BREAK_KEYS = {"date": "day", "label": "label", "kind": "kind", "scope": "scope", "district": "district_id",
                     "offense_group": "offense_group", "description": "description", "source": "source",
                     "label_es": "label_es", "description_es": "description_es"}  # *_es: the Spanish interface's
SERIES_BREAK_DEFAULTS = {"kind": "other", "scope": "all"}

# "How to read these numbers": how a load treats a record that arrives twice, and what a rejected
# line keeps (pages/methodology.py shows it).
LOAD_FAULTS_METHOD = N_(
    "**Records that arrive twice are counted once.** A source folder can hold the same month twice: the same "
    "file under two names, or a month the department published again with the same records. A record read "
    "again from another file, with the same content in every field (for St. Louis: the same complaint number, "
    "the same coded month, date, crime code, count, district, neighborhood and coordinates), is counted once; "
    "the copy is kept among the rejected rows as a duplicate, naming the file and line of the copy that counts, "
    "and the load summary says how many records each file repeats. Corrections are not repeats: when the "
    "police department codes a complaint again in a later month (a -1 row, often with a new +1 row), the coded "
    "month differs, so both rows are kept and the correction is shown beside the counts, never subtracted "
    "twice. A record written twice inside one file is the file's own and is left as written.\n\n"
    "**Every rejected line keeps its text.** Each rejected row keeps the line as the file wrote it, so staff "
    "can see what was wrong without opening the file. When one rejected record runs over several lines of the "
    "file (usually a stray quotation mark), the load says so with a warning naming the lines, because the rows "
    "on those lines were not read on their own.")


# --- Manifest --------------------------------------------------------------------------------


@dataclass
class Manifest:
    path: Path
    name: str
    source: str
    districts: dict
    neighborhoods: dict | None
    population: dict | None
    incidents: list[dict]
    tables: dict[str, list[dict]]
    organizations: dict | None = None
    series_breaks: list[dict] = field(default_factory=list)
    outlines: list[dict] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        if not path.exists():
            raise ManifestError(f"{path}: manifest not found")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ManifestError(f"{path}: not valid TOML ({exc})") from None
        known = {"name", "source", "districts", "neighborhoods", "population", "incidents", "organizations",
                 "series_breaks", "outlines", *GENERIC_TABLES}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ManifestError(f"{path}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}")
        _check_types(path, raw)
        for key in ("name", "districts"):
            if key not in raw:
                raise ManifestError(f"{path}: missing required key {key!r}")
        for layer in ("districts", "neighborhoods"):
            if layer in raw:
                for key in ("file", "id_field"):
                    if key not in raw[layer]:
                        raise ManifestError(f"{path}: [{layer}] needs {key!r}")
        for section, value in raw.items():  # every key of every section is one the loader reads
            name = f"[[{section}]]" if isinstance(value, list) else f"[{section}]"
            if name not in manifest_keys.SECTIONS or section == "series_breaks":
                continue
            for number, entry in enumerate(value if isinstance(value, list) else [value], start=1):
                if isinstance(entry, dict):
                    where = f"{path}: {name}" + (f" entry {number}" if isinstance(value, list) else "")
                    _check_keys(entry, manifest_keys.keys(name), where)
                    if isinstance(entry.get("columns"), dict) and name in manifest_keys.COLUMN_TARGETS:
                        _check_keys(entry["columns"], tuple(manifest_keys.mapping_targets(name)),
                                    f"{where} [{section}.columns]")
        orgs = raw.get("organizations")
        if orgs is not None:
            if not isinstance(orgs, dict):
                raise ManifestError(f"{path}: [organizations] must be one table (a single [organizations] section)")
            for key in ("id_field", "name_field"):
                if key not in orgs:
                    raise ManifestError(f"{path}: [organizations] needs {key!r}")
            if "file" not in orgs and "files" not in orgs:
                raise ManifestError(f"{path}: [organizations] needs 'file'")
            allowed = {"file", "files", *tabular.READ_KEYS, "neighborhood_by", *ORGANIZATION_FIELDS.values()}
            extra = sorted(set(orgs) - allowed)
            if extra:
                raise ManifestError(f"{path}: [organizations] unknown key(s) {', '.join(extra)}; "
                                    f"expected {', '.join(sorted(allowed))}")
            if orgs.get("neighborhood_by", NEIGHBORHOOD_BY[0]) not in NEIGHBORHOOD_BY:
                raise ManifestError(f"{path}: [organizations] neighborhood_by must be "
                                    f"{' or '.join(repr(v) for v in NEIGHBORHOOD_BY)}, not {orgs['neighborhood_by']!r}")
        return cls(
            path=path,
            name=raw["name"],
            source=raw.get("source", ""),
            districts=raw["districts"],
            neighborhoods=raw.get("neighborhoods"),
            population=raw.get("population"),
            incidents=raw.get("incidents", []),
            tables={t: raw.get(t, []) for t in GENERIC_TABLES},
            organizations=raw.get("organizations"),
            series_breaks=_series_break_entries(path, raw.get("series_breaks", [])),
            outlines=_outline_entries(path, raw.get("outlines", [])),
        )


def _outline_entries(path: Path, entries) -> list[dict]:
    """The ``[[outlines]]`` entries, each with a file and a known kind (city, water, road, other)."""
    from community_policing.data.shapes import CONTEXT_KINDS

    if not isinstance(entries, list):
        raise ManifestError(f"{path}: [[outlines]] must be a list of tables (write [[outlines]], not [outlines])")
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: [[outlines]] entry {number}"
        if "file" not in entry:
            raise ManifestError(f"{where} needs 'file'")
        if entry.get("kind", "other") not in CONTEXT_KINDS:
            raise ManifestError(f"{where}: kind must be one of {', '.join(CONTEXT_KINDS)}, not {entry['kind']!r}")
    return entries


_KIND_WORDS = {
    "text": "text in quotes", "texts": 'a list of texts (["a", "b"])', "bool": "true or false",
    "id": "text or a whole number", "year": "a year (a whole number)", "date": "a date (YYYY-MM-DD or YYYY-MM)",
    "template": "text whose only field is {id} (\"District {id}\")",
    "names": 'a table of name = "text"', "constants": "a table of name = value (text, a number or true/false)",
    "keep_rows": "{ present = [...], absent = [...] } (lists of column names)", "table": "a table",
}


def _described(value) -> str:
    """A manifest value as the reader wrote it, for error messages (short)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}" if len(str(value)) <= 24 else f"a number of {len(str(value))} digits"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _template_ok(value) -> bool:
    """A name_template holds only the documented fields, with no conversion or format spec."""
    import string

    if not isinstance(value, str):
        return False
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError:  # an unmatched brace
        return False
    return all(name is None or (name in manifest_keys.TEMPLATE_FIELDS and not spec and conv is None)
               for _, name, spec, conv in parts)


def _kind_ok(kind: str, value) -> bool:
    is_text = isinstance(value, str)
    is_number = isinstance(value, int) and not isinstance(value, bool)
    if kind in ("text", "year"):  # a year is checked for its range by the caller
        return is_text if kind == "text" else (is_number or (is_text and value.strip().isdigit()))
    if kind == "texts":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "id":
        return is_text or is_number
    if kind == "date":
        return is_text or isinstance(value, dt.date)
    if kind == "template":
        return _template_ok(value)
    if kind == "names":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == "constants":
        return isinstance(value, dict) and all(isinstance(v, (str, int, float, bool, dt.date)) for v in value.values())
    if kind == "keep_rows":
        return (isinstance(value, dict) and set(value) <= {"present", "absent"}
                and all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()))
    return isinstance(value, dict)  # "table"


def _check_path(where: str, key: str, value: str) -> None:
    """A file or glob of the manifest names something inside --source-dir: relative, with no '..'
    part and no NUL (the files it matches are checked again once resolved: ``_source_paths``)."""
    parts = Path(value).parts
    if not value.strip() or "\0" in value or Path(value).is_absolute() or value.startswith(("~", "\\", "/")) \
            or ".." in parts or ".." in value.replace("\\", "/").split("/"):
        raise ManifestError(f"{where} {key}: {_described(value)} must be a path inside the source folder "
                            "(relative to --source-dir, no absolute path, no '..')")


def _check_types(path: Path, raw: dict) -> None:
    """Every section has its shape (a table, or an array of tables) and every known key the kind
    of value manifest_keys.KINDS gives it; paths stay inside the source folder; a population year
    is a year. Unknown keys are reported by the key check that follows."""
    for key, kind in manifest_keys.KINDS["(top level)"].items():
        if key in raw and not _kind_ok(kind, raw[key]):
            raise ManifestError(f"{path}: {key}: expected {_KIND_WORDS[kind]}, not {_described(raw[key])}")
    for section, value in raw.items():
        if section in manifest_keys.KINDS["(top level)"]:
            continue
        many = f"[[{section}]]" in manifest_keys.SECTIONS
        name = f"[[{section}]]" if many else f"[{section}]"
        if many:
            if isinstance(value, dict):
                raise ManifestError(f"{path}: {section} must be an array of tables, written {name} (one per "
                                    f"source), not a single [{section}] table")
            if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
                raise ManifestError(f"{path}: {section} must be an array of tables, written {name}, not "
                                    f"{_described(value)}")
            entries = list(enumerate(value, start=1))
        else:
            if not isinstance(value, dict):
                what = "an array of tables" if isinstance(value, list) else _described(value)
                raise ManifestError(f"{path}: {section} must be one table, written {name}, not {what}")
            entries = [(None, value)]
        kinds = manifest_keys.KINDS[name]
        for number, entry in entries:
            where = f"{path}: {name}" + (f" entry {number}" if number is not None else "")
            for key, kind in kinds.items():
                if key not in entry:
                    continue
                got = entry[key]
                if not _kind_ok(kind, got):
                    if kind in ("names", "constants", "keep_rows") and isinstance(got, dict):
                        # name the inner key at fault: "columns.lon", not just "columns"
                        inner = "texts" if kind == "keep_rows" else "text" if kind == "names" else "constant"
                        for sub, v in got.items():
                            if kind == "keep_rows" and sub not in ("present", "absent"):
                                raise ManifestError(f"{where} {key}: unknown key {sub!r}; expected present, absent")
                            if not (_kind_ok(inner, v) if inner != "constant" else
                                    isinstance(v, (str, int, float, bool, dt.date))):
                                words = _KIND_WORDS.get(inner, "text, a number or true/false")
                                raise ManifestError(f"{where} {key}.{sub}: expected {words}, not {_described(v)}")
                    raise ManifestError(f"{where} {key}: expected {_KIND_WORDS[kind]}, not {_described(got)}")
                if key in ("file", "files") and section != "series_breaks":
                    _check_path(where, key, got)
                if kind == "year":
                    low, high = manifest_keys.year_range()
                    if not low <= int(got) <= high:
                        raise ManifestError(f"{where} {key}: expected a year from {low} to {high}, not "
                                            f"{_described(got)}")
                    entry[key] = int(got)


def _series_break_entries(path: Path, entries) -> list[dict]:
    """The [[series_breaks]] entries, checked for their shape: each a table with a date (YYYY-MM,
    YYYY-MM-DD or a TOML date), a label and a description, and no unknown key. Values are checked
    against the schema (and the district layer) when the city is loaded (``_read_series_breaks``)."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ManifestError(f"{path}: series_breaks must be a list of [[series_breaks]] tables")
    out = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: [[series_breaks]] entry {number}" + (f" ({entry['label']!r})" if entry.get("label") else "")
        extra = sorted(set(entry) - set(SERIES_BREAK_KEYS))
        if extra:
            raise ManifestError(f"{where}: unknown key(s) {', '.join(extra)}; expected {', '.join(SERIES_BREAK_KEYS)}")
        for key in ("date", "label", "description"):
            if entry.get(key) in (None, ""):
                raise ManifestError(f"{where}: needs {key!r}")
        out.append({**SERIES_BREAK_DEFAULTS, **entry, "date": _break_day(where, entry["date"])})
    return out


def _break_day(where: str, value) -> dt.date:
    """A break's first day from a TOML date, "YYYY-MM-DD" or "YYYY-MM" (the first of that month)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ManifestError(f"{where}: date {value!r} is not a date; expected YYYY-MM-DD or YYYY-MM "
                        "(the first day counted the new way)")


# --- Bookkeeping ------------------------------------------------------------------------------


@dataclass
class LoadLog:
    """Per-file accounting and rejected rows, collected while reading."""

    batch_id: str
    source_dir: Path
    files: list[dict] = field(default_factory=list)
    rejects: list[pd.DataFrame] = field(default_factory=list)
    seen_hashes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # load-wide facts for the summary and the data note
    warnings: list[str] = field(default_factory=list)  # said loudly: the summary, the CLI, the data note
    # (table, file) -> the raw text of given line numbers, as the reader kept it: every reject of
    # that file, whatever step rejects it, carries its line's text (rejects.raw).
    raw_sources: dict[tuple[str, str], Callable] = field(default_factory=dict)

    def keep_raw_text(self, table_name: str, file: str, lookup: Callable | None) -> None:
        if lookup is not None:
            self.raw_sources[(table_name, file)] = lookup

    def relative(self, path: Path) -> str:
        """The path as the manifest sees it: relative to the source folder, without following
        symlinks (a source folder of links to files kept elsewhere still names them by their links)."""
        for base in (self.source_dir, self.source_dir.absolute()):
            try:
                return path.relative_to(base).as_posix()
            except ValueError:
                continue
        try:
            return path.resolve().relative_to(self.source_dir.resolve()).as_posix()
        except ValueError:
            return str(path)

    def add_file(self, table_name: str, path: Path, digest: str, rows_read: int, began: float, note: str) -> dict:
        entry = dict(table_name=table_name, file=self.relative(path), sha256=digest, rows_read=int(rows_read),
                     rows_loaded=0, rows_merged=0, rows_rejected=0, seconds=round(time.perf_counter() - began, 3),
                     note=note)
        self.files.append(entry)
        return entry

    def already_read(self, path: Path, table_name: str) -> tuple[str, bool]:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        key = f"{table_name}:{digest}"
        if key in self.seen_hashes:
            self.files.append(dict(table_name=table_name, file=self.relative(path), sha256=digest, rows_read=0,
                                   rows_loaded=0, rows_merged=0, rows_rejected=0, seconds=0.0,
                                   note=f"same bytes as {self.seen_hashes[key]}; not read again"))
            return digest, True
        self.seen_hashes[key] = self.relative(path)
        return digest, False

    def reject(self, table_name: str, file: str, lines, columns, values, reasons, kind: str, raw=None) -> None:
        """Record rejected lines. ``raw``: each line's text as the file wrote it, where the reader
        kept it (a problem row); None where it did not (a row read whole but with a bad value)."""
        n = len(lines)
        if n == 0:
            return
        if raw is None:
            lookup = self.raw_sources.get((table_name, file))
            raw = lookup(list(lines)) if lookup is not None else [None] * n
        else:  # keep None for unknown text; never the string "None" or "nan"
            raw = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in raw]
        self.rejects.append(pd.DataFrame({
            "table_name": table_name, "file": file, "line": np.asarray(lines, dtype="int64"),
            "column": list(columns) if not isinstance(columns, str) else [columns] * n,
            "value": list(values) if not isinstance(values, str) else [values] * n,
            "reason": list(reasons) if not isinstance(reasons, str) else [reasons] * n,
            "raw": pd.Series(raw, dtype=object).to_numpy(),
            "kind": kind,
        }))

    def rejected_lines(self, table_name: str, file: str) -> set[int]:
        lines: set[int] = set()
        for r in self.rejects:
            mask = (r["table_name"] == table_name) & (r["file"] == file)
            lines.update(r.loc[mask, "line"].tolist())
        return lines

    def all_rejects(self) -> pd.DataFrame:
        columns = ["table_name", "file", "line", "column", "value", "reason", "raw", "kind"]
        if not self.rejects:
            return pd.DataFrame(columns=["batch_id", *columns])
        out = pd.concat(self.rejects, ignore_index=True)
        # One reject row per input line: the first reason found is the one reported.
        out = out.drop_duplicates(["table_name", "file", "line"], keep="first")
        out.insert(0, "batch_id", self.batch_id)
        return out


@dataclass
class LoadSummary:
    db_path: Path
    batch_id: str
    files: pd.DataFrame
    assignment: pd.DataFrame
    rows: dict[str, int]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "WARNING: ..." lines, said first

    def lines(self) -> list[str]:
        out = [f"loaded into {self.db_path} (batch {self.batch_id})"]
        out.extend(f"  {line}" for line in self.warnings)
        for table_name, n in self.rows.items():
            out.append(f"  {table_name}: {n:,} rows")
        by_table = self.files.groupby("table_name", sort=False)[
            ["rows_read", "rows_loaded", "rows_merged", "rows_rejected"]].sum()
        for table_name, r in by_table.iterrows():
            merged = f" + {_merged_words(table_name)} {r.rows_merged:,}" if r.rows_merged else ""
            out.append(f"  {table_name} files: {len(self.files[self.files.table_name == table_name])}, "
                       f"read {r.rows_read:,} = loaded {r.rows_loaded:,}{merged} + rejected {r.rows_rejected:,}")
        out.extend(f"  {line}" for line in self.notes)
        if len(self.assignment):
            parts = ", ".join(f"{m} {n:,}" for m, n in zip(self.assignment["method"], self.assignment["incidents"]))
            out.append(f"  incidents placed in districts by: {parts}")
        return out


def _merged_words(table_name: str) -> str:
    return "merged into an incident" if table_name == "incidents" else "merged into another row (same id)"


# --- Loading ----------------------------------------------------------------------------------


Progress = Callable[..., None]  # (share done 0-1, step: English, marked N_ for display, [file]), for progress bars


@dataclass
class CityRead:
    """Everything a load would write, read and checked but not yet written (``check`` stops here)."""

    manifest: Manifest
    source_dir: Path
    log: LoadLog
    started: dt.datetime
    tables: dict[str, pd.DataFrame]
    assignment: pd.DataFrame


def read_city(manifest_path: Path, source_dir: Path, progress: Progress | None = None) -> CityRead:
    """Read and validate every source the manifest names, without writing anything."""
    report = progress or (lambda share, what, *detail: None)
    manifest = Manifest.read(Path(manifest_path))
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise ManifestError(f"{source_dir}: source folder not found")
    started = dt.datetime.now()
    log = LoadLog(batch_id=started.strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6], source_dir=source_dir)

    report(0.02, N_("boundaries and population"))
    districts, neighborhoods = _read_areas(manifest, source_dir, log)
    offense_groups = offense_groups_table()
    report(0.1, N_("incidents"))
    incidents, assignment, offenses = _read_incidents(manifest, source_dir, log, districts, neighborhoods,
                                                      set(offense_groups["offense_group"]),
                                                      lambda share, what, *detail: report(0.1 + 0.7 * share, what, *detail))
    report(0.8, N_("engagement, training, surveys and programs"))
    other = {t: _read_generic(t, specs, source_dir, log, set(districts["id"]))
             for t, specs in manifest.tables.items()}
    organizations = _read_organizations(manifest, source_dir, log, neighborhoods)
    breaks = _read_series_breaks(manifest, set(districts["id"]), offense_groups)
    context = _read_outlines(manifest, source_dir, log, districts)
    tables: dict[str, pd.DataFrame] = {
        "districts": districts,
        "neighborhoods": neighborhoods,
        "offense_groups": offense_groups,
        "incidents": incidents,
        "incident_offenses": offenses,
        **{t: f for t, f in other.items()},
        ORGANIZATIONS: organizations,
        "series_breaks": breaks,
        "map_context": context,
    }
    return CityRead(manifest, source_dir, log, started, tables, assignment)


def load_city(manifest_path: Path, source_dir: Path, db_path: Path | None = None, loaded_by: str | None = None,
              progress: Progress | None = None) -> LoadSummary:
    """Read every source the manifest names, then build and swap in a new warehouse (all or
    nothing: a failure anywhere leaves the live warehouse as it was)."""
    report = progress or (lambda share, what, *detail: None)
    city = read_city(manifest_path, source_dir, progress=lambda share, what, *detail: report(0.85 * share, what, *detail))
    manifest, log, tables, started = city.manifest, city.log, city.tables, city.started
    metadata = pd.DataFrame({"key": ["city_name", "is_simulated", "source", "built_at", "manifest"],
                             "value": [manifest.name, "false", manifest.source or "not stated in the manifest",
                                       started.isoformat(timespec="seconds"), str(manifest.path)]})
    if log.notes or log.warnings:
        metadata = pd.concat([metadata, pd.DataFrame({"key": ["load_notes"],
                                                      "value": ["\n".join(log.warnings + log.notes)]})],
                             ignore_index=True)
    files = pd.DataFrame(log.files, columns=["table_name", "file", "sha256", "rows_read", "rows_loaded",
                                             "rows_merged", "rows_rejected", "seconds", "note"])
    files.insert(0, "batch_id", log.batch_id)
    batch = pd.DataFrame({"batch_id": [log.batch_id], "started_at": [started], "finished_at": [dt.datetime.now()],
                          "manifest": [str(manifest.path)], "source_dir": [str(city.source_dir)],
                          "loaded_by": [loaded_by or _os_user()]})
    assignment = city.assignment.copy()
    assignment.insert(0, "batch_id", log.batch_id)

    report(0.88, N_("building the warehouse"))
    target = store.resolve_db_path(db_path)
    with store.building(target) as con:
        for name, frame in tables.items():
            store.insert_frame(con, name, frame)
        store.insert_frame(con, "metadata", metadata)
        store.insert_frame(con, "load_batches", batch)
        store.insert_frame(con, "load_files", files)
        store.insert_frame(con, "rejects", log.all_rejects())
        store.insert_frame(con, "incident_assignment", assignment)
        store.refresh_aggregates(con)
    report(1.0, N_("done"))
    return LoadSummary(target, log.batch_id, files, city.assignment, {k: len(v) for k, v in tables.items()},
                       list(log.notes), list(log.warnings))


def _os_user() -> str:
    import getpass

    try:
        return f"{getpass.getuser()} (command line)"
    except Exception:  # no user name in this environment
        return "command line"


def _inside(source_dir: Path, name, what: str) -> Path:
    """A manifest's file path under the source folder: relative, without '..' (never a path elsewhere)."""
    if not isinstance(name, str) or not name or Path(name).is_absolute() or ".." in Path(name).parts:
        raise ManifestError(f"[{what}] file {name!r} must be a path inside the source folder (relative, no '..')")
    return source_dir / name


def _source_paths(source_dir: Path, spec: dict, what: str) -> list[Path]:
    pattern = spec.get("files") or spec.get("file")
    if not pattern:
        raise ManifestError(f"[{what}] needs 'file' or 'files'")
    if not isinstance(pattern, str) or Path(pattern).is_absolute() or ".." in Path(pattern).parts:
        raise ManifestError(f"[{what}] file {pattern!r} must be a path inside the source folder (relative, no '..')")
    # Files only: a glob that also matches a folder, a FIFO or a device never hands it to a reader.
    paths = sorted(p for p in source_dir.glob(pattern) if p.is_file())
    if not paths:
        if any(ch in pattern for ch in "*?["):
            raise SourceFileError(source_dir / pattern, f"no file matches; expected the {what} files here")
        raise SourceFileError(source_dir / pattern, f"file not found; expected the {what} source here")
    return paths


def _read_layer(path: Path, spec: dict, table_name: str, log: LoadLog) -> gpd.GeoDataFrame:
    """One boundary layer, recorded in load_files like every source: features read = areas +
    features merged into an area (several features with one id) + features rejected."""
    began = time.perf_counter()
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    areas = boundaries.read_areas(path, spec["id_field"], spec.get("name_field"), spec.get("crs"),
                                  spec.get("name_template"))
    rejected = areas.attrs.get("rejected", [])
    entry = log.add_file(table_name, path, digest, areas.attrs.get("features_read", len(areas)), began,
                         "boundary layer")
    entry.update(rows_loaded=len(areas), rows_merged=int(areas.attrs.get("merged", 0)), rows_rejected=len(rejected))
    if entry["rows_merged"]:
        entry["note"] += f"; {entry['rows_merged']} further feature(s) joined to an area with the same {spec['id_field']}"
    if rejected:
        lines, columns, values, reasons = zip(*rejected)
        log.reject(table_name, entry["file"], list(lines), list(columns), list(values), list(reasons), "invalid")
    return areas


def _read_outlines(manifest: Manifest, source_dir: Path, log: LoadLog, districts: pd.DataFrame) -> pd.DataFrame:
    """The ``[[outlines]]`` layers as ``map_context`` rows (each recorded in load_files), plus the city limits
    as the districts' outer edge when no layer of kind ``city`` is given."""
    from community_policing.data.shapes import city_limits, context_shapes

    frames = []
    for spec in manifest.outlines:
        path = _inside(source_dir, spec["file"], "outlines")
        began = time.perf_counter()
        if not path.is_file():
            raise SourceFileError(path, "outline layer not found")
        if path.suffix.lower() not in boundaries.BOUNDARY_SUFFIXES:
            raise SourceFileError(path, f"unknown layer format {path.suffix!r}; expected one of "
                                        f"{', '.join(boundaries.BOUNDARY_SUFFIXES)}")
        boundaries._check_size(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            suffix = path.suffix.lower()
            layer = (gpd.read_parquet(path) if suffix in (".parquet", ".geoparquet")
                     else gpd.read_file(f"zip://{path}" if suffix == ".zip" else path))
        except Exception as exc:  # any reader failure is one line naming the file
            raise SourceFileError(path, f"not a readable map layer ({exc.__class__.__name__})") from None
        if layer.crs is None:
            if not spec.get("crs"):
                raise SourceFileError(path, "the layer has no CRS; give one in the manifest (crs = \"EPSG:4326\")")
            layer = layer.set_crs(spec["crs"])
        layer = layer.to_crs("EPSG:4326")
        field_name = spec.get("name_field")
        if field_name and field_name not in layer.columns:
            raise SourceFileError(path, f"no field {field_name!r}; fields are {', '.join(map(str, layer.columns))}")
        names = list(layer[field_name]) if field_name else [spec.get("name")] * len(layer)
        rows = context_shapes(spec.get("kind", "other"), names, list(layer.geometry))
        entry = log.add_file("map_context", path, digest, len(layer), began, "map outline layer")
        entry.update(rows_loaded=len(rows))
        frames.append(rows)
    if not any(spec.get("kind") == "city" for spec in manifest.outlines):
        frames.insert(0, city_limits(list(districts["geometry"])))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["kind", "part", "name", "geojson"])
    out["part"] = out.groupby("kind").cumcount()  # numbered within each kind across layers
    return out


def _read_areas(manifest: Manifest, source_dir: Path, log: LoadLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    d_spec = manifest.districts
    districts = _read_layer(_inside(source_dir, d_spec["file"], "districts"), d_spec, "districts", log)
    neighborhoods = gpd.GeoDataFrame(columns=["id", "name", "district_id", "geometry", "population"],
                                     geometry="geometry", crs="EPSG:4326")
    xwalk = None
    if manifest.neighborhoods:
        n_spec = manifest.neighborhoods
        neighborhoods = _read_layer(_inside(source_dir, n_spec["file"], "neighborhoods"), n_spec, "neighborhoods", log)
        xwalk = boundaries.crosswalk(neighborhoods, districts)
        neighborhoods["district_id"] = neighborhoods["id"].map(boundaries.main_district(xwalk))
        outside = neighborhoods["district_id"].isna()
        if outside.any():
            raise SourceFileError(source_dir / n_spec["file"],
                                  f"neighborhood(s) {', '.join(neighborhoods.loc[outside, 'id'])} lie in no district")
    neighborhoods["population"] = pd.NA
    districts["population"] = pd.NA
    districts["population_year"] = pd.NA
    districts["sworn_officers"] = pd.NA
    pop = manifest.population
    if pop:
        for key in ("file", "key", "column", "year"):
            if key not in pop:
                raise ManifestError(f"{manifest.path}: [population] needs {key!r}")
        level = pop.get("level", "neighborhood")
        if level not in ("neighborhood", "district"):
            raise ManifestError(f"{manifest.path}: [population] level must be neighborhood or district")
        if level == "neighborhood" and xwalk is None:
            raise ManifestError(f"{manifest.path}: [population] level is neighborhood but there is no [neighborhoods]")
        layer = neighborhoods if level == "neighborhood" else districts
        by_id = _read_population(_inside(source_dir, pop["file"], "population"), pop, f"{manifest.path}: [population]", log,
                                 "neighborhoods" if level == "neighborhood" else "districts", set(layer["id"]))
        if level == "neighborhood":
            neighborhoods["population"] = neighborhoods["id"].map(by_id).astype("Int64")
            districts["population"] = districts["id"].map(
                boundaries.district_population(xwalk, by_id.dropna())).astype("Int64")
        else:
            districts["population"] = districts["id"].map(by_id).astype("Int64")
        districts["population_year"] = int(pop["year"])
    return districts, neighborhoods


def _read_table(path: Path, spec: dict, where: str, log: LoadLog, table_name: str) -> pd.DataFrame:
    """A tabular source as text (tabular.read_spec_table); rows the reader could not use whole (cut
    short) are rejects with their line and reason, and are not returned. ``attrs["rows_read"]``
    counts them all."""
    table = tabular.read_spec_table(path, spec, where)
    log.keep_raw_text(table_name, log.relative(path), _raw_lookup(table))
    problems = tabular.take_problem_rows(table)
    log.reject(table_name, log.relative(path), problems["_line"], "", "", problems["_problem"], "invalid",
               _raw_text(problems))
    kept = table[table["_problem"] == ""].drop(columns="_problem")
    _warn_long_records(log, table_name, log.relative(path), table)
    kept.attrs.update(table.attrs, rows_read=len(table))
    return kept


# A record running over this many file lines or more is said loudly: a stray quote that another
# stray quote closes joins every line between them into one record, and those lines' own rows are
# then lost (in a reject) or hidden (in one loaded row). A legitimate quoted line break gives two.
MANY_LINES = 3


def _record_spans(table: pd.DataFrame) -> pd.Series:
    """File lines each record covers: from the reader's ``_end`` when it gives one, else from the
    line breaks in its raw text (1 when the reader kept no text)."""
    if "_end" in table:
        return (pd.to_numeric(table["_end"], errors="coerce") - table["_line"] + 1).fillna(1).astype(int)
    if "_raw" in table:
        return table["_raw"].fillna("").astype(str).str.count("\n") + 1
    return pd.Series(1, index=table.index)


def _warn_long_records(log: LoadLog, table_name: str, file: str, table: pd.DataFrame) -> None:
    spans = _record_spans(table)
    long = spans >= MANY_LINES
    if not long.any():
        return
    for rejected, words in ((True, "rejected"), (False, "loaded")):
        mask = long & ((table["_problem"] != "") == rejected)
        if not mask.any():
            continue
        top = spans[mask].idxmax()
        first, n = int(table.at[top, "_line"]), int(spans[top])
        what = ("its lines are not loaded as rows of their own" if rejected else
                "check that the lines inside it are not rows of their own")
        log.warnings.append(
            f"WARNING: {file} ({table_name}): {int(mask.sum()):,} {words} record(s) run over {MANY_LINES} or more "
            f"file lines (the longest: lines {first}-{first + n - 1}, {n} lines); a stray quote (\") may have "
            f"joined lines into one record: {what}")


def _raw_lookup(table: pd.DataFrame) -> Callable | None:
    """Line number -> the record's raw text, from a reader's ``_raw`` column (None without one)."""
    if "_raw" not in table or not len(table):
        return None
    by_line = table.drop_duplicates("_line").set_index("_line")["_raw"]
    return lambda lines: by_line.reindex(lines).astype(object).where(lambda s: s.notna(), None).tolist()


def _raw_text(problems: pd.DataFrame):
    """The raw text of each problem row, where the reader kept it (``raw`` or ``_raw``), else None."""
    for name in ("raw", "_raw"):
        if name in problems:
            return problems[name].tolist()
    return None


def _read_population(path: Path, spec: dict, where: str, log: LoadLog, table_name: str,
                     area_ids: set[str]) -> pd.Series:
    """Residents per area id from a population table. Every row is loaded or rejected: a number
    that cannot be read, a negative one, an id that is not in the layer, or an id given twice."""
    began = time.perf_counter()
    table = _read_table(path, spec, where, log, table_name)
    tabular.require_columns(path, table, [spec["key"], spec["column"]])
    entry = log.add_file(table_name, path, hashlib.sha256(tabular.read_source_bytes(path)).hexdigest(),
                         table.attrs["rows_read"], began, f"population ({spec['column']}, {spec['year']})")
    raw = table[spec["column"]]
    numbers = pd.to_numeric(pd.Series(tabular.clean_numbers(raw), index=table.index), errors="coerce")
    ids = table[spec["key"]].map(boundaries.normalise_id)
    problems = [
        (raw == "", spec["column"], raw, "population is empty"),
        ((raw != "") & numbers.isna(), spec["column"], raw, "expected a number of residents"),
        (numbers < 0, spec["column"], raw, "population below 0"),
        (ids.isna(), spec["key"], table[spec["key"]], "no area id"),
        (ids.notna() & ~ids.isin(area_ids), spec["key"], table[spec["key"]],
         f"not an id of the {table_name} layer"),
        (ids.notna() & ids.duplicated(keep="first"), spec["key"], table[spec["key"]], "area already has a population"),
    ]
    bad = pd.Series(False, index=table.index)
    for mask, column, values, reason in problems:
        mask = mask.fillna(False).astype(bool) & ~bad
        log.reject(table_name, entry["file"], table.loc[mask, "_line"], column, values[mask].astype(str), reason,
                   "invalid")
        bad |= mask
    entry.update(rows_loaded=int((~bad).sum()), rows_rejected=entry["rows_read"] - int((~bad).sum()))
    return pd.Series(numbers[~bad].round().to_numpy(), index=ids[~bad].to_numpy())


# Incidents -----------------------------------------------------------------------------------


ROWS_PER_INCIDENT = ("one", "many")


def _read_incidents(manifest: Manifest, source_dir: Path, log: LoadLog, districts: pd.DataFrame,
                    neighborhoods: pd.DataFrame, known_groups: set[str], progress: Progress | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every incident source, as the incidents table, how incidents were placed in districts, and
    the incident_offenses table (every offense row of sources with several rows per incident).

    Counting follows the agency's convention: a source's counted records are count-1 rows; a
    correction is a count -1 row linked to the counted record it corrects (``_link_corrections``);
    records that are neither (for SLMPD, rows not flagged as crimes) are rejects of kind excluded.
    """
    columns = list(schema.table("incidents").column_names)
    frames = []
    for number, spec in enumerate(manifest.incidents, start=1):
        where = f"{manifest.path}: [[incidents]] entry {number}"
        profile = spec.get("profile")
        many = spec.get("rows_per_incident", "one")
        if many not in ROWS_PER_INCIDENT:
            raise ManifestError(f"{where}: rows_per_incident must be \"one\" or \"many\", not {many!r}")
        paths = _source_paths(source_dir, spec, "incidents")
        for done, path in enumerate(paths):
            if progress:
                progress(0.8 * done / len(paths), N_("incidents"), log.relative(path))
            digest, seen = log.already_read(path, "incidents")
            if seen:
                continue
            began = time.perf_counter()
            if profile == "slmpd":
                rows, note = _slmpd_rows(path, spec, log)
            elif profile is None:
                rows, note = _mapped_incident_rows(path, spec, log, known_groups, where)
            else:
                raise ManifestError(f"{where}: unknown profile {profile!r}; expected 'slmpd' or a column mapping")
            rows["_file"] = log.relative(path)
            rows["_many"] = many == "many"
            frames.append(rows)
            log.add_file("incidents", path, digest, rows.attrs["rows_read"], began, note)
    if not frames:
        return (pd.DataFrame(columns=columns), pd.DataFrame({"method": [], "incidents": []}),
                pd.DataFrame(columns=list(schema.table("incident_offenses").column_names)))
    rows = pd.concat(frames, ignore_index=True)
    rows = _drop_repeated_records(log, rows)
    unknown = rows["offense_group"].notna() & (rows["offense_group"] != "") & ~rows["offense_group"].isin(known_groups)
    for file, part in rows[unknown].groupby("_file"):
        log.reject("incidents", file, part["_line"], "offense_group", part["offense_group"],
                   "unknown offense group; expected one of " + ", ".join(sorted(known_groups)), "invalid")
    rows = rows[~unknown].reset_index(drop=True)
    rows["corrects_id"], stats = _link_corrections(rows)
    # A correction written under its original's id (or another correction's) keeps its own: the id plus
    # where it was read.
    is_correction = _count_values(rows) == -1
    clash = is_correction & (rows["id"].isin(set(rows.loc[~is_correction, "id"]))
                             | rows["id"].where(is_correction).duplicated(keep=False) & is_correction)
    rows.loc[clash, "id"] = (rows.loc[clash, "id"].astype(str) + " (correction, " + rows.loc[clash, "_file"]
                             + " line " + rows.loc[clash, "_line"].astype(str) + ")")
    if stats["corrections"]:
        log.notes.append(_corrections_note(stats))
    rows = rows[~rows["_uncounted"]].reset_index(drop=True)  # rejected already; only candidates for links
    if progress:
        progress(0.85, N_("placing incidents in districts and neighborhoods"))
    rows = _assign_areas(rows, districts, neighborhoods)
    valid = _validate_into(log, "incidents", rows, dedupe=False)
    valid, offenses, merged = _merge_incident_rows(valid)
    valid = _drop_duplicate_keys(log, "incidents", valid)
    _settle_file_counts(log, "incidents", rows, valid, merged)
    assignment = (valid["_method"].value_counts().reindex(ASSIGNMENT_METHODS).dropna().astype(int)
                  .rename_axis("method").reset_index(name="incidents"))
    return valid, assignment, offenses


def _content_keys(values: pd.DataFrame) -> pd.Series:
    """One key per row for "the same record": every field the reader gave (for SLMPD its complaint,
    coded month, dates, crime code, count, district, neighborhood and coordinates), as text, with
    the column names, so that files with other columns never match. A 64-bit hash: two different
    records sharing one is about 1 in 10^7 for a million rows."""
    cols = sorted(values.columns, key=str)
    as_text = values[cols].astype(object).where(values[cols].notna(), "").astype(str)
    rows = pd.util.hash_pandas_object(as_text, index=False).astype("uint64").astype(str)
    names = hashlib.sha256("\x1f".join(map(str, cols)).encode()).hexdigest()[:12]
    return (names + ":" + rows).set_axis(values.index)


def _drop_repeated_records(log: LoadLog, rows: pd.DataFrame) -> pd.DataFrame:
    """A record read again from another file (the same file under two names, or a month published
    twice with the same rows) is counted once: the copy in a later file is a reject of kind
    duplicate naming the file and line of the copy kept, and the summary says how many per pair of
    files. "The same record" is the same content in every field (``_content_keys``), so an SLMPD
    correction (the same complaint coded again in a later month, count -1 or +1) is never one.
    Repeats inside one file are the source's own and are left alone; a file holding a record twice
    repeats another file's record only as often as that file holds it (n-th copy for n-th copy)."""
    if "_content" not in rows or not len(rows):
        return rows
    order = rows.assign(_seq=rows.groupby(["_file", "_content"], sort=False).cumcount())
    first_file = order.groupby(["_content", "_seq"], sort=False)["_file"].transform("first")
    repeat = (order["_file"] != first_file).to_numpy()
    if not repeat.any():
        return rows.drop(columns="_content")
    kept = order[~repeat].set_index(["_content", "_seq"])
    copies = order[repeat]
    originals = kept.loc[list(zip(copies["_content"], copies["_seq"]))]
    where = (originals["_file"].astype(str) + " line " + originals["_line"].astype(str)).to_numpy()
    copies = copies.assign(_original=where, _original_file=originals["_file"].to_numpy())
    counted = copies[~copies["_uncounted"].astype(bool)]  # records left out by rule are rejected already
    for file, part in counted.groupby("_file", sort=False):
        log.reject("incidents", file, part["_line"], "", "",
                   [f"duplicate of {o}: the same record (every field the same) read again from another file; "
                    "counted once" for o in part["_original"]], "duplicate")
    for (file, original), part in counted.groupby(["_file", "_original_file"], sort=False):
        log.notes.append(f"{len(part):,} records in {file} repeat records already read from {original}: "
                         "counted once")
    return rows[~repeat].drop(columns="_content").reset_index(drop=True)


def _check_keys(spec: dict, allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(set(spec) - set(allowed))
    if extra:
        raise ManifestError(f"{where}: unknown key(s) {', '.join(extra)}; expected {', '.join(sorted(allowed))}")


def _corrections_note(stats: dict) -> str:
    return (f"corrections (count -1): {stats['corrections']:,}; {stats['linked']:,} correct a counted incident "
            f"(shown beside the counts), {stats['uncounted']:,} correct a record that is not counted and "
            f"{stats['unlinked']:,} one not in the loaded files (neither is ever subtracted)")


def _count_values(rows: pd.DataFrame) -> pd.Series:
    """The count column as numbers ("1", "1.0", "-1", 1 all read), NaN where it cannot be read
    (validation rejects those rows with their value)."""
    return pd.to_numeric(pd.Series(tabular.clean_numbers(rows["count"].astype(object)), index=rows.index),
                         errors="coerce")


def _link_corrections(rows: pd.DataFrame) -> tuple[pd.Series, dict]:
    """For each correction (count -1), the id of the counted record it corrects, else None.

    A correction is paired with one original (count 1) that has the same case number and offense
    code; where either has no case number (SLMPD's files before 2013-09 have none), with the same
    occurrence time, offense code and recorded neighborhood. Within a key, originals and
    corrections pair up in the order they were reported, so each original is corrected at most
    once. Originals that are not counted (``_uncounted``: for SLMPD, records not flagged as
    crimes) take part in the pairing, so that their corrections are recognised as such and never
    subtracted from a counted record they happen to resemble."""
    linked = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    count = _count_values(rows)
    is_correction = (count == -1).to_numpy()
    stats = {"corrections": int(is_correction.sum()), "linked": 0, "uncounted": 0, "unlinked": 0}
    if not stats["corrections"]:
        return linked, stats
    originals = rows[~is_correction & (count == 1).to_numpy()].copy()
    corrections = rows[is_correction].copy()
    for frame in (originals, corrections):
        frame["_order"] = pd.to_datetime(frame["reported_at"], errors="coerce")
        frame["_code"] = frame["offense_code"].fillna("").astype(str).str.strip()
        frame["_when"] = pd.to_datetime(frame["occurred_at"], errors="coerce").astype(str)
        frame["_place"] = frame["_neighborhood_code"].fillna("").astype(str)
    pairs = []
    for keys in (["_case", "_code"], ["_when", "_code", "_place"]):
        left = corrections[~corrections.index.isin([c for c, _ in pairs])]
        right = originals[~originals.index.isin([o for _, o in pairs])]
        # The case number alone may link (a source without offense codes); the fingerprint needs all
        # of its parts, and a known occurrence time.
        needed = ["_case"] if keys[0] == "_case" else keys
        left = left[left[needed].notna().all(axis=1) & (left[needed] != "").all(axis=1)
                    & ((left["_when"] != "NaT") | (keys[0] == "_case"))]
        right = right[right[needed].notna().all(axis=1) & (right[needed] != "").all(axis=1)]
        if not len(left) or not len(right):
            continue
        left = left.sort_values(["_order", "_line"], kind="stable")
        right = right.sort_values(["_order", "_line"], kind="stable")
        left = left.assign(_rank=left.groupby(keys).cumcount(), _c=left.index)
        right = right.assign(_rank=right.groupby(keys).cumcount(), _o=right.index)
        matched = left[keys + ["_rank", "_c"]].merge(right[keys + ["_rank", "_o"]], on=keys + ["_rank"])
        pairs += list(zip(matched["_c"], matched["_o"]))
    for c, o in pairs:
        if bool(rows.at[o, "_uncounted"]):
            stats["uncounted"] += 1
        else:
            linked.at[c] = rows.at[o, "id"]
            stats["linked"] += 1
    stats["unlinked"] = stats["corrections"] - stats["linked"] - stats["uncounted"]
    return linked, stats


def _slmpd_rows(path: Path, spec: dict, log: LoadLog) -> tuple[pd.DataFrame, str]:
    """One SLMPD monthly file as incident rows, by SLMPD's own counting convention: the records
    flagged as crimes (FlagCrime, or NewCrimeIndicator before 2013-09) are the counted incidents,
    by the month they were coded; -1 rows are later corrections, kept and linked to what they
    correct. Records of neither kind are rejects (excluded). A record whose occurrence date is a
    placeholder (1900-01-01), unreadable, or after the month it was coded still counts: it keeps
    an empty occurred_at and a note with the date the file gave."""
    from community_policing.data.importers import slmpd

    read = slmpd.read_slmpd_file(path)
    rows = read.rows
    file = log.relative(path)
    log.keep_raw_text("incidents", file, getattr(read, "raw_text", None))
    problems = read.problems
    date_reasons = {slmpd.BAD_DATE, slmpd.PLACEHOLDER_DATE, slmpd.OCCURRED_AFTER}
    on_date = problems["reason"].isin(date_reasons)
    bad = problems[~on_date]
    log.reject("incidents", file, bad["line"], bad["column"], bad["value"].astype(str), bad["reason"], "invalid",
               _raw_text(bad))
    bad_lines = set(bad["line"])
    date_problems = problems[on_date].drop_duplicates("line").set_index("line")
    occurred_note = rows["line"].map(
        (date_problems["reason"] + " (" + date_problems["column"].astype(str) + " = "
         + date_problems["value"].astype(str) + "); occurrence date unknown").to_dict())
    is_correction = (rows["count"] == -1).fillna(False).to_numpy(dtype=bool)
    counted = rows["is_crime"].to_numpy(dtype=bool) & ~is_correction
    excluded = ~counted & ~is_correction & ~rows["line"].isin(bad_lines).to_numpy()
    log.reject("incidents", file, rows.loc[excluded, "line"], "FlagCrime", "",
               "not a crime record: SLMPD counts the rows flagged as crimes (FlagCrime or NewCrimeIndicator = Y); "
               "its -1 corrections are kept beside the counts", "excluded")
    keep = rows[~rows["line"].isin(bad_lines).to_numpy()]
    valid_from = spec.get("district_codes_from")
    trust_code = (keep["coded_month"] >= valid_from) if valid_from else pd.Series(True, index=keep.index)
    out = pd.DataFrame({
        "id": "slmpd-" + keep["coded_month"].astype(str) + "-" + keep["line"].astype(str).str.zfill(5),
        "occurred_at": keep["occurred_at"],
        "occurred_note": occurred_note[keep.index],
        "reported_at": keep["reported_at"],
        "offense_code": keep["crime_code"],
        "offense_description": keep["offense_description"],
        "offense_group": keep["offense_group"],
        "offense_rows": 1,
        "lon": keep["lon"],
        "lat": keep["lat"],
        "count": keep["count"],
        "_line": keep["line"],
        "_neighborhood_code": keep["neighborhood_code"].map(lambda v: None if v in (0, None) or pd.isna(v) else str(int(v))),
        "_district_code": keep["district_code"].where(trust_code).map(
            lambda v: None if v in (0, None) or pd.isna(v) else str(int(v))),
        "_source_district": None,
        "_case": keep["complaint"],
        "_uncounted": excluded[~rows["line"].isin(bad_lines).to_numpy()],
        "_content": _content_keys(keep[[c for c in keep.columns if c != "line"]]),
    })
    out.attrs["rows_read"] = read.rows_read
    return out, f"SLMPD header variant {read.header_variant}"


def _offense_code_map(spec: dict, mapping: dict, where: str):
    """The offense mapping of a mapped source: [incidents.offense_groups] (exact values, prefixes,
    ranges, a default) and/or offense_codes = "nibrs" | "ucr" (the built-in tables), applied to
    its column (by default the column mapped to offense_code)."""
    from community_policing.data.offense_codes import OffenseCodeError, OffenseCodeMap

    groups_spec = dict(spec.get("offense_groups", {}))
    if spec.get("offense_codes"):
        if groups_spec.get("codes") not in (None, spec["offense_codes"]):
            raise ManifestError(f"{where}: offense_codes and [incidents.offense_groups] codes disagree")
        groups_spec["codes"] = spec["offense_codes"]
    if not groups_spec:
        return None, None
    column = groups_spec.get("column") or mapping.get("offense_code")
    if not column:
        raise ManifestError(f"{where}: say which column holds the offense: [incidents.offense_groups] column, "
                            "or map offense_code in [incidents.columns]")
    try:
        return column, OffenseCodeMap.from_spec(groups_spec, f"{where} [incidents.offense_groups]")
    except OffenseCodeError as exc:
        raise ManifestError(str(exc)) from None


def _mapped_incident_rows(path: Path, spec: dict, log: LoadLog, known_groups: set[str],
                          where: str) -> tuple[pd.DataFrame, str]:
    """One file of a column-mapped source. Every value stays as written until validation, which
    rejects what it cannot read (a date, a number) with the value; offense values the mapping
    does not cover are rejects that name the value."""
    mapping: dict = dict(spec.get("columns", {}))
    for key in ("id", "occurred_at"):
        if key not in mapping:
            raise ManifestError(f"{where}: [incidents.columns] needs {key!r} (the source column holding it)")
    group_column, code_map = _offense_code_map(spec, mapping, where)
    if "offense_group" not in mapping and code_map is None:
        raise ManifestError(f"{where}: needs columns.offense_group, offense_codes = \"nibrs\" or \"ucr\", or an "
                            "[incidents.offense_groups] mapping")
    table = _read_table(path, spec, where, log, "incidents")
    tabular.require_columns(path, table, list(dict.fromkeys(list(mapping.values()) + ([group_column] if group_column else []))))
    fmt = spec.get("date_format")
    get = lambda target: table[mapping[target]] if target in mapping else pd.Series("", index=table.index)  # noqa: E731
    occurred = tabular.parse_dates(get("occurred_at"), fmt)
    reported = tabular.parse_dates(get("reported_at"), fmt) if "reported_at" in mapping else occurred
    # A date that does not read in the source's format is a reject naming the format, never re-guessed.
    bad_date = pd.Series(False, index=table.index)
    for target, parsed in (("occurred_at", occurred), ("reported_at", reported)):
        if target in mapping:
            raw = get(target)
            unread = parsed.isna() & (raw != "") & ~bad_date
            log.reject("incidents", log.relative(path), table.loc[unread, "_line"], mapping[target], raw[unread],
                       tabular.date_expectation(fmt), "invalid")
            bad_date |= unread
    if "offense_group" in mapping:
        group = get("offense_group").str.lower()
    else:
        source = table[group_column]
        group = code_map.groups(source)
        unmapped = group.isna() & (source != "")
        log.reject("incidents", log.relative(path), table.loc[unmapped, "_line"], group_column, source[unmapped],
                   UNMAPPED_OFFENSE + " ([incidents.offense_groups] or offense_codes)",
                   "invalid")
        group = group.where(~unmapped, "__unmapped__")
    lon, lat = _coordinates(get("lon"), get("lat"), spec.get("coordinates_crs", "EPSG:4326"), path)
    count = tabular.clean_numbers(get("count")) if "count" in mapping else pd.Series("1", index=table.index)
    out = pd.DataFrame({
        "id": get("id"),
        "occurred_at": occurred,
        "occurred_note": pd.Series(None, index=table.index, dtype=object).where(
            get("occurred_at") != "", f"no occurrence date in the source ({mapping['occurred_at']} is empty); "
                                      "occurrence date unknown"),
        "reported_at": reported,
        "offense_code": get("offense_code"),
        "offense_description": get("offense_description"),
        "offense_group": group,
        "offense_rows": 1,
        "lon": lon, "lat": lat, "count": pd.Series(count, index=table.index),
        "_line": table["_line"],
        "_neighborhood_code": get("neighborhood_id").map(boundaries.normalise_id),
        "_district_code": None,
        "_source_district": get("district_id").map(boundaries.normalise_id),
        # The case number links a correction to its original; without one, the record's own id does
        # (exports with a Count column write a correction under the id of the record it corrects).
        "_case": (get("case_number") if "case_number" in mapping else get("id")).where(lambda s: s != ""),
        "_uncounted": False,
        "_content": _content_keys(table[[c for c in table.columns if c not in tabular.INTERNAL_COLUMNS]]),
    })
    out = out[(out["offense_group"] != "__unmapped__") & ~bad_date.to_numpy()]
    out.attrs["rows_read"] = table.attrs["rows_read"]
    note = "column mapping" + (f"; offense groups by {code_map.describe()}" if code_map is not None else "")
    if table.attrs.get("recoded_lines"):
        note += f"; {table.attrs['recoded_lines']} line(s) read as Windows-1252/Latin-1"
    return out, note


def _merge_incident_rows(valid: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sources with several rows per incident (rows_per_incident = "many"): rows that share an id
    are one incident, dated and placed by its first row (in file order), in the most serious
    offense group among its rows (offense_codes.SERIOUSNESS, homicide first). Returns the
    incidents, every offense row (incident_offenses) and the rows merged into an incident
    (``_file``, ``_line``) for the accounting."""
    from community_policing.data.offense_codes import most_serious

    offense_columns = list(schema.table("incident_offenses").column_names)
    many = valid["_many"].astype(bool) & (valid["count"] == 1)
    if not many.any():
        return valid, pd.DataFrame(columns=offense_columns), pd.DataFrame(columns=["_file", "_line"])
    rows = valid[many].sort_values(["_file", "_line"], kind="stable")
    offenses = pd.DataFrame({"incident_id": rows["id"], "offense_code": rows["offense_code"],
                             "offense_description": rows["offense_description"],
                             "offense_group": rows["offense_group"]})
    first = ~rows.duplicated("id", keep="first")
    incidents = rows[first].copy()
    worst = most_serious(rows["offense_group"], rows["id"])
    incidents["offense_group"] = incidents["id"].map(worst).to_numpy()
    incidents["offense_rows"] = incidents["id"].map(rows.groupby("id").size()).astype("Int64").to_numpy()
    # The offense code and description of the row that gave the incident its group.
    top = rows.assign(_rank=rows["offense_group"].map({g: i for i, g in enumerate(_seriousness())}))
    top = top.sort_values(["id", "_rank", "_file", "_line"], kind="stable").drop_duplicates("id").set_index("id")
    incidents["offense_code"] = incidents["id"].map(top["offense_code"]).to_numpy()
    incidents["offense_description"] = incidents["id"].map(top["offense_description"]).to_numpy()
    merged = rows[~first][["_file", "_line"]]
    out = pd.concat([valid[~many], incidents], ignore_index=True)
    return out, offenses.reset_index(drop=True), merged


def _seriousness() -> tuple[str, ...]:
    from community_policing.data.offense_codes import SERIOUSNESS

    return SERIOUSNESS


def _coordinates(x: pd.Series, y: pd.Series, crs: str, path: Path) -> tuple[pd.Series, pd.Series]:
    """Longitude and latitude in WGS84 from the source's coordinates. Empty or 0, 0 means not
    geocoded (no point); a value that is written but is not a number is left as written, for
    validation to reject with its value (never silently turned into "not geocoded")."""
    xs = pd.to_numeric(pd.Series(tabular.clean_numbers(x), index=x.index), errors="coerce")
    ys = pd.to_numeric(pd.Series(tabular.clean_numbers(y), index=y.index), errors="coerce")
    unreadable_x = xs.isna() & (x.astype(str).str.strip() != "")
    unreadable_y = ys.isna() & (y.astype(str).str.strip() != "")
    missing = xs.isna() | ys.isna() | ((xs == 0) & (ys == 0))
    if unreadable_x.any() or unreadable_y.any():
        lon, lat = _coordinates(x.where(~unreadable_x & ~unreadable_y, ""), y.where(~unreadable_x & ~unreadable_y, ""),
                                crs, path)
        return (lon.astype(object).where(~unreadable_x, x), lat.astype(object).where(~unreadable_y, y))
    if crs.upper() in ("EPSG:4326", "WGS84"):
        return xs.where(~missing), ys.where(~missing)
    from pyproj import Transformer
    from pyproj.exceptions import CRSError

    try:
        transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except CRSError:
        raise SourceFileError(path, f"unknown coordinate CRS {crs!r}; expected an EPSG or ESRI code") from None
    lon, lat = transformer.transform(xs.to_numpy(dtype=float), ys.to_numpy(dtype=float))
    return pd.Series(lon, index=x.index).where(~missing), pd.Series(lat, index=x.index).where(~missing)


def _assign_areas(rows: pd.DataFrame, districts: pd.DataFrame, neighborhoods: pd.DataFrame) -> pd.DataFrame:
    """Place each incident. The agency's own assignment comes first: a recorded district that
    belongs to the current map (for SLMPD only from district_codes_from on), or a district column
    the manifest maps; then the coordinates; then the recorded neighborhood's district; else
    unassigned. Neighborhoods likewise: the recorded neighborhood when it is in the layer, else
    the one holding the coordinates. Counting the agency's way first keeps district counts within
    a fraction of a percent of the department's own District field (tests/test_st_louis.py)."""
    district_ids = set(districts["id"])
    neighborhood_ids = set(neighborhoods["id"])
    n_to_d = dict(zip(neighborhoods["id"], neighborhoods["district_id"]))
    # Coordinates written but unreadable stay as text for validation to reject; they place nothing.
    lon = pd.to_numeric(rows["lon"], errors="coerce")
    lat = pd.to_numeric(rows["lat"], errors="coerce")
    has_point = lon.notna() & lat.notna()
    points = gpd.GeoDataFrame(
        {"row": np.flatnonzero(has_point.to_numpy())},
        geometry=shapely.points(lon[has_point].to_numpy(float), lat[has_point].to_numpy(float)),
        crs="EPSG:4326")
    point_district = _point_in(points, districts, len(rows))
    point_neighborhood = _point_in(points, neighborhoods, len(rows)) if len(neighborhoods) else \
        pd.Series([None] * len(rows), dtype=object)

    recorded_n = rows["_neighborhood_code"].where(rows["_neighborhood_code"].isin(neighborhood_ids)).reset_index(drop=True)
    neighborhood = recorded_n.where(recorded_n.notna(), point_neighborhood)
    via_neighborhood = neighborhood.map(n_to_d)
    code = rows["_district_code"].where(rows["_district_code"].isin(district_ids)).to_numpy()
    source = rows["_source_district"].where(rows["_source_district"].isin(district_ids)).to_numpy()

    district = pd.Series([None] * len(rows), dtype=object)
    method = pd.Series("unassigned", index=range(len(rows)), dtype=object)
    for values, name in ((pd.Series(code), "district_code"), (pd.Series(source), "source_district"),
                         (point_district, "coordinates"), (via_neighborhood, "neighborhood")):
        fill = district.isna() & values.notna()
        district[fill] = values[fill]
        method[fill] = name
    out = rows.reset_index(drop=True).copy()
    out["district_id"] = district.to_numpy()
    out["neighborhood_id"] = neighborhood.to_numpy()
    out["_method"] = method.to_numpy()
    return out


def _point_in(points: gpd.GeoDataFrame, areas: pd.DataFrame, n_rows: int) -> pd.Series:
    """Area id holding each point (by row position), or None."""
    result = pd.Series([None] * n_rows, dtype=object)
    if not len(points) or not len(areas):
        return result
    layer = gpd.GeoDataFrame(areas[["id"]], geometry=list(areas["geometry"]), crs="EPSG:4326")
    hits = gpd.sjoin(points, layer, how="inner", predicate="within").drop_duplicates("row")
    result.iloc[hits["row"].to_numpy()] = hits["id"].to_numpy()
    return result


# Other tables --------------------------------------------------------------------------------


def _read_generic(table_name: str, specs: list[dict], source_dir: Path, log: LoadLog,
                  district_ids: set[str]) -> pd.DataFrame:
    t = schema.table(table_name)
    frames = []
    for spec in specs:
        for path in _source_paths(source_dir, spec, table_name):
            digest, seen = log.already_read(path, table_name)
            if seen:
                continue
            began = time.perf_counter()
            rows = _mapped_rows(t, path, spec, log)
            rows["_file"] = log.relative(path)
            frames.append(rows)
            log.files.append(dict(table_name=table_name, file=log.relative(path), sha256=digest,
                                  rows_read=int(rows.attrs["rows_read"]), rows_loaded=0, rows_merged=0, rows_rejected=0,
                                  seconds=round(time.perf_counter() - began, 3), note="column mapping"))
    if not frames:
        return pd.DataFrame(columns=list(t.column_names))
    rows = pd.concat(frames, ignore_index=True)
    if "district_id" in rows:
        unknown = rows["district_id"].notna() & (rows["district_id"] != "") & ~rows["district_id"].isin(district_ids)
        for file, part in rows[unknown].groupby("_file"):
            log.reject(table_name, file, part["_line"], "district_id", part["district_id"],
                       "district not in the district layer", "invalid")
        rows = rows[~unknown]
    valid = _validate_into(log, table_name, rows)
    _settle_file_counts(log, table_name, rows, valid)
    return valid


def _mapped_rows(t: schema.Table, path: Path, spec: dict, log: LoadLog) -> pd.DataFrame:
    """Rows of one file in the table's columns (text, dates parsed), plus ``_line``.

    ``[x.measures]`` turns a wide survey file (one column per measure) into one row per measure;
    ``keep_rows`` keeps rows where given columns are present/absent, the others are excluded
    with that reason.
    """
    mapping: dict = dict(spec.get("columns", {}))
    constants: dict = dict(spec.get("values", {}))
    measures: dict = dict(spec.get("measures", {}))
    table = _read_table(path, spec, f"[[{t.name}]] {path.name}", log, t.name)
    tabular.require_columns(path, table, list(mapping.values()) + list(measures.values()))
    rows_read = table.attrs["rows_read"]
    keep = spec.get("keep_rows", {})
    if keep:
        tabular.require_columns(path, table, keep.get("present", []) + keep.get("absent", []))
        mask = pd.Series(True, index=table.index)
        for col in keep.get("present", []):
            mask &= table[col] != ""
        for col in keep.get("absent", []):
            mask &= table[col] == ""
        rule = " and ".join([f"{c} filled" for c in keep.get("present", [])] +
                            [f"{c} empty" for c in keep.get("absent", [])])
        log.reject(t.name, log.relative(path), table.loc[~mask, "_line"], "", "",
                   f"outside the manifest's keep_rows rule ({rule})", "excluded")
        table = table[mask]
    fmt = spec.get("date_format")
    out = pd.DataFrame({"_line": table["_line"]})
    for col in t.columns:
        if col.name in mapping:
            values = table[mapping[col.name]]
            if col.type in ("DATE", "TIMESTAMP"):
                parsed = tabular.parse_dates(values, fmt)
                unread = parsed.isna() & (values != "")
                log.reject(t.name, log.relative(path), table.loc[unread, "_line"], mapping[col.name], values[unread],
                           tabular.date_expectation(fmt), "invalid")
                out = out[~unread.to_numpy()] if unread.any() else out
                table, parsed = table[~unread], parsed[~unread]
                out[col.name] = parsed
                continue
            elif col.name.endswith("district_id") or col.name == "neighborhood_id":
                values = values.map(boundaries.normalise_id)
            out[col.name] = values.where(values != "")
        elif col.name in constants:
            out[col.name] = constants[col.name]
    if measures:
        long = []
        for measure, source_col in measures.items():
            part = out.assign(measure=measure, score=table[source_col].where(table[source_col] != ""))
            long.append(part[part["score"].notna()])
        no_score = ~out["_line"].isin(pd.concat([p["_line"] for p in long]))
        log.reject(t.name, log.relative(path), out.loc[no_score, "_line"], ",".join(measures.values()), "",
                   "no score in any measure column", "invalid")
        out = pd.concat(long, ignore_index=True)
    for col in t.column_names:
        if col not in out:
            out[col] = None
    out.attrs["rows_read"] = rows_read
    return out


# Series breaks -------------------------------------------------------------------------------


def _read_series_breaks(manifest: Manifest, district_ids: set[str], offense_groups: pd.DataFrame) -> pd.DataFrame:
    """The manifest's [[series_breaks]] as ``series_breaks`` rows. A break is a statement about the
    data, not a source row, so a bad entry stops the load (ManifestError naming the file, the entry
    and what is wrong) instead of becoming a reject."""
    t = schema.table("series_breaks")
    if not manifest.series_breaks:
        return pd.DataFrame(columns=list(t.column_names))
    groups = set(offense_groups["offense_group"]) | set(offense_groups["category"])
    rows = []
    for number, entry in enumerate(manifest.series_breaks, start=1):
        where = f"{manifest.path}: [[series_breaks]] entry {number} ({entry['label']!r})"
        district = entry.get("district")
        if district not in (None, "") and boundaries.normalise_id(district) not in district_ids:
            raise ManifestError(f"{where}: district {district!r} is not in the district layer; expected one of "
                                + ", ".join(sorted(district_ids)))
        group = entry.get("offense_group")
        if group not in (None, "") and str(group).lower() not in groups:
            raise ManifestError(f"{where}: offense_group {group!r} is not an offense group or category; expected "
                                "one of " + ", ".join(sorted(groups)))
        rows.append({column: entry.get(key) for key, column in SERIES_BREAK_KEYS.items()}
                    | {"district_id": None if district in (None, "") else boundaries.normalise_id(district),
                       "offense_group": None if group in (None, "") else str(group).lower()})
    frame = pd.DataFrame(rows, columns=list(t.column_names))
    result = schema.validate("series_breaks", frame)
    if len(result.rejects):
        bad = result.rejects.iloc[0]
        number = int(bad["row_number"]) + 1
        raise ManifestError(f"{manifest.path}: [[series_breaks]] entry {number} ({rows[number - 1]['label']!r}): "
                            f"{_break_key(bad['column'])} {bad['value']!r}: {bad['reason']}")
    valid = result.valid
    dup = valid.duplicated(["day", "label"])
    if dup.any():
        number = int(np.flatnonzero(dup.to_numpy())[0]) + 1
        raise ManifestError(f"{manifest.path}: [[series_breaks]] entry {number} repeats the date and label of an "
                            "earlier entry")
    return valid


def _break_key(column: str) -> str:
    """The manifest key of a series_breaks column, for messages."""
    return next((key for key, col in SERIES_BREAK_KEYS.items() if col == column), column)


# Neighborhood organizations ----------------------------------------------------------------


def _read_organizations(manifest: Manifest, source_dir: Path, log: LoadLog,
                        neighborhoods: gpd.GeoDataFrame) -> pd.DataFrame:
    """The [organizations] list: one row per organization, validated like every other table.

    Each organization's neighborhood is its ``neighborhood_field`` number, or, with
    ``neighborhood_by = "largest_overlap"``, the loaded neighborhood covering the largest share of
    its polygon (the number when it has no polygon or the polygon lies in no neighborhood). A
    neighborhood number that is not in the neighborhood layer (or no number at all) does not
    cost the organization its row: it is kept with an empty neighborhood_id, and the file's
    load_files note says how many and which numbers, and how many were placed by polygon.
    """
    t = schema.table(ORGANIZATIONS)
    spec = manifest.organizations
    if not spec:
        return pd.DataFrame(columns=list(t.column_names))
    by_polygon = spec.get("neighborhood_by") == "largest_overlap"
    frames = []
    for path in _source_paths(source_dir, spec, "organizations"):
        digest, seen = log.already_read(path, ORGANIZATIONS)
        if seen:
            continue
        began = time.perf_counter()
        rows = _organization_rows(path, spec, neighborhoods, by_polygon, log)
        rows["_file"] = log.relative(path)
        frames.append(rows)
        log.files.append(dict(table_name=ORGANIZATIONS, file=log.relative(path), sha256=digest,
                              rows_read=rows.attrs.get("rows_read", len(rows)),
                              rows_loaded=0, rows_merged=0, rows_rejected=0, seconds=round(time.perf_counter() - began, 3),
                              note="organization list"))
    if not frames:
        return pd.DataFrame(columns=list(t.column_names))
    rows = pd.concat(frames, ignore_index=True)
    valid = _validate_into(log, ORGANIZATIONS, rows)
    _settle_file_counts(log, ORGANIZATIONS, rows, valid)
    if spec.get("neighborhood_field") or by_polygon:
        for entry in log.files:
            if entry["table_name"] == ORGANIZATIONS and not entry["note"].startswith("same bytes"):
                has_polygons = bool(rows.loc[rows["_file"] == entry["file"], "_has_polygon"].any())
                entry["note"] = _neighborhood_note(valid[valid["_file"] == entry["file"]],
                                                   spec.get("neighborhood_field"), by_polygon, has_polygons)
    return valid


def _organization_rows(path: Path, spec: dict, neighborhoods: gpd.GeoDataFrame, by_polygon: bool,
                       log: LoadLog) -> pd.DataFrame:
    """One file's organizations in the table's columns (text), plus ``_line``, the source's own
    neighborhood number (``_neighborhood_code``), whether the feature has a polygon
    (``_has_polygon``) and whether its neighborhood comes from that polygon (``_by_polygon``)."""
    is_table = bool(spec.get("format")) or path.suffix.lower() in tabular.TABLE_SUFFIXES
    if is_table:
        table = _read_table(path, spec, f"[organizations] {path.name}", log, ORGANIZATIONS)
    else:  # a map layer (GeoJSON, Shapefile, ...): its attributes, and its polygons if asked for
        table = boundaries.read_attributes(path)
    fields = {col: spec.get(key) for col, key in ORGANIZATION_FIELDS.items()}
    tabular.require_columns(path, table, [f for f in fields.values() if f])
    out = pd.DataFrame({"_line": table["_line"].to_numpy()})
    for col, source_field in fields.items():
        values = table[source_field] if source_field else pd.Series("", index=table.index)
        out[col] = values.where(values != "").to_numpy()
    code = out["neighborhood_id"].map(boundaries.normalise_id, na_action="ignore")
    out["_neighborhood_code"] = code
    out["_code_in_layer"] = code.isin(set(neighborhoods["id"])).to_numpy()
    out["neighborhood_id"] = code.where(out["_code_in_layer"].to_numpy())
    out["_has_polygon"] = False
    out["_by_polygon"] = False
    if by_polygon and not is_table:
        polygons = boundaries.read_polygons(path)
        out["_has_polygon"] = polygons.reindex(out["_line"]).notna().to_numpy()
        placed = _largest_overlap(polygons, neighborhoods).reindex(out["_line"]).to_numpy()
        found = pd.notna(placed)
        out.loc[found, "neighborhood_id"] = placed[found]
        out.loc[found, "_by_polygon"] = True
    # Unrecognised words stay as written, so the reject shows what the source said.
    out["active"] = out["active"].map(lambda v: _ACTIVE_WORDS.get(v.strip().lower(), v), na_action="ignore")
    out.attrs["rows_read"] = table.attrs.get("rows_read", len(table))
    return out


def _largest_overlap(polygons: gpd.GeoSeries, neighborhoods: gpd.GeoDataFrame) -> pd.Series:
    """For each polygon (by its index), the neighborhood covering the largest share of its area;
    polygons in no neighborhood are left out. Areas are measured in the neighborhoods' UTM zone."""
    polygons = polygons.dropna()
    if not len(polygons) or not len(neighborhoods):
        return pd.Series(dtype=object)
    metric = neighborhoods.estimate_utm_crs()
    orgs = gpd.GeoDataFrame({"feature": polygons.index.to_numpy()}, geometry=polygons.to_crs(metric).to_numpy(),
                            crs=metric)
    orgs["feature_area"] = orgs.geometry.area
    areas = gpd.GeoDataFrame({"neighborhood": neighborhoods["id"].to_numpy()},
                             geometry=neighborhoods.geometry.to_crs(metric).to_numpy(), crs=metric)
    pieces = gpd.overlay(orgs, areas, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.geometry.area / pieces["feature_area"]
    shares = (pieces[pieces["share"] > MIN_OVERLAP_SHARE]
              .groupby(["feature", "neighborhood"], as_index=False)["share"].sum())
    # Largest share first; on a tie the neighborhood whose id sorts first, so the result is stable.
    top = shares.sort_values(["feature", "share", "neighborhood"], ascending=[True, False, True],
                             kind="stable").drop_duplicates("feature")
    return top.set_index("feature")["neighborhood"]


def _neighborhood_note(loaded: pd.DataFrame, field: str | None = None, by_polygon: bool = False,
                       has_polygons: bool = True) -> str:
    """How the loaded organizations got their neighborhoods: by polygon (and how many of those
    differ from the published number), and which were kept without one."""
    code = loaded["_neighborhood_code"]
    placed = loaded["_by_polygon"].astype(bool) if "_by_polygon" in loaded else pd.Series(False, index=loaded.index)
    parts = ["organization list"]
    if by_polygon:
        part = f"placed by polygon: {int(placed.sum())}" + ("" if has_polygons else " (the file has no polygons)")
        if field:
            same = (loaded["neighborhood_id"] == code).fillna(False).astype(bool)  # no number: not the same
            differ = placed & ~same
            known = loaded["_code_in_layer"].astype(bool)
            kinds = [(differ & known).sum(), (differ & code.notna() & ~known).sum(), (differ & code.isna()).sum()]
            words = ("another neighborhood", "a number not in the neighborhood layer", "no number")
            part += f"; {int(differ.sum())} differ from {field}"
            if differ.any():
                part += " (" + ", ".join(f"{int(n)} {w}" for n, w in zip(kinds, words) if n) + ")"
            by_number = ~placed & loaded["neighborhood_id"].notna()
            if by_number.any():
                part += f"; {int(by_number.sum())} placed by {field} (no polygon in a neighborhood)"
        parts.append(part)
    unmatched = code[code.notna() & loaded["neighborhood_id"].isna()]
    if len(unmatched):
        counts = unmatched.value_counts()
        numbers = sorted(counts.index, key=lambda c: (not c.isdigit(), int(c) if c.isdigit() else 0, c))
        listed = ", ".join(f"{c} (x{counts[c]})" if counts[c] > 1 else c for c in numbers)
        parts.append(f"{len(unmatched)} kept without a neighborhood: number(s) {listed} not in the neighborhood layer")
    if (code.isna() & ~placed).any():
        parts.append(f"{int((code.isna() & ~placed).sum())} give no neighborhood number")
    return "; ".join(parts)


def _validate_into(log: LoadLog, table_name: str, rows: pd.DataFrame, dedupe: bool = True) -> pd.DataFrame:
    """Validate against the schema; rejected rows go to the log; duplicates of a key too (unless
    ``dedupe`` is false: rows of one incident are merged before keys are checked)."""
    rows = rows.reset_index(drop=True)
    rows = _clean_numeric_columns(table_name, rows)
    result = schema.validate(table_name, rows)
    if len(result.rejects):
        bad = rows.loc[result.rejects["row_number"]]
        for file, idx in bad.groupby("_file").groups.items():
            r = result.rejects[result.rejects["row_number"].isin(idx)]
            log.reject(table_name, file, rows.loc[r["row_number"], "_line"], r["column"], r["value"], r["reason"],
                       "invalid")
    ok = np.setdiff1d(np.arange(len(rows)), result.rejects["row_number"].to_numpy())
    valid = result.valid.copy()
    for private in [c for c in rows.columns if c.startswith("_")]:  # provenance travels with the row
        valid[private] = rows.loc[ok, private].to_numpy()
    return _drop_duplicate_keys(log, table_name, valid) if dedupe else valid.reset_index(drop=True)


def _clean_numeric_columns(table_name: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Numbers written with thousands separators, currency or percent signs, as plain numbers
    (tabular.clean_numbers), in the columns the schema gives a numeric type. Text values only:
    numbers the reader already made are left alone."""
    t = schema.table(table_name)
    rows = rows.copy()
    for col in t.columns:
        if col.type in ("SMALLINT", "INTEGER", "BIGINT", "DOUBLE") and col.name in rows:
            values = rows[col.name]
            if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
                is_text = values.map(lambda v: isinstance(v, str))
                if is_text.any():
                    cleaned = tabular.clean_numbers(values[is_text])
                    values = values.astype(object)
                    values[is_text] = list(cleaned)
                    rows[col.name] = values
    return rows


def _drop_duplicate_keys(log: LoadLog, table_name: str, valid: pd.DataFrame) -> pd.DataFrame:
    t = schema.table(table_name)
    if t.primary_key:
        dup = valid.duplicated(list(t.primary_key), keep="first")
        if dup.any():
            first = valid[~dup].set_index(list(t.primary_key))
            for file, part in valid[dup].groupby("_file"):
                keys = [tuple(k) if len(t.primary_key) > 1 else k[0] for k in part[list(t.primary_key)].to_numpy()]
                originals = [f"{first.loc[k, '_file']} line {first.loc[k, '_line']}" for k in keys]
                log.reject(table_name, file, part["_line"], ",".join(t.primary_key),
                           [str(k) for k in keys], [f"duplicate of {o}" for o in originals], "duplicate")
            valid = valid[~dup]
    return valid.reset_index(drop=True)


def _settle_file_counts(log: LoadLog, table_name: str, rows_before: pd.DataFrame, valid: pd.DataFrame,
                        merged: pd.DataFrame | None = None) -> None:
    """Per file: rows loaded are the distinct source lines that produced a warehouse row, rows
    merged those that joined another line's row, and the rest must be recorded rejects."""
    loaded_lines = valid.groupby("_file")["_line"].nunique() if len(valid) else pd.Series(dtype=int)
    merged_lines = merged.groupby("_file")["_line"].nunique() if merged is not None and len(merged) \
        else pd.Series(dtype=int)
    recorded_by_file: dict[str, set] = {}
    mine = [r for r in log.rejects if len(r) and (r["table_name"] == table_name).any()]
    if mine:
        every = pd.concat(mine, ignore_index=True)
        every = every[every["table_name"] == table_name]
        recorded_by_file = {f: set(part["line"]) for f, part in every.groupby("file")}
    valid_by_file = {f: set(part) for f, part in valid.groupby("_file")["_line"]} if len(valid) else {}
    merged_by_file = {f: set(part) for f, part in merged.groupby("_file")["_line"]} \
        if merged is not None and len(merged) else {}
    for entry in log.files:
        if entry["table_name"] != table_name or entry["note"].startswith("same bytes"):
            continue
        loaded = int(loaded_lines.get(entry["file"], 0))
        entry["rows_loaded"] = loaded
        entry["rows_merged"] = int(merged_lines.get(entry["file"], 0))
        entry["rows_rejected"] = entry["rows_read"] - loaded - entry["rows_merged"]
        kept = valid_by_file.get(entry["file"], set()) | merged_by_file.get(entry["file"], set())
        recorded = len(recorded_by_file.get(entry["file"], set()) - kept)
        if recorded != entry["rows_rejected"]:
            raise AssertionError(  # an accounting bug must never pass silently
                f"{entry['file']}: {entry['rows_read']} read, {loaded} loaded, {entry['rows_merged']} merged, "
                f"but {recorded} rejects recorded")


def describe(summary: LoadSummary) -> str:
    return "\n".join(summary.lines())


# --- Dry run ----------------------------------------------------------------------------------


@dataclass
class CheckReport:
    """What a load would do, without writing a warehouse (``python -m community_policing check``
    and the staff Data page): per source file the rows that would load, merge and be rejected,
    with the first reasons; offense values no mapping covers; areas without population;
    incidents that would not be placed; the date range. ``ok`` is false when a row would be
    rejected as invalid or duplicate (rows left out by rule, such as SLMPD records that are not
    crimes, are expected and do not fail a check)."""

    city: str
    files: pd.DataFrame
    first_reasons: pd.DataFrame
    unmapped_offenses: pd.DataFrame
    areas_without_population: pd.DataFrame
    unplaced_incidents: int
    incidents: int
    corrections: int
    first_reported: dt.date | None
    last_reported: dt.date | None
    first_occurred: dt.date | None
    last_occurred: dt.date | None
    notes: list[str]
    failures: int
    warnings: list[str] = field(default_factory=list)  # "WARNING: ..." lines, said first

    @property
    def ok(self) -> bool:
        return self.failures == 0

    def lines(self) -> list[str]:
        out = [f"check of {self.city} (nothing written)"]
        out.extend(f"  {line}" for line in self.warnings)
        def counts(r, table_name: str) -> str:
            merged = f" + {_merged_words(table_name)} {r.rows_merged:,}" if r.rows_merged else ""
            return f"read {r.rows_read:,} = would load {r.rows_loaded:,}{merged} + rejected {r.rows_rejected:,}"

        for table_name, part in self.files.groupby("table_name", sort=False):
            total = part[["rows_read", "rows_loaded", "rows_merged", "rows_rejected"]].sum()
            out.append(f"  {table_name}: {len(part)} file(s), {counts(total, table_name)}")
            if len(part) <= 12:  # a month-per-file source lists only its totals
                out.extend(f"    {r.file}: {counts(r, table_name)}" for r in part.itertuples(index=False))
        if len(self.first_reasons):
            out.append("  rejected rows, by reason (first line of each):")
            for r in self.first_reasons.itertuples(index=False):
                out.append(f"    {r.rows:,} x {r.kind}: {r.reason} (first: {r.file} line {r.line}"
                           + (f", {r.column} = {r.value!r}" if r.column else "") + ")")
        if len(self.unmapped_offenses):
            out.append("  offense values not mapped to a group:")
            out.extend(f"    {r.value!r} ({r.column}): {r.rows:,} row(s)" for r in self.unmapped_offenses.itertuples())
        if len(self.areas_without_population):
            listed = ", ".join(f"{r.level} {r.id} {r.name}" for r in self.areas_without_population.itertuples())
            out.append(f"  areas without population ({len(self.areas_without_population)}): {listed}")
        out.append(f"  incidents: {self.incidents:,} counted, {self.corrections:,} corrections; "
                   f"{self.unplaced_incidents:,} would not be placed in any district")
        if self.first_reported:
            out.append(f"  dates reported {self.first_reported} to {self.last_reported}; occurred "
                       f"{self.first_occurred} to {self.last_occurred}")
        out.extend(f"  {note}" for note in self.notes)
        out.append("  result: " + ("ok" if self.ok else f"{self.failures:,} row(s) would be rejected as invalid or "
                                   "duplicate, or have an offense value no mapping covers"))
        return out


UNMAPPED_OFFENSE = "offense value not mapped to an offense group"


def check_city(manifest_path: Path, source_dir: Path, progress: Progress | None = None) -> CheckReport:
    """Read and validate everything as a load would, and report instead of writing."""
    city = read_city(manifest_path, source_dir, progress)
    log, tables = city.log, city.tables
    files = pd.DataFrame(log.files, columns=["table_name", "file", "sha256", "rows_read", "rows_loaded",
                                             "rows_merged", "rows_rejected", "seconds", "note"])
    rejects = log.all_rejects()
    if len(rejects):
        grouped = rejects.groupby(["kind", "reason"], sort=False)
        first = grouped.head(1).set_index(["kind", "reason"])
        reasons = grouped.size().rename("rows").reset_index().join(first[["file", "line", "column", "value"]],
                                                                   on=["kind", "reason"])
        reasons = reasons.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)
    else:
        reasons = pd.DataFrame(columns=["kind", "reason", "rows", "file", "line", "column", "value"])
    unmapped = rejects[rejects["reason"].astype(str).str.startswith(UNMAPPED_OFFENSE)] if len(rejects) else rejects
    unmapped_values = (unmapped.groupby(["column", "value"]).size().rename("rows").reset_index()
                       .sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)
                       if len(unmapped) else pd.DataFrame(columns=["column", "value", "rows"]))
    missing_population = []
    for level, table_name in (("district", "districts"), ("neighborhood", "neighborhoods")):
        frame = tables[table_name]
        if len(frame):
            part = frame[frame["population"].isna()]
            missing_population += [(level, r.id, r.name) for r in part.itertuples()]
    incidents = tables["incidents"]
    counted = incidents[incidents["count"] == 1] if len(incidents) else incidents
    reported = pd.to_datetime(counted["reported_at"]) if len(counted) else pd.Series(dtype="datetime64[ns]")
    occurred = pd.to_datetime(counted["occurred_at"]).dropna() if len(counted) else reported

    def day(value):
        return None if value is None or pd.isna(value) else value.date()

    failures = int(rejects["kind"].isin(["invalid", "duplicate"]).sum()) if len(rejects) else 0
    return CheckReport(
        city=city.manifest.name, files=files, first_reasons=reasons, unmapped_offenses=unmapped_values,
        areas_without_population=pd.DataFrame(missing_population, columns=["level", "id", "name"]),
        unplaced_incidents=int(counted["district_id"].isna().sum()) if len(counted) else 0,
        incidents=len(counted), corrections=int((incidents["count"] == -1).sum()) if len(incidents) else 0,
        first_reported=day(reported.min()) if len(reported) else None,
        last_reported=day(reported.max()) if len(reported) else None,
        first_occurred=day(occurred.min()) if len(occurred) else None,
        last_occurred=day(occurred.max()) if len(occurred) else None,
        notes=list(log.notes), failures=failures, warnings=list(log.warnings))
