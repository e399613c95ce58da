"""Every key a city manifest (``data/cities/<city>/city.toml``) may hold, in one place.

The loader checks each section against this list (an unknown key is a manifest error naming the
section and the keys it takes), and ``markdown()`` writes the README's manifest reference from it
and from ``schema.yaml`` (the target columns of each ``[x.columns]`` mapping), so the documentation
cannot drift from what the loader reads. ``tests/test_manifest_docs.py`` fails when the README's
copy is out of date; ``python -m community_policing.data.manifest_keys --write`` refreshes it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from community_policing.data import schema

# Reading options every tabular source takes (CSV, Excel, Parquet): see importers.tabular.
READING = {
    "format": "csv, excel or parquet; by default from the file name (.csv, .csv.gz, .txt, .tsv, .xlsx, .parquet)",
    "encoding": "by default UTF-8 with or without a byte-order mark, any line that is not UTF-8 read as "
                "Windows-1252/Latin-1 (the file's load note counts them); a named encoding (latin-1, cp1252, "
                "utf-16) is used strictly",
    "sheet": "Excel sheet name or number (default: the first)",
    "delimiter": "one character (default `,`; `\"\\t\"` for tab-separated files)",
    "header": "`false` for a file without a header line (default `true`)",
    "column_names": "with `header = false`: the columns' names, in order (`[\"zip\", \"residents\"]`); "
                    "mappings then use these names",
}
FILES = {"file": "path of the file, relative to `--source-dir` (no absolute paths, no `..`)",
         "files": "a glob for several files (`crime/*.csv.gz`), relative to `--source-dir`"}
LAYER = {
    "file": "GeoJSON, GeoParquet, Shapefile (.shp or zipped .zip) or GeoPackage, relative to `--source-dir`",
    "id_field": "field holding each area's id (features sharing an id are joined into one area)",
    "name_field": "field holding the name shown to readers",
    "name_template": "a name made from the id when the layer has none (`\"District {id}\"`)",
    "crs": "the layer's coordinate system when the file does not say (`\"EPSG:26915\"`)",
}
MAPPED = {
    **FILES,
    "columns": "table `[x.columns]`: warehouse column = source column (targets listed below)",
    "values": "table `[x.values]`: warehouse column = a constant for every row",
    "measures": "`[trust_surveys.measures]` only: measure = source column, for a wide survey file (one row per "
                "measure is made)",
    "keep_rows": "`{ present = [...], absent = [...] }`: keep only rows where these source columns are filled / "
                 "empty; the others are rejects of kind excluded",
    "date_format": "strftime format of the dates (`\"%m/%d/%Y\"`); ISO 8601 when absent",
    **READING,
}

SECTIONS: dict[str, dict[str, str]] = {
    "(top level)": {
        "name": "the city's name, shown on every page (required)",
        "source": "where the data come from, in one sentence, shown in every data note",
    },
    "[districts]": {**LAYER},
    "[neighborhoods]": {**LAYER},
    "[population]": {
        "file": "a table of residents per area, relative to `--source-dir`",
        "level": "`neighborhood` (default; districts get the sum over their neighborhoods, split ones by area) "
                 "or `district`",
        "key": "column holding the area id (as in the layer's `id_field`)",
        "column": "column holding the residents (\"13,343\" and \"13343\" both read; an unreadable value is a "
                  "reject with its line)",
        "year": "the year the figures refer to",
        **READING,
    },
    "[[incidents]]": {
        **FILES,
        "profile": "`\"slmpd\"` for the St. Louis monthly files as published; absent for a column mapping",
        "columns": "table `[incidents.columns]`: warehouse column = source column (targets listed below)",
        "offense_codes": "`\"nibrs\"` (FBI NIBRS/IBRS codes: 09A, 13A, 23A-23H ...) or `\"ucr\"` (UCR classes 1-26, "
                         "or department codes whose class is code // 10000): a built-in table of offense groups for "
                         "the column mapped to `offense_code`",
        "offense_groups": "table `[incidents.offense_groups]`: `column` (default: the offense_code column), `map` "
                          "(value = group; a key ending in `*` matches a prefix, `\"23A..23H\"` an inclusive range), "
                          "`codes` (as offense_codes) and `default` (the group of everything else). Precedence: "
                          "exact, longest prefix, narrowest range, built-in codes, default; a value nothing covers "
                          "is a reject naming it",
        "rows_per_incident": "`\"one\"` (default) or `\"many\"` for exports with one row per offense or person: "
                             "rows sharing the id are one incident, in the most serious group among its rows "
                             "(homicide first); every row stays in incident_offenses; load_files counts rows read "
                             "= incidents + rows merged into an incident + rejected",
        "date_format": "strftime format of the dates (`\"%m/%d/%Y %H:%M\"`); ISO 8601 when absent",
        "coordinates_crs": "coordinate system of `lon`/`lat` (default `\"EPSG:4326\"`; `\"ESRI:102696\"` for "
                           "Missouri East State Plane feet)",
        "district_codes_from": "`\"YYYY-MM\"`: recorded district numbers before this month belong to an older map "
                               "and are never read as today's districts",
        **READING,
    },
    "[organizations]": {
        **FILES,
        "id_field": "field holding each organization's id (required)",
        "name_field": "field holding its name (required)",
        "neighborhood_field": "field holding its neighborhood number",
        "neighborhood_by": "`\"neighborhood_field\"` (default) or `\"largest_overlap\"` (a map layer's organizations go "
                           "to the neighborhood covering the largest share of their polygon)",
        "type_field": "field holding the kind of organization",
        "active_field": "field saying whether it is active (yes/no/unknown, true/false)",
        "schedule_field": "field holding the meeting schedule in its own words",
        "place_field": "field holding the meeting place",
        **READING,
    },
    "[[engagement_events]]": dict(MAPPED),
    "[[training]]": dict(MAPPED),
    "[[trust_surveys]]": dict(MAPPED),
    "[[programs]]": dict(MAPPED),
    "[[outlines]]": {
        "file": "a line or polygon layer (GeoJSON, GeoParquet, Shapefile or GeoPackage) drawn lightly under the "
                "areas of every map, relative to `--source-dir`",
        "kind": "`city` (the city limits), `water` (rivers, lakes), `road` (major roads) or `other` (default); "
                "without a `city` layer the city limits are the district layer's outer edge",
        "name": "a name for every shape of the layer (`\"Mississippi River\"`)",
        "name_field": "field holding each shape's name",
        "crs": "the layer's coordinate system when the file does not say",
    },
    "[[series_breaks]]": {
        "date": "`YYYY-MM-DD` or `YYYY-MM`: the first day counted the new way (required)",
        "label": "short name drawn on charts (required)",
        "description": "what changed, in plain words (required)",
        "kind": "boundaries, counting_rules, records_system, classification or other (default other)",
        "scope": "`all` (default) or `districts` when only counts by district break",
        "district": "the one district whose series breaks",
        "offense_group": "the offense group or category whose series breaks",
        "source": "where the change is documented",
        "label_es": "the label in Spanish", "description_es": "the description in Spanish",
    },
}

# What each key's value must be, checked before anything is read (loader.Manifest.read), so a
# wrong type is one ManifestError naming the key and what was expected, never a traceback deep in
# a reader. Kinds: text, texts (list of text), bool, year, id (text or whole number: a sheet, a
# district), template (text with only the fields in TEMPLATE_FIELDS), date (TOML date or text),
# names (table of text = text), constants (table of text = text, number or true/false),
# keep_rows ({present = [...], absent = [...]}), table (any table, checked by its own reader).
_READING_KINDS = {"format": "text", "encoding": "text", "sheet": "id", "delimiter": "text", "header": "bool",
                  "column_names": "texts"}
_FILES_KINDS = {"file": "text", "files": "text"}
_LAYER_KINDS = {"file": "text", "id_field": "text", "name_field": "text", "name_template": "template", "crs": "text"}
_MAPPED_KINDS = {**_FILES_KINDS, "columns": "names", "values": "constants", "measures": "names",
                 "keep_rows": "keep_rows", "date_format": "text", **_READING_KINDS}
KINDS: dict[str, dict[str, str]] = {
    "(top level)": {"name": "text", "source": "text"},
    "[districts]": dict(_LAYER_KINDS),
    "[neighborhoods]": dict(_LAYER_KINDS),
    "[population]": {"file": "text", "level": "text", "key": "text", "column": "text", "year": "year",
                     **_READING_KINDS},
    "[[incidents]]": {**_FILES_KINDS, "profile": "text", "columns": "names", "offense_codes": "text",
                      "offense_groups": "table", "rows_per_incident": "text", "date_format": "text",
                      "coordinates_crs": "text", "district_codes_from": "text", **_READING_KINDS},
    "[organizations]": {**_FILES_KINDS, **{k: "text" for k in SECTIONS["[organizations]"] if k.endswith("_field")},
                        "neighborhood_by": "text", **_READING_KINDS},
    "[[engagement_events]]": dict(_MAPPED_KINDS),
    "[[training]]": dict(_MAPPED_KINDS),
    "[[trust_surveys]]": dict(_MAPPED_KINDS),
    "[[programs]]": dict(_MAPPED_KINDS),
    "[[outlines]]": {"file": "text", "kind": "text", "name": "text", "name_field": "text", "crs": "text"},
    "[[series_breaks]]": {"date": "date", "label": "text", "description": "text", "kind": "text", "scope": "text",
                          "district": "id", "offense_group": "text", "source": "text", "label_es": "text",
                          "description_es": "text"},
}
# The only field a name_template may hold: "District {id}". Format-string attribute access
# ("{id.__class__}"), positions ("{0}") and format specs ("{id:>999999999}") are refused, so a
# manifest can never reach into Python objects or spend memory through str.format.
TEMPLATE_FIELDS = ("id",)


def year_range() -> tuple[int, int]:
    """Years a population table may refer to: schema.yaml's districts.population_year bounds."""
    col = schema.table("districts").column("population_year")
    return int(col.min), int(col.max)

# Which warehouse table each mapped section's [x.columns] fills, and source-only targets.
COLUMN_TARGETS = {"[[incidents]]": "incidents", "[[engagement_events]]": "engagement_events",
                  "[[training]]": "training", "[[trust_surveys]]": "trust_surveys", "[[programs]]": "programs"}
SOURCE_ONLY_TARGETS = {"[[incidents]]": {"case_number": "the source's case or report number: links a "
                                                        "correction (count -1) to the record it corrects"}}
# Columns the loader fills itself, never from a mapping.
COMPUTED = {"incidents": {"occurred_note", "offense_rows", "corrects_id", "district_id", "neighborhood_id"}}
# Targets that are read from the source but land elsewhere than their own column.
INCIDENT_PLACE_TARGETS = {
    "district_id": "the source's district, used first to place the incident when it is an id of the district layer",
    "neighborhood_id": "the source's neighborhood, used first when it is an id of the neighborhood layer",
    "lon": "longitude, or x in `coordinates_crs`", "lat": "latitude, or y in `coordinates_crs`",
}


def keys(section: str) -> tuple[str, ...]:
    return tuple(SECTIONS[section])


def mapping_targets(section: str) -> dict[str, str]:
    """Target columns a section's [x.columns] may name, with what each means (from schema.yaml)."""
    table = schema.table(COLUMN_TARGETS[section])
    out = {}
    for col in table.columns:
        if col.name in COMPUTED.get(table.name, set()) and col.name not in INCIDENT_PLACE_TARGETS:
            continue
        if table.name == "incidents" and col.name in INCIDENT_PLACE_TARGETS:
            out[col.name] = INCIDENT_PLACE_TARGETS[col.name]
            continue
        out[col.name] = ("**required.** " if col.required else "") + col.description
    out.update(SOURCE_ONLY_TARGETS.get(section, {}))
    return out


BEGIN = "<!-- manifest-reference:begin (generated by python -m community_policing.data.manifest_keys --write) -->"
END = "<!-- manifest-reference:end -->"


def markdown() -> str:
    """The README's manifest reference: every section's keys, then every mapping's target columns."""
    lines = [BEGIN, "", "#### Every manifest key", ""]
    for section, entries in SECTIONS.items():
        lines.append(f"`{section}`" if section != "(top level)" else "Top level")
        lines.append("")
        lines += [f"- `{key}`: {text}" for key, text in entries.items()]
        lines.append("")
    lines += ["#### Target columns of `[x.columns]` (from `schema.yaml`)", ""]
    for section in COLUMN_TARGETS:
        lines.append(f"`{section}` → table `{COLUMN_TARGETS[section]}`")
        lines.append("")
        lines += [f"- `{name}`: {text}" for name, text in mapping_targets(section).items()]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def refresh_readme(readme: Path) -> bool:
    """Replace the README's generated block; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{readme}: no generated manifest reference block ({BEGIN} ... {END})")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    new = before + markdown() + after
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m community_policing.data.manifest_keys [--write]
    if "--write" in sys.argv:
        changed = refresh_readme(Path(__file__).resolve().parents[2] / "README.md")
        print("README.md updated" if changed else "README.md already up to date", file=sys.stderr)
    else:
        print(markdown())
