"""Privacy rules for what the public sees (public mode): small counts, sensitive offenses, small surveys.

The rules (documented on the Methodology page, configurable through the environment):

* **Small counts.** An incident count from 1 to ``min_count - 1`` (default 1-3), or a net count from -1 to
  -(``min_count - 1``) (a balance of records and later corrections), is not shown: the
  number becomes NA and a companion ``<column>_note`` says "fewer than 4" (a cell with no data has
  no note), and every rate, change, % change and z derived from it is blanked too. This holds for
  every incident count at every level: citywide, district, neighborhood, month, offense group.
* **Complementary suppression.** Where a hidden count could be worked out from a total that is
  shown (a table whose rows add up to the citywide total, a district's neighborhoods, a district's
  offense groups, the months that add up to the last 12 months), more counts are hidden: while some
  hidden count can be pinned to a single value from the shown numbers of one such sum (knowing that
  "fewer than 4" means 1-3 and that a count hidden to protect it is at least 4), the smallest shown
  count of that sum that is not small is hidden too ("hidden to protect a small count"). The
  choice is deterministic, so a count is hidden in the same places on every page, download,
  briefing and in the command line for the same filters.
* **No incident points.** The dashboard maps no incident locations at all (the Map page's points
  are engagement activities); sensitive offenses (sex offenses, domestic violence) would never
  get points, other incidents only generalised to a block or hexagon.
* **Small surveys.** No survey score from fewer than ``metrics.MIN_RESPONDENTS`` respondents.

* **Corrections.** How many of an area's incidents later corrections remove (``corrected``) and the
  count after them (``after_corrections`` = incidents - corrected) are counts like any other: each
  column is protected across the areas like the incidents, and within each area the three numbers
  add up (incidents = corrected + after corrections), so a shown count with one of the other two
  never gives a hidden one away (``protect_area_tables``). A hidden corrections figure always reads
  "withheld" (the reader learns only that it is not negative), so that rows and columns taken
  together do not pin one down either.

Engagement activities, officer hours and training are records of police work, not of victims, and
are shown as they are. Program estimates are model outputs, not counts.

Limits (said on the Methodology page): each sum is checked on its own, not with a full
linear-programming audit of every view at once; and someone who compares views with different
filters (two overlapping periods, each offense group in turn) can sometimes narrow a hidden count
down: cell suppression cannot prevent differencing of freely chosen periods.

Pure functions (no Streamlit, no Store): tables in, suppressed tables out.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from community_policing.stats import trust_stats
from community_policing.i18n import N_, _

MIN_COUNT_ENV = "COMMON_GROUND_MIN_COUNT"
DEFAULT_MIN_COUNT = 4
SENSITIVE_OFFENSE_GROUPS = ("rape",)  # the UCR groups that are sex offenses; domestic violence is not a UCR group

PRIMARY = "primary"              # a small count (1 to min_count - 1, or its negative)
COMPLEMENTARY = "complementary"  # a count hidden so that a total does not give a small one away (>= min_count)
WITHHELD = "withheld"            # any count (0 too) of a breakdown that could not be protected otherwise
NOTE_SUFFIX = "_note"
COUNT_COLUMNS = ("incidents", "incidents_prior_year")
# Each count with the two counts it splits into: later corrected + after later corrections.
CORRECTION_SETS = (("incidents", "corrected", "after_corrections"),
                   ("incidents_prior_year", "corrected_prior_year", "after_corrections_prior_year"))
CORRECTION_COUNT_COLUMNS = tuple(c for _total, *parts in CORRECTION_SETS for c in parts)
UNASSIGNED_ID = "unassigned"  # metrics.UNASSIGNED_ID (not imported: metrics imports this module)
NOT_SHOWN_READING = N_("not shown (small count)")  # a value code compares; shown with _()


@dataclass(frozen=True)
class Rules:
    """Public-mode privacy rules: counts from 1 to min_count - 1 are suppressed."""

    min_count: int = DEFAULT_MIN_COUNT
    sensitive_offense_groups: tuple[str, ...] = SENSITIVE_OFFENSE_GROUPS

    @property
    def label(self) -> str:
        return _("fewer than {n}").format(n=self.min_count)

    @property
    def complementary_label(self) -> str:
        return _("hidden to protect a small count")

    @property
    def withheld_label(self) -> str:
        return _("withheld to protect a small count")

    def note(self, kind: str | None) -> str:
        """The words a suppressed cell shows instead of its number ("" for a shown cell)."""
        return {PRIMARY: self.label, COMPLEMENTARY: self.complementary_label,
                WITHHELD: self.withheld_label}.get(kind, "")

    def is_small(self, count) -> bool:
        """True for a count that must not be shown: 1 to min_count - 1, or -1 to -(min_count - 1). A net count
        (records minus later corrections, a balance of +1 and -1 rows) of -2 is a small count in disguise: it
        says that two records, or a handful, are behind it."""
        try:
            if count is None or pd.isna(count):
                return False
            value = int(count)
        except (TypeError, ValueError, OverflowError):
            return False
        return 0 < abs(value) < self.min_count


def rules_from_env(env=os.environ) -> Rules:
    """The rules, with ``$COMMON_GROUND_MIN_COUNT`` (at least 2) overriding the threshold."""
    raw = env.get(MIN_COUNT_ENV)
    if raw is None or not str(raw).strip():
        return Rules()
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{MIN_COUNT_ENV} must be a whole number of at least 2, not {raw!r}") from exc
    if value < 2:
        raise ValueError(f"{MIN_COUNT_ENV} must be at least 2 (got {value})")
    return Rules(min_count=value)


def describe(rules: Rules, min_respondents: int) -> list[str]:
    """The rules in plain sentences (the Methodology page, briefings and the CLI say the same)."""
    return [
        _("Incident counts from 1 to {largest} are shown as \u201c{label}\u201d, never as the number, at every level "
          "(citywide, district, neighborhood, month, offense group); rates, changes, % changes and noise readings "
          "made from them are left out too. A blank with no such note means no data.").format(
            largest=rules.min_count - 1, label=rules.label),
        _("A net count (records less later corrections) from \u2212{largest} to \u22121 is a small count too, and "
          "is hidden the same way.").format(largest=rules.min_count - 1),
        _("Where a hidden count could be worked out from a total that is shown (rows that add up to the city, a "
          "district's neighborhoods, a district's offense groups, months that add up to the last 12), the smallest "
          "other count of that sum is hidden as well (\u201c{complementary}\u201d; such a count is at least {n}). "
          "Where even that cannot protect it, the whole breakdown, its small counts and zeros included, is withheld "
          "(\u201c{withheld}\u201d).").format(complementary=rules.complementary_label, n=rules.min_count,
                                              withheld=rules.withheld_label),
        _("No incident is ever mapped as a point: the map's points are engagement activities. Sex offenses and "
          "domestic violence would never get points; any other incident points would be generalised to a block "
          "or hexagon."),
        _("No survey score from fewer than {n} respondents is shown.").format(n=min_respondents),
        _("Engagement activities, officer hours and training are records of police work, not of victims, and are "
          "shown as they are; program estimates are model outputs, not counts."),
        _("How many incidents later corrections remove, and the count after them, are counts too: hidden by the same "
          "rules, and protected together with the count they split, so that two of the three numbers never give "
          "away a hidden third."),
    ]


def public_note(rules: Rules) -> str:
    """One sentence for a page, table or file in public mode."""
    return _("Public view: incident counts from 1 to {largest} read \u201c{label}\u201d and a few others read "
             "\u201c{complementary}\u201d (or, rarely, \u201c{withheld}\u201d), so that no total gives a small count "
             "away; rates and changes made from them are left out (see How to read these numbers).").format(
        largest=rules.min_count - 1, label=rules.label, complementary=rules.complementary_label,
        withheld=rules.withheld_label)


# --- the engine: cells, the sums they take part in, and which cells to hide ------------------------


@dataclass(frozen=True)
class Equation:
    """A sum the reader can see or rebuild: ``total`` = sum of ``parts`` (+ a fixed offset the
    reader is assumed to know, such as incidents outside every neighborhood)."""

    total: Hashable
    parts: tuple[Hashable, ...]


def _bounds(kind: str, rules: Rules) -> tuple[float, float]:
    """What a reader knows of a hidden cell: 1..min_count-1 for a small one, at least min_count for
    one hidden to protect it, only that it is not negative for a withheld one."""
    if kind == PRIMARY:
        return 1.0, float(rules.min_count - 1)
    if kind == COMPLEMENTARY:
        return float(rules.min_count), math.inf
    return 0.0, math.inf


def _pinned(eq: Equation, values: Mapping, status: Mapping, rules: Rules) -> bool:
    """True when the shown cells of ``eq`` pin some hidden cell of it to a single value."""
    members = [(p, 1) for p in eq.parts] + [(eq.total, -1)]
    hidden = [(c, a) for c, a in members if c in status]
    if not hidden:
        return False
    # sum(a * x) over the hidden cells = K, where K is known to the reader (offset and shown cells).
    K = sum(a * values[c] for c, a in hidden)
    for i, (cell, a) in enumerate(hidden):
        lo_o = hi_o = 0.0
        for j, (other, b) in enumerate(hidden):
            if i == j:
                continue
            lo, hi = _bounds(status[other], rules)
            if b > 0:
                lo_o, hi_o = lo_o + lo, hi_o + hi
            else:
                lo_o, hi_o = lo_o - hi, hi_o - lo
        lo, hi = K - hi_o, K - lo_o          # a * x lies here
        if a < 0:
            lo, hi = -hi, -lo
        own_lo, own_hi = _bounds(status[cell], rules)
        lo, hi = max(lo, own_lo), min(hi, own_hi)
        if hi - lo < 1:
            return True
    return False


def protect(values: Mapping[Hashable, float], equations: Sequence[Equation], rules: Rules,
            fixed: Mapping[Hashable, str | None] | None = None) -> dict[Hashable, str]:
    """Which cells to hide: ``{cell: PRIMARY | COMPLEMENTARY | WITHHELD}``.

    Every cell with a small value is hidden (PRIMARY). Then, for each equation in turn (repeated
    until nothing changes), while a hidden cell can be pinned to one value from the equation's
    shown cells, the smallest shown part of at least ``min_count`` is hidden too (COMPLEMENTARY; the
    total when no such part is left). When nothing of the kind is left (the other counts are 0, or
    exactly ``min_count`` beside a 1, and the total is shown elsewhere) every part of the equation is
    WITHHELD, its small counts and zeros included, so that the reader knows only that each is not
    negative. ``fixed`` cells were decided elsewhere (their status there is kept: a kind, or None for
    shown) and are never chosen. Equations with a cell whose value is unknown (None/NA: no data) are
    skipped. Deterministic: ties go to the earlier part.

    Each equation is checked with interval bounds on its own (the classic audit of cell suppression),
    not by a linear-programming audit of all equations at once.
    """
    fixed = dict(fixed or {})
    status: dict[Hashable, str] = {c: k for c, k in fixed.items() if k}
    for cell, value in values.items():
        if cell not in fixed and value is not None and not pd.isna(value) and rules.is_small(value):
            status[cell] = PRIMARY
    usable = [eq for eq in equations
              if all(c in values and values[c] is not None and not pd.isna(values[c]) for c in (eq.total, *eq.parts))]
    stuck: set[int] = set()
    changed = True
    while changed:
        changed = False
        for n, eq in enumerate(usable):
            while n not in stuck and _pinned(eq, values, status, rules):
                pick = _candidate(eq, values, status, fixed, rules)
                if pick is not None:
                    status[pick] = COMPLEMENTARY
                    changed = True
                    continue
                rest = [c for c in eq.parts if c not in fixed and status.get(c) != WITHHELD]
                if not rest:
                    stuck.add(n)  # nothing left to do in this sum: leave it
                    break
                # The whole breakdown is withheld, its small counts too: a reader then knows only that
                # each part is not negative (a "fewer than 4" beside counts of at least 4 would pin it).
                for c in rest:
                    status[c] = WITHHELD
                changed = True
    return status


def _candidate(eq: Equation, values, status, fixed, rules: Rules):
    def free(c) -> bool:
        return c not in status and c not in fixed and values[c] >= rules.min_count

    parts = sorted((values[c], i) for i, c in enumerate(eq.parts) if free(c))
    if parts:
        return eq.parts[parts[0][1]]
    return eq.total if free(eq.total) else None


# --- applying a decision to a table -----------------------------------------------------------------


def note_column(column: str) -> str:
    return column + NOTE_SUFFIX


def is_protected(table: pd.DataFrame) -> bool:
    """True for a table these functions have suppressed (it carries note columns)."""
    return any(str(c).endswith(NOTE_SUFFIX) for c in table.columns)


def hidden(table: pd.DataFrame, column: str) -> pd.Series:
    """True where ``column`` was hidden (its note is set); all False for an unprotected table."""
    note = note_column(column)
    if note not in table.columns:
        return pd.Series(False, index=table.index)
    return table[note].astype(object).fillna("").astype(str).ne("")  # (an all-empty note read back is float)


def columns_with_notes(columns: Iterable[str], table: pd.DataFrame) -> list[str]:
    """``columns`` with each count's note column right after it, where the table has one."""
    out = []
    for c in columns:
        out.append(c)
        if note_column(c) in table.columns and note_column(c) not in columns:
            out.append(note_column(c))
    return out


def _set_hidden(out: pd.DataFrame, column: str, kinds: Sequence[str | None], rules: Rules) -> pd.Series:
    mask = pd.Series([k is not None for k in kinds], index=out.index)
    out[column] = pd.array(out[column], dtype="Int64")
    out.loc[mask, column] = pd.NA
    note = [rules.note(k) for k in kinds]
    position = out.columns.get_loc(column) + 1
    if note_column(column) in out.columns:
        out[note_column(column)] = note
    else:
        out.insert(position, note_column(column), note)
    return mask


def _blank(out: pd.DataFrame, column: str, mask: pd.Series) -> None:
    """Blank ``column`` where ``mask`` (NA in a nullable column, NaN in a float one)."""
    if column not in out.columns or not mask.any():
        return
    col = out[column]
    if isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
        out.loc[mask, column] = pd.NA
    elif pd.api.types.is_float_dtype(col):
        out.loc[mask, column] = np.nan
    elif pd.api.types.is_integer_dtype(col):
        out[column] = pd.array(col, dtype="Int64")
        out.loc[mask, column] = pd.NA
    else:
        out[column] = col.astype(object)
        out.loc[mask, column] = None


def _apply_counts(table: pd.DataFrame, kinds: Mapping[str, Sequence[str | None]], rules: Rules,
                  derived: Mapping[str, Sequence[str]] | None = None, readings: Sequence[str] = ("noise",)) -> pd.DataFrame:
    """Hide the count cells in ``kinds`` ({column: kind per row}) and blank what is derived from them:
    ``derived`` maps a derived column to the count columns it is made from."""
    out = table.copy()
    masks = {col: _set_hidden(out, col, ks, rules) for col, ks in kinds.items()}
    reading_masks = {col: m for col, m in masks.items() if col not in CORRECTION_COUNT_COLUMNS}
    derived = derived if derived is not None else {
        "change": COUNT_COLUMNS, "pct_change": COUNT_COLUMNS, "noise_z": COUNT_COLUMNS,
        "rate_per_1000": ("incidents",), "crime_change": COUNT_COLUMNS,
    }
    for column, sources in derived.items():
        mask = pd.Series(False, index=out.index)
        for source in sources:
            if source in masks:
                mask |= masks[source]
        _blank(out, column, mask)
    for reading in readings:
        if reading in out.columns:
            both = pd.Series(False, index=out.index)
            for m in reading_masks.values():
                both |= m
            out[reading] = out[reading].astype(object).where(~both, NOT_SHOWN_READING)
    return out


def noise_labels(table: pd.DataFrame, noise_label) -> pd.Series:
    """``noise_label`` of each row's ``noise_z``, or "not shown (small count)" where a count was hidden; where
    the row has no comparison at all (its ``comparison`` says why: nothing loaded a year earlier), that."""
    if "noise_basis" in table.columns:  # no history to measure normal variation: "no reading", said so
        labels = pd.Series([noise_label(z, basis=b) for z, b in zip(table["noise_z"], table["noise_basis"])],
                           index=table.index, dtype=object)
    else:
        labels = table["noise_z"].map(noise_label)
    mask = pd.Series(False, index=table.index)
    for col in COUNT_COLUMNS:
        mask |= hidden(table, col)
    labels = labels.where(~mask, NOT_SHOWN_READING)
    if "comparison" in table.columns:
        why = table["comparison"].map(lambda v: v if isinstance(v, str) and v else "")
        labels = labels.where(why.eq(""), why)
    return labels


def count_text(value, note: str | None = "", fmt: str = "{:,}", missing: str = "n/a") -> str:
    """A count for a label or hover: its note when hidden, else the number (``missing`` when no data)."""
    if isinstance(note, str) and note:
        return note
    if value is None or pd.isna(value):
        return missing
    return fmt.format(int(value))


def row_text(row, column: str, fmt: str = "{:,}", missing: str = "n/a") -> str:
    """``count_text`` of one row's column (with its note when the row has one)."""
    return count_text(row.get(column), row.get(note_column(column), ""), fmt, missing)


# --- per-area tables (metrics.area_comparison) ------------------------------------------------------


@dataclass(frozen=True)
class ProtectedAreas:
    """The district and neighborhood tables of one choice of filters, suppressed together, and the
    fate of the citywide total (``city``: column -> kind, None when shown; ``city_values`` the
    numbers, for protect_city_totals)."""

    districts: pd.DataFrame
    neighborhoods: pd.DataFrame | None
    city: dict
    city_values: dict

    def table(self, level: str) -> pd.DataFrame:
        if level == "district":
            return self.districts
        if self.neighborhoods is None:
            raise ValueError("no neighborhood table was protected")
        return self.neighborhoods


def _area_equations(districts: pd.DataFrame, neighborhoods: pd.DataFrame | None) -> list[Equation]:
    city = ("city",)
    eqs = [Equation(city, tuple(("district", str(a)) for a in districts["area_id"]))]
    if neighborhoods is not None:
        eqs.append(Equation(city, tuple(("neighborhood", str(a)) for a in neighborhoods["area_id"])))
        nb = neighborhoods[neighborhoods["area_id"] != UNASSIGNED_ID]
        for d in districts["area_id"]:
            if d == UNASSIGNED_ID:
                continue
            parts = tuple(("neighborhood", str(a)) for a in nb.loc[nb["district_id"].astype(str) == str(d), "area_id"])
            if parts:
                # The district's neighborhoods add up to the district, give or take incidents outside
                # them or counted in a neighbouring district: taken as known, to be safe.
                eqs.append(Equation(("district", str(d)), parts))
    return eqs


def _column_total(column: pd.Series) -> int | None:
    """The citywide total of a count column (None when a cell has no data: nothing loaded)."""
    return None if column.isna().any() else int(column.sum())


def _value(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def protect_area_tables(districts: pd.DataFrame, neighborhoods: pd.DataFrame | None, rules: Rules) -> ProtectedAreas:
    """Suppress the district and neighborhood ``area_comparison`` tables of the same filters together.

    Sums protected, per count column (the period and the year earlier separately): the districts
    (with the unassigned row) add up to the citywide total; so do the neighborhoods; and each
    district's neighborhoods add up to the district. Both tables are always needed, so that a count
    is hidden the same way on a district view and a neighborhood view.

    The corrections figures (``corrected`` and ``after_corrections``, where the table has them) are
    decided after the incidents: each column across the areas the same way, and in every area (and
    citywide) incidents = corrected + after corrections, with the incidents' own fate fixed, so that
    two shown numbers of the three never give the third away when it is hidden.
    """
    kinds_d: dict[str, list] = {}
    kinds_n: dict[str, list] = {}
    city: dict = {}
    city_values: dict = {}
    eqs = _area_equations(districts, neighborhoods)
    for col in COUNT_COLUMNS:
        values: dict = {("city",): _column_total(districts[col])}
        values.update({("district", str(a)): v for a, v in zip(districts["area_id"], districts[col])})
        if neighborhoods is not None:
            values.update({("neighborhood", str(a)): v for a, v in zip(neighborhoods["area_id"], neighborhoods[col])})
        status = protect(values, eqs, rules)
        kinds_d[col] = [status.get(("district", str(a))) for a in districts["area_id"]]
        if neighborhoods is not None:
            kinds_n[col] = [status.get(("neighborhood", str(a))) for a in neighborhoods["area_id"]]
        city[col] = status.get(("city",))
        city_values[col] = values[("city",)]
    _protect_corrections(districts, neighborhoods, eqs, rules, kinds_d, kinds_n, city, city_values)
    d = _apply_counts(districts, kinds_d, rules)
    n = _apply_counts(neighborhoods, kinds_n, rules) if neighborhoods is not None else None
    return ProtectedAreas(d, n, city, city_values)


def _protect_corrections(districts: pd.DataFrame, neighborhoods: pd.DataFrame | None, eqs: list[Equation],
                         rules: Rules, kinds_d: dict, kinds_n: dict, city: dict, city_values: dict) -> None:
    """Decide the corrections columns (see ``protect_area_tables``), adding to the kinds and city dicts."""
    tables = [("district", districts, kinds_d)]
    if neighborhoods is not None:
        tables.append(("neighborhood", neighborhoods, kinds_n))
    for total_col, *parts in CORRECTION_SETS:
        if total_col not in kinds_d or any(p not in districts.columns for p in parts):
            continue
        if neighborhoods is not None and any(p not in neighborhoods.columns for p in parts):
            continue
        values: dict = {("city", total_col): city_values[total_col]}
        fixed: dict = {("city", total_col): city[total_col]}
        for part in parts:
            values[("city", part)] = _column_total(districts[part])
        rows = [("city",)]
        for level, table, kinds in tables:
            for i, area in enumerate(table["area_id"]):
                key = (level, str(area))
                rows.append(key)
                values[(*key, total_col)] = _value(table[total_col].iloc[i])
                fixed[(*key, total_col)] = kinds[total_col][i]
                for part in parts:
                    values[(*key, part)] = _value(table[part].iloc[i])
        equations = [Equation((*key, total_col), tuple((*key, part) for part in parts)) for key in rows]
        for part in parts:
            equations += [Equation((*eq.total, part), tuple((*c, part) for c in eq.parts)) for eq in eqs]
        status = protect(values, equations, rules, fixed=fixed)
        # Every hidden corrections figure reads "withheld": the reader learns only that it is not negative (not
        # that it is 1 to 3, or at least 4), so that the rows and the columns together cannot pin one down.
        for part in parts:
            for level, table, kinds in tables:
                kinds[part] = [WITHHELD if status.get((level, str(a), part)) else None for a in table["area_id"]]
            city[part] = WITHHELD if status.get(("city", part)) else None
            city_values[part] = values[("city", part)]


def status_of(row: Mapping, rules: Rules) -> dict[str, str | None]:
    """The kind of each hidden count of one row of a protected table ({column: kind or None})."""
    out = {}
    for col in (*COUNT_COLUMNS, *CORRECTION_COUNT_COLUMNS):
        if col in CORRECTION_COUNT_COLUMNS and col not in row and note_column(col) not in row:
            continue
        note = str(row.get(note_column(col), "") or "")
        kinds = {rules.label: PRIMARY, rules.complementary_label: COMPLEMENTARY, rules.withheld_label: WITHHELD}
        out[col] = kinds.get(note, COMPLEMENTARY) if note else None
    return out


def kpi_counts(row: Mapping, rules: Rules | None = None) -> dict:
    """From one row of an area table (protected or not): incidents, incidents_prior_year and the
    corrections figures (None when hidden or not recorded), their notes, whether a comparison may be shown
    (both counts shown) and ``comparison`` (why there is none at all: nothing loaded a year earlier)."""
    out = {}
    for col in (*COUNT_COLUMNS, *CORRECTION_COUNT_COLUMNS):
        note = str(row.get(note_column(col), "") or "")
        value = row.get(col)
        out[col] = None if note or value is None or pd.isna(value) else int(value)
        out[note_column(col)] = note
    comparison = row.get("comparison", "")
    out["comparison"] = comparison if isinstance(comparison, str) else ""
    out["comparable"] = not (out["incidents_note"] or out["incidents_prior_year_note"] or out["comparison"])
    return out


def protect_city_totals(totals, protected: ProtectedAreas, rules: Rules, min_respondents: int):
    """``metrics.CityTotals`` as the public may see it: the citywide incidents as decided with the
    area tables, no change when either count is hidden, and no trust score from fewer than
    ``min_respondents`` respondents."""
    notes = {col: rules.note(protected.city.get(col)) for col in (*COUNT_COLUMNS, *CORRECTION_COUNT_COLUMNS)}
    changes: dict = {}
    if notes["incidents"]:
        changes["incidents"] = None
    if notes["incidents_prior_year"]:
        changes["incidents_prior_year"] = None
    if notes["incidents"] or notes["incidents_prior_year"]:
        changes.update(pct_change=None, noise_z=None)
        if not getattr(totals, "comparison", ""):
            changes["noise"] = NOT_SHOWN_READING
    fields = {f.name for f in dataclasses.fields(totals)}
    for col in (*COUNT_COLUMNS, *CORRECTION_COUNT_COLUMNS):
        if note_column(col) in fields:
            changes[note_column(col)] = notes[col]
            if notes[col] and col in fields:
                changes[col] = None
    if totals.trust is not None and totals.trust_respondents < min_respondents:
        changes["trust"] = None
    prior_respondents = getattr(totals, "trust_respondents_prior_year", None)
    if totals.trust_prior_year is not None and prior_respondents is not None and prior_respondents < min_respondents:
        changes["trust_prior_year"] = None
    if getattr(totals, "city_trust", None) is not None:
        changes["city_trust"] = trust_stats.protect(totals.city_trust, min_respondents)
    return dataclasses.replace(totals, **changes)


# --- one line of counts that adds up to a total (offense mix, a table's column) -------------------------


def protect_line(table: pd.DataFrame, rules: Rules, total_status: Mapping[str, str | None] | None = None,
                 columns: Sequence[str] = COUNT_COLUMNS, derived: Mapping[str, Sequence[str]] | None = None,
                 total_known: bool = True, readings: Sequence[str] = ("noise",)) -> pd.DataFrame:
    """Suppress the rows of a table whose count columns add up to a total shown elsewhere.

    ``total_status`` gives the total's fate where it is decided elsewhere (a district's count on
    its KPI: a kind, or None when shown); without it the total is assumed shown when
    ``total_known`` (conservative), else only small counts are hidden.
    """
    kinds = {}
    for col in columns:
        if col not in table.columns:
            continue
        values = {("row", i): v for i, v in enumerate(table[col])}
        total = ("total",)
        values[total] = int(pd.to_numeric(table[col], errors="coerce").fillna(0).sum())
        eqs = [Equation(total, tuple(("row", i) for i in range(len(table))))] if total_known else []
        fixed = {total: (total_status or {}).get(col)} if total_status is not None or total_known else None
        status = protect(values, eqs, rules, fixed=fixed)
        kinds[col] = [status.get(("row", i)) for i in range(len(table))]
    return _apply_counts(table, kinds, rules, derived=derived, readings=readings)


def protect_offense_mix(mix: pd.DataFrame, rules: Rules, total_status: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """``district.offense_mix`` for the public: small group counts hidden, the groups protected
    against the district's total (``total_status``: the district's cells as decided for its KPI),
    shares blanked where the count is hidden (and everywhere when the district total is hidden:
    a share would give the total away); hidden groups listed last."""
    out = protect_line(mix, rules, total_status=total_status or {}, derived={
        "change": COUNT_COLUMNS, "pct_change": COUNT_COLUMNS, "noise_z": COUNT_COLUMNS, "share_pct": ("incidents",)})
    if total_status and total_status.get("incidents") and "share_pct" in out.columns:
        out["share_pct"] = np.nan
    return _hidden_last(out, ["label"] if "label" in out.columns else [])


def _hidden_last(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Shown rows keep their order; rows with a hidden count go last, in ``by`` order, so that the
    position of a hidden row says nothing about its size."""
    mask = hidden(table, "incidents") | hidden(table, "incidents_prior_year")
    if not mask.any():
        return table
    tail = table[mask]
    tail = tail.sort_values(by, kind="stable") if by else tail
    return pd.concat([table[~mask], tail], ignore_index=True)


def protect_seasonal(table: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """``district.seasonal_pattern(...).table`` for the public: the average of a calendar month is
    hidden when the count behind it (average x years) is small, and the lowest and highest year are
    left out (each is one month's count, shown or hidden on the monthly chart)."""
    out = table.copy()
    years = out["years"].astype(float)
    total = (out["average"].astype(float) * years).round()
    kinds = [PRIMARY if rules.is_small(t) else None for t in total]
    mask = pd.Series([k is not None for k in kinds], index=out.index)
    out["average"] = out["average"].astype(float).mask(mask)
    out.insert(out.columns.get_loc("average") + 1, "average_note", [rules.note(k) for k in kinds])
    return out.drop(columns=[c for c in ("lowest", "highest") if c in out.columns])


def protect_windows(windows: pd.DataFrame, rules: Rules, city_status: Mapping[str, str | None] | None = None,
                    period=None) -> pd.DataFrame:
    """``evaluation.window_comparisons`` (citywide) for the public: small counts hidden with their
    change; the window that is the page's own period follows the citywide total's fate there."""
    cols = {"current": "incidents", "prior": "incidents_prior_year"}
    kinds = {}
    for col, area_col in cols.items():
        ks = [PRIMARY if rules.is_small(v) else None for v in windows[col]]
        if city_status and period is not None:
            same = [(pd.Timestamp(s).date() == period.start and pd.Timestamp(e).date() == period.end)
                    for s, e in zip(windows["start"], windows["end"])]
            ks = [k or (city_status.get(area_col) if s else None) for k, s in zip(ks, same)]
        kinds[col] = ks
    return _apply_counts(windows, kinds, rules, derived={"change": ("current", "prior"), "pct_change": ("current", "prior"),
                                                         "z": ("current", "prior"), "noise_z": ("current", "prior")})


def protect_funnel(placed: pd.DataFrame, protected_districts: pd.DataFrame, rules: Rules) -> pd.DataFrame | None:
    """``evaluation.funnel``'s table (made from the unsuppressed districts, so the city rate and the
    limits are the ones staff see) as the public may see it: a district whose count is hidden in
    ``protected_districts`` has no count, rate, z or position. None when the funnel cannot be shown
    at all: its centre line (incidents of all districts) would give away a hidden unassigned count."""
    unassigned = protected_districts[protected_districts["area_id"] == UNASSIGNED_ID]
    if len(unassigned) and hidden(unassigned, "incidents").any():
        return None
    kinds = dict(zip(protected_districts["area_id"].astype(str),
                     (status_of(r, rules)["incidents"] for _index, r in protected_districts.iterrows())))
    out = _apply_counts(placed, {"incidents": [kinds.get(str(a)) for a in placed["area_id"]]}, rules,
                        derived={"rate_per_1000": ("incidents",), "z_score": ("incidents",), "position": ("incidents",),
                                 "z_adjusted": ("incidents",), "times_city_rate": ("incidents",),
                                 "few_residents": ("incidents",), "denominator_note": ("incidents",)})
    return out


def mask_small(table: pd.DataFrame, column: str, rules: Rules) -> pd.DataFrame:
    """Small counts of ``column`` hidden (no complementary suppression): for counts that are only
    used to make a change that is shown as a % (engagement vs outcomes)."""
    kinds = {column: [PRIMARY if rules.is_small(v) else None for v in table[column]]}
    return _apply_counts(table, kinds, rules, derived={})


# --- monthly series (district.monthly_series), all districts and the city together ---------------------


def _month_cells(series: pd.DataFrame) -> list[tuple[tuple, object, str]]:
    """(span, value, where) of each count of a monthly series: where is 'incidents' or 'prior'."""
    out = []
    for r in series.itertuples(index=False):
        out.append(((pd.Timestamp(r.month).date(), pd.Timestamp(r.last_day).date()), r.incidents, "incidents"))
        out.append(((pd.Timestamp(r.prior_month).date(), pd.Timestamp(r.prior_last_day).date()),
                    r.incidents_prior_year, "incidents_prior_year"))
    return out


def protect_monthly(series: Mapping[str | None, pd.DataFrame], rules: Rules, window: int = 12,
                    window_status: Mapping[str | None, Mapping[str, str | None]] | None = None) -> dict:
    """Monthly series of every district (keys: district ids) and the city (key None), suppressed as
    one grid, per calendar month span (a month cut short by the end of the period is its own span):

    * each month, the districts add up to the city (give or take unassigned incidents, taken as known);
    * for each area, its last ``window`` months add up to its count for those months (and the
      year-earlier months to its year-earlier count); ``window_status`` gives those totals' fate as
      decided for the area tables of that period (so that the District page's KPIs and its chart
      agree), ``{area: {"incidents": kind|None, "incidents_prior_year": kind|None}}``.

    A month's count appears once in the grid even where it is both a month of the chart and the
    year-earlier value of a later month, so it is hidden in both places or in neither.
    """
    values: dict = {}
    spans: list = []
    for area, table in series.items():
        for span, value, _kind in _month_cells(table):
            values[(area, span)] = None if value is None or pd.isna(value) else int(value)
            if span not in spans:
                spans.append(span)
    districts = [a for a in series if a is not None]
    eqs = []
    if None in series:
        for span in spans:
            parts = tuple((d, span) for d in districts if (d, span) in values)
            if parts and (None, span) in values:
                eqs.append(Equation((None, span), parts))
    fixed: dict = {}
    for area, table in series.items():
        last = table.tail(window)
        if len(last) < window:
            continue
        for col, where in (("incidents", "incidents"), ("incidents_prior_year", "prior")):
            cells = [(area, span) for span, _, w in _month_cells(last) if w == col]
            total = (area, f"last_{window}_{col}")
            member_values = [values.get(c) for c in cells]
            if any(v is None for v in member_values):
                continue
            values[total] = int(sum(member_values))
            eqs.append(Equation(total, tuple(cells)))
            if window_status is not None:
                fixed[total] = (window_status.get(area) or {}).get(col)
    status = protect(values, eqs, rules, fixed=fixed)
    out = {}
    for area, table in series.items():
        cells = _month_cells(table)
        kinds = {"incidents": [status.get((area, s)) for s, _, w in cells if w == "incidents"],
                 "incidents_prior_year": [status.get((area, s)) for s, _, w in cells if w == "incidents_prior_year"]}
        out[area] = _apply_counts(table, kinds, rules, derived={"rate_per_1000": ("incidents",)})
    return out


def window_hidden(series: pd.DataFrame, window: int = 12) -> bool:
    """True when a count of the last ``window`` months of a protected series is hidden."""
    last = series.tail(window)
    return bool((hidden(last, "incidents") | hidden(last, "incidents_prior_year")).any())
