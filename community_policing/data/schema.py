"""The warehouse schema, read from ``schema.yaml``, and row validation driven by it.

One file describes every table and column; this module turns it into Python objects that the
store uses to create tables, that importers use to validate rows, and that the data dictionary
shows. Validation never drops a row silently: every input row is either valid or comes back in
the rejects frame with the column and the reason.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from community_policing.i18n import _

SCHEMA_PATH = Path(__file__).with_name("schema.yaml")

_NUMERIC_TYPES = {"SMALLINT", "INTEGER", "BIGINT", "DOUBLE"}
_INTEGER_TYPES = {"SMALLINT", "INTEGER", "BIGINT"}
_TEMPORAL_TYPES = {"DATE", "TIMESTAMP"}


class SchemaError(ValueError):
    """A whole table does not fit the schema (for example a required column is missing)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    unit: str | None = None
    required: bool = False
    allowed: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    references: str | None = None

    @property
    def is_geometry(self) -> bool:
        return self.type == "GEOMETRY"


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    derived: bool = False
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name} has no column {name!r}")


@functools.cache
def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Table]:
    """All tables, in the order the schema file lists them."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables: dict[str, Table] = {}
    for table_name, spec in raw["tables"].items():
        columns = tuple(
            Column(
                name=col_name,
                type=col["type"],
                description=col.get("description", ""),
                unit=col.get("unit"),
                required=bool(col.get("required", False)),
                allowed=tuple(col["allowed"]) if "allowed" in col else None,
                min=col.get("min"),
                max=col.get("max"),
                references=col.get("references"),
            )
            for col_name, col in spec["columns"].items()
        )
        tables[table_name] = Table(
            name=table_name,
            description=" ".join(str(spec.get("description", "")).split()),
            columns=columns,
            primary_key=tuple(spec.get("primary_key", ())),
            derived=bool(spec.get("derived", False)),
        )
    return tables


@functools.cache
def fingerprint(path: Path = SCHEMA_PATH) -> str:
    """Short hash of the schema file: a warehouse built under another schema is refused."""
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def table(name: str) -> Table:
    try:
        return load_schema()[name]
    except KeyError:
        raise SchemaError(f"unknown table {name!r}; the schema has {', '.join(load_schema())}") from None


def data_dictionary() -> pd.DataFrame:
    """One row per column of every table: the data dictionary, straight from the schema.

    Units, ranges and meanings are in the current language (the schema's English descriptions are
    msgids, translated in ``locale/es/dictionary.po``); table, column and type names and allowed
    values are names in the data and stay as they are."""
    rows = []
    for t in load_schema().values():
        for c in t.columns:
            rows.append(
                {
                    "table": t.name,
                    "column": c.name,
                    "type": c.type,
                    "unit": _(c.unit) if c.unit else "",
                    "required": c.required,
                    "allowed values": ", ".join(map(str, c.allowed)) if c.allowed else "",
                    "range": _range_text(c),
                    "meaning": _(c.description) if c.description else "",
                }
            )
    return pd.DataFrame(rows)


def texts() -> list[tuple[int, str]]:
    """Every description and unit in the schema file, with its line: the msgids of the data dictionary."""
    lines = SCHEMA_PATH.read_text(encoding="utf-8").splitlines()
    found: dict[str, int] = {}
    for t in load_schema().values():
        for text in [t.description] + [x for c in t.columns for x in (c.description, c.unit) if x]:
            if text and text not in found:
                found[text] = next((i for i, line in enumerate(lines, 1) if text[:40] in line), 1)
    return sorted(((line, text) for text, line in found.items()), key=lambda item: item[0])


def extract_schema(fileobj, keywords, comment_tags, options):
    """Babel extraction method for ``schema.yaml`` (its descriptions and units are shown translated)."""
    for lineno, text in texts():
        yield lineno, "_", text, []


def _range_text(c: Column) -> str:
    if c.min is None and c.max is None:
        return ""
    if c.max is None:
        return f">= {c.min:g}"
    if c.min is None:
        return f"<= {c.max:g}"
    return _("{low} to {high}").format(low=f"{c.min:g}", high=f"{c.max:g}")


@dataclass
class ValidationResult:
    """Valid rows (converted to the schema's types) and rejected rows with their reasons.

    ``rejects`` has one row per rejected input row: ``row_number`` (0-based position in the
    input), ``column``, ``value`` and ``reason`` (the first problem found in that row).
    """

    valid: pd.DataFrame
    rejects: pd.DataFrame


def validate(table_name: str, frame: pd.DataFrame) -> ValidationResult:
    """Check ``frame`` against the schema of ``table_name``.

    Raises SchemaError when a column is missing (a whole-table problem). Row-level problems
    (missing required value, wrong type, value not allowed, out of range) reject that row.
    Extra columns are ignored.
    """
    t = table(table_name)
    missing = [c.name for c in t.columns if c.name not in frame.columns]
    if missing:
        raise SchemaError(
            f"{table_name}: missing column(s) {', '.join(missing)}; expected {', '.join(t.column_names)}"
        )
    frame = frame.reset_index(drop=True)
    converted: dict[str, pd.Series] = {}
    reason = pd.Series(pd.NA, index=frame.index, dtype="object")
    bad_column = pd.Series(pd.NA, index=frame.index, dtype="object")

    def reject(mask: pd.Series, column: str, why: str) -> None:
        new = mask & reason.isna()
        reason[new] = why
        bad_column[new] = column

    for col in t.columns:
        values = frame[col.name]
        present = values.notna() & ~(values.astype("string").str.strip() == "").fillna(False)
        if col.required:
            reject(~present, col.name, "required value is missing")
        if col.is_geometry:
            converted[col.name] = values
            invalid = present & ~values.map(_is_valid_geometry, na_action="ignore").fillna(True).astype(bool)
            reject(invalid, col.name, "geometry is not a valid polygon")
            continue
        typed, type_failed = _coerce(values.where(present), col.type)
        if col.type in _INTEGER_TYPES:  # 1e23 or 2**63 in a whole-number column: say it is too big
            huge = present & (pd.to_numeric(values, errors="coerce").abs() > 2.0**62).fillna(False)
            reject(huge, col.name, f"above the maximum {col.max:g}" if col.max is not None else
                   "too large for a whole number")
        reject(present & type_failed, col.name, f"expected {_type_word(col.type)}")
        converted[col.name] = typed
        ok = present & ~type_failed
        if col.allowed is not None:
            reject(ok & ~typed.isin(list(col.allowed)), col.name,
                   "value not allowed; expected one of " + ", ".join(map(str, col.allowed)))
        if col.min is not None:
            reject(ok & (typed < col.min), col.name, f"below the minimum {col.min:g}")
        if col.max is not None:
            reject(ok & (typed > col.max), col.name, f"above the maximum {col.max:g}")

    out = pd.DataFrame(converted, index=frame.index)
    is_rejected = reason.notna()
    rejects = pd.DataFrame(
        {
            "row_number": frame.index[is_rejected].to_numpy(),
            "column": bad_column[is_rejected].to_numpy(),
            "value": [
                _as_text(frame.at[i, c]) for i, c in zip(frame.index[is_rejected], bad_column[is_rejected])
            ],
            "reason": reason[is_rejected].to_numpy(),
        }
    )
    return ValidationResult(valid=out[~is_rejected].reset_index(drop=True), rejects=rejects)


def _coerce(values: pd.Series, duck_type: str) -> tuple[pd.Series, pd.Series]:
    """Convert to the Python-side type for ``duck_type``; also say which present values failed."""
    if duck_type in _NUMERIC_TYPES:
        typed = pd.to_numeric(values, errors="coerce")
        failed = values.notna() & typed.isna()
        if duck_type in _INTEGER_TYPES:
            # A whole number beyond 64 bits (1e23, 2**63) cannot be stored; fail it here rather than let
            # the cast to Int64 raise. Bounds in schema.yaml then give the range users should read.
            unfit = typed.notna() & ((typed != np.floor(typed)) | (typed.abs() > 2.0**62))
            failed |= unfit
            typed = typed.where(~unfit).astype("Int64")
        else:
            typed = typed.astype("Float64")
        return typed, failed
    if duck_type in _TEMPORAL_TYPES:
        typed = pd.to_datetime(values, errors="coerce")
        failed = values.notna() & typed.isna()
        if duck_type == "DATE":
            typed = typed.dt.normalize()
        return typed, failed
    if duck_type == "BOOLEAN":
        mapping = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
        typed = values.map(lambda v: v if isinstance(v, bool) else mapping.get(str(v).strip().lower()),
                           na_action="ignore")
        return typed.astype("boolean"), values.notna() & typed.isna()
    # VARCHAR: keep text as text, trimmed; numbers that were read as floats lose a stray ".0".
    typed = values.map(_as_text, na_action="ignore").astype("string")
    return typed, pd.Series(False, index=values.index)


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_valid_geometry(geom: Any) -> bool:
    return bool(getattr(geom, "is_valid", False)) and not geom.is_empty and geom.geom_type in (
        "Polygon",
        "MultiPolygon",
    )


def _type_word(duck_type: str) -> str:
    return {
        "SMALLINT": "a whole number",
        "INTEGER": "a whole number",
        "BIGINT": "a whole number",
        "DOUBLE": "a number",
        "DATE": "a date (YYYY-MM-DD)",
        "TIMESTAMP": "a date and time (YYYY-MM-DD HH:MM)",
        "BOOLEAN": "true or false",
    }.get(duck_type, duck_type.lower())
