"""Command-line interface: ``python -m community_policing <command> ...``.

Commands:
  demo       build the simulated demo city into a warehouse file
  load       load a real city from its published files, described by a manifest
  check      a dry run of load: what would load and be rejected, nothing written (exit 0 ok, 1 not)
  districts  print incidents, change (with its noise reading), rate and engagement per area for a period
  evaluate   print each program's estimated effect on incidents and trust (difference-in-differences)
  ledger     record, list and export community-engagement activities (the engagement ledger)
  hash-password  make a staff password hash for .streamlit/secrets.toml (password from stdin, never argv)

Bad input ends with a one-line message on stderr and exit status 2, never a traceback.

``districts`` prints one row per area (CSV or JSON) with the columns of the dashboard's tables
(``metrics.AREA_COLUMNS``) and three more. The change from a year earlier has its reading: ``noise``,
the words the pages show ("within normal variation", "possible change", "significant change"; English in
CSV and JSON whatever ``--lang`` says), ``noise_z``, its score (the test of the two counts as a normal
score: |z| >= 2 possible, >= 3 significant), and ``dispersion``, how many times chance the area's counts
normally vary over periods this long (measured from its own earlier years, ``noise``); ``noise_basis``
says where that comes from ("own history", "pooled over areas", or "no history: plain Poisson" when the
data hold too little history, and the reading then allows for chance alone). ``corrected`` is how many of
the area's incidents later corrections in the source remove (unfounded or reclassified reports;
``incidents`` is the official count, ``incidents - corrected`` the count after later corrections; empty
when the source publishes no corrections), and ``comparison`` is empty, or "not comparable: no data a year
earlier" when (part of) the same days a year earlier lie before the loaded data: then
``incidents_prior_year``, ``change``, ``pct_change``, ``noise_z`` and ``dispersion`` are empty (nothing was
loaded there; it is not a 0) and ``noise`` says why.

``--offense-group`` (``districts`` and ``briefing``) takes ``all``, an offense group's code
(``robbery``, ``other``) or a category written ``category:violent``, ``category:property`` or
``category:other``; ``violent`` and ``property`` alone also mean their category. ``other`` alone is
the offense group "All other offenses"; every Part II offense together is ``category:other``.

``districts`` and ``briefing`` take ``--mode public|staff`` (default: ``$COMMON_GROUND_MODE``, else
staff). Public output follows the privacy rules (``privacy``): small counts are hidden exactly as the
public dashboard hides them, with a ``<column>_note`` saying why.

``briefing`` and ``districts`` take ``--lang en|es`` (default en): the language of the briefing's
text and of the notes printed on stderr. Machine-readable output (CSV and JSON column names and
values) stays the same in both languages; so do error messages, which say what to fix in the
command line.

Every CSV it writes (standard output, ``ledger export FILE``, an import's rejects) goes through
``exports``: text a spreadsheet would read as a formula starts with a single quote. JSON output
keeps the values exactly as they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time

import pandas as pd

from community_policing import exports, i18n, metrics, noise
from community_policing.importers.errors import ManifestError, SourceFileError
from community_policing.schema import SchemaError
from community_policing.store import Store, StoreError, resolve_db_path, write_database


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


MODE_HELP = ("public: hide small counts as the public dashboard does (privacy rules, $COMMON_GROUND_MIN_COUNT); "
             "staff: everything (default: $COMMON_GROUND_MODE, else staff)")


LANG_HELP = f"language of the text: {' or '.join(i18n.LANGUAGES)} (default {i18n.DEFAULT})"


def _set_language(lang: str | None) -> None:
    """``--lang``: English unless asked; an unknown language is bad input (one line, exit status 2)."""
    if lang is None:
        lang = i18n.DEFAULT
    if lang not in i18n.LANGUAGES:
        raise ValueError(f"unknown language {lang!r} for --lang; expected one of {', '.join(i18n.LANGUAGES)}")
    i18n.set_language(lang)


def _privacy_rules(mode: str | None):
    """The privacy rules for ``--mode`` (None: $COMMON_GROUND_MODE, else staff): None for staff."""
    import os

    from community_policing import privacy, settings

    chosen = mode or settings.configured_mode(os.environ)
    return privacy.rules_from_env(os.environ) if chosen == "public" else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m community_policing", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the simulated demo city (Riverbend, Missouri)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    demo.add_argument("--db", help="warehouse file (default $COMMON_GROUND_DB or data/warehouse.duckdb)")
    demo.add_argument("--effect-scale", type=float, default=1.0,
                      help="multiply the injected program effects (0 = programs have no effect)")
    demo.add_argument("--realism", choices=("hard", "clean"), default=None,
                      help="clean: the original Poisson city; hard: real-world noise (overdispersed counts, "
                           "staggered and ended programs, bad spells before starts, seasonal engagement); "
                           "default: the generator's (demo.DEFAULT_REALISM)")

    load = sub.add_parser("load", help="load a city from its manifest (data/cities/<city>/city.toml)")
    load.add_argument("manifest", help="path of the city manifest (TOML)")
    load.add_argument("--source-dir", required=True, help="folder the manifest's file paths are relative to")
    load.add_argument("--db", help="warehouse file (default $COMMON_GROUND_DB or data/warehouse.duckdb)")

    check = sub.add_parser("check", help="dry run of a load: what would load and be rejected, without writing "
                                         "(exit 0 when nothing would be rejected as invalid, else 1)")
    check.add_argument("manifest", help="path of the city manifest (TOML)")
    check.add_argument("--source-dir", required=True, help="folder the manifest's file paths are relative to")

    districts = sub.add_parser("districts", help="incidents, change with its noise reading (noise, noise_z, "
                                                 "dispersion), rate and engagement per area")
    districts.add_argument("--db", help="warehouse file")
    districts.add_argument("--start", type=_date, required=True, help="first day, YYYY-MM-DD")
    districts.add_argument("--end", type=_date, required=True, help="last day, YYYY-MM-DD (inclusive)")
    districts.add_argument("--level", choices=metrics.LEVELS, default="district")
    districts.add_argument("--offense-group", default=None,
                           help="all, an offense group (robbery, other ...) or a category: category:violent, "
                                "category:property, category:other (violent and property alone mean their category)")
    districts.add_argument("--date-basis", choices=metrics.DATE_BASES, default="occurred")
    districts.add_argument("--format", choices=("csv", "json"), default="csv")
    districts.add_argument("--mode", choices=("public", "staff"), default=None, help=MODE_HELP)
    districts.add_argument("--lang", default=None, help=LANG_HELP + "; CSV and JSON are the same in both")
    evaluate = sub.add_parser("evaluate", help="difference-in-differences estimate of each program's effect")
    evaluate.add_argument("--db", help="warehouse file")
    evaluate.add_argument("--program", help="one program by name (default: every program)")
    evaluate.add_argument("--date-basis", choices=metrics.DATE_BASES, default="occurred")
    evaluate.add_argument("--format", choices=("csv", "json"), default="csv")
    brief = sub.add_parser("briefing", help="a printable briefing (PDF) or slide deck (PPTX) for the city or one district")
    brief.add_argument("--db", help="warehouse file")
    brief.add_argument("--district", help="district id (default: citywide)")
    brief.add_argument("--start", required=True, type=_date, help="first day, YYYY-MM-DD")
    brief.add_argument("--end", required=True, type=_date, help="last day, YYYY-MM-DD")
    brief.add_argument("--offense-group", default="all", help="all (default), an offense group, or category:violent, "
                       "category:property, category:other")
    brief.add_argument("--date-basis", choices=metrics.DATE_BASES, default="occurred")
    brief.add_argument("--out", required=True, help="FILE.pdf for the briefing, FILE.pptx for the slide deck")
    brief.add_argument("--mode", choices=("public", "staff"), default=None, help=MODE_HELP)
    brief.add_argument("--lang", default=None, help=LANG_HELP)
    ledger = sub.add_parser("ledger", help="the engagement ledger: add, list, export or import records")
    ledger.add_argument("--ledger", help="ledger file (default $COMMON_GROUND_LEDGER or data/ledger.sqlite)")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    add = ledger_sub.add_parser("add", help="record one activity")
    add.add_argument("--user", required=True, help="who is recording it (kept in the audit trail)")
    for name, help_text in (("date", "YYYY-MM-DD"), ("district", "district id"), ("type", "activity type"),
                            ("title", "short title")):
        add.add_argument(f"--{name}", required=True, help=help_text)
    for name in ("neighborhood", "start-time", "place", "lon", "lat", "attendees", "officers", "officer-hours",
                 "partners", "cost", "notes"):
        add.add_argument(f"--{name}")
    kinds = ("activity", "training", "program", "series")
    listing = ledger_sub.add_parser("list", help="print the activities (or training, programs, recurring meetings)")
    listing.add_argument("--kind", choices=kinds, default="activity")
    listing.add_argument("--include-deleted", action="store_true")
    listing.add_argument("--format", choices=("csv", "json"), default="csv")
    export = ledger_sub.add_parser("export", help="write the activities (or another kind) to a CSV file "
                                                  "(UTF-8 with BOM, formula-like text neutralised)")
    export.add_argument("file")
    export.add_argument("--kind", choices=kinds, default="activity")
    export.add_argument("--include-deleted", action="store_true")
    bulk = ledger_sub.add_parser("import", help="record every row of a filled template (CSV or Excel)")
    bulk.add_argument("file")
    bulk.add_argument("--kind", choices=("activity", "training", "program"), default="activity")
    bulk.add_argument("--user", required=True, help="who is recording them (kept in the audit trail)")
    bulk.add_argument("--db", help="warehouse whose district and neighborhood ids the rows must use")
    hashing = sub.add_parser("hash-password", help="print a staff password hash for .streamlit/secrets.toml "
                                                   "(asks twice on a terminal, else reads one line of stdin)")
    hashing.add_argument("--user", help="a staff member's user name ([common_ground.staff_users]); "
                                        "default: the shared staff password")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    language = i18n.language()
    try:
        return _run(parser, args)
    finally:
        i18n.set_language(language)  # called in-process (tests): the caller's language afterwards


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if hasattr(args, "lang"):
            _set_language(args.lang)
        if args.command == "demo":
            return _demo(args)
        if args.command == "districts":
            return _districts(args)
        if args.command == "load":
            return _load(args)
        if args.command == "check":
            return _check(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "ledger":
            return _ledger(args)
        if args.command == "briefing":
            return _briefing(args)
        if args.command == "hash-password":
            return _hash_password(args)
    except (StoreError, SchemaError, ValueError, SourceFileError, ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    parser.error(f"unknown command {args.command}")
    return 2


def _hash_password(args: argparse.Namespace) -> int:
    from community_policing import auth

    password = auth.read_new_password(sys.stdin, interactive=sys.stdin.isatty())
    print("# Add to .streamlit/secrets.toml (or ~/.streamlit/secrets.toml); never commit that file.",
          file=sys.stderr)
    print(auth.secrets_line(auth.hash_password(password), user=args.user))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from community_policing.demo import generate_demo_city

    began = time.perf_counter()
    started = dt.datetime.now()
    kwargs = {} if args.realism is None else {"realism": args.realism}
    tables = generate_demo_city(seed=args.seed, effect_scale=args.effect_scale, **kwargs)
    tables["metadata"] = pd.concat(
        [tables["metadata"], pd.DataFrame({"key": ["built_at"], "value": [started.isoformat(timespec="seconds")]})],
        ignore_index=True,
    )
    tables["load_batches"] = pd.DataFrame({
        "batch_id": [f"demo-seed{args.seed}-{started:%Y%m%dT%H%M%S}"], "started_at": [started],
        "finished_at": [dt.datetime.now()], "manifest": [None], "source_dir": ["simulated (community_policing.demo)"],
        "loaded_by": ["command line (demo)"]})
    path = write_database(tables, resolve_db_path(args.db))
    print(
        f"built simulated demo city in {path} ({len(tables['incidents']):,} incident rows, "
        f"{len(tables['engagement_events']):,} engagement events) in {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
    )
    return 0


def _load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from community_policing.loader import load_city

    began = time.perf_counter()
    summary = load_city(Path(args.manifest), Path(args.source_dir), resolve_db_path(args.db))
    for line in summary.lines():
        print(line, file=sys.stderr)
    print(f"  took {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from community_policing.loader import check_city

    report = check_city(Path(args.manifest), Path(args.source_dir))
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def _evaluate(args: argparse.Namespace) -> int:
    from community_policing import evaluation

    with Store(args.db) as store:
        table = evaluation.evaluate(store, args.program, date_basis=args.date_basis)
    if table.empty:
        print("note: no programs are recorded in this warehouse, so there is nothing to evaluate", file=sys.stderr)
    _print_table(table[evaluation.EVALUATE_COLUMNS], args.format)
    return 0


def _ledger(args: argparse.Namespace) -> int:
    from community_policing.ledger import Ledger, LedgerError

    book = Ledger(args.ledger)
    if args.ledger_command == "add":
        renames = {"district": "district_id", "neighborhood": "neighborhood_id"}
        fields = ("date", "district", "type", "title", "neighborhood", "start_time", "place", "lon", "lat",
                  "attendees", "officers", "officer_hours", "partners", "cost", "notes")
        entry = {renames.get(f, f): getattr(args, f) for f in fields if getattr(args, f) is not None}
        try:
            entry_id = book.add(entry, user=args.user)
        except LedgerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(entry_id)
    elif args.ledger_command == "list":
        _print_table(book.entries(include_deleted=args.include_deleted, kind=args.kind), args.format)
    elif args.ledger_command == "import":
        return _ledger_import(book, args)
    else:
        from pathlib import Path

        # Through exports (not Ledger.export_csv): free text is neutralised, the file has a BOM for Excel.
        frame = book.entries(include_deleted=args.include_deleted, kind=args.kind)
        Path(args.file).write_bytes(exports.csv_bytes(frame))
        n = len(frame)
        plural = {"activity": "activities", "training": "training sessions", "program": "program sites",
                  "series": "recurring meetings"}[args.kind]
        print(f"wrote {n} {plural} to {args.file}", file=sys.stderr)
    return 0


def _ledger_import(book, args: argparse.Namespace) -> int:
    """A filled template: rows read = recorded + rejected; rejects printed as CSV on stderr, exit 1 if any."""
    from pathlib import Path

    from community_policing import ledger_bulk

    districts = neighborhoods = existing = None
    if args.db:
        with Store(args.db) as store:
            districts = set(store.query("district_list")["district_id"].astype(str))
            neighborhoods = set(store.query("areas", level="neighborhood")["area_id"].astype(str))
            existing = list(store.query("warehouse_programs").astype(str).itertuples(index=False, name=None))
    path = Path(args.file)
    frame = ledger_bulk.read_upload(path.name, path.read_bytes(), args.kind)
    result = ledger_bulk.load_rows(book, frame, args.user, valid_district_ids=districts,
                                   valid_neighborhood_ids=neighborhoods, kind=args.kind, existing_programs=existing)
    rejected = result.rejects["line"].nunique()
    print(f"{result.rows_read} rows read: {len(result.recorded)} recorded, {rejected} rejected", file=sys.stderr)
    if rejected:
        sys.stderr.write(exports.csv_text(result.rejects))
    for entry_id in result.recorded:
        print(entry_id)
    return 1 if rejected else 0


def _briefing(args: argparse.Namespace) -> int:
    from pathlib import Path

    from community_policing import briefing

    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".pptx"):
        raise ValueError(f"--out must end in .pdf (briefing) or .pptx (slide deck), not {out.name!r}")
    with Store(args.db) as store:
        if args.district is not None:
            known = set(store.query("district_list")["district_id"].astype(str))
            if args.district not in known:
                raise ValueError(f"unknown district {args.district!r}; expected one of {', '.join(sorted(known))}")
        request = briefing.BriefingRequest(args.start, args.end, args.district, args.offense_group, args.date_basis,
                                           rules=_privacy_rules(args.mode))
        content = briefing.build_briefing(store, request)
    render = briefing.briefing_pdf if out.suffix.lower() == ".pdf" else briefing.briefing_pptx
    out.write_bytes(render(content))
    print(i18n.gettext("wrote {title} ({period}) to {path}").format(title=content.title, period=content.period_text,
                                                               path=out), file=sys.stderr)
    return 0


def _print_table(table: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        json.dump(json.loads(table.to_json(orient="records", date_format="iso")), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(exports.csv_text(table))


def _districts(args: argparse.Namespace) -> int:
    rules = _privacy_rules(args.mode)
    # Data for other programs: the same codes and notes whatever --lang says (a note is English text).
    with Store(args.db) as store, i18n.speaking(i18n.DEFAULT):
        offense = metrics.resolve_offense(store, args.offense_group)  # ValueError (exit 2) when unknown
        table = metrics.area_comparison(
            store, args.start, args.end, level=args.level, offense_group=offense, date_basis=args.date_basis,
            rules=rules,
        )
    if table["comparison"].astype(str).ne("").any():
        print(i18n.gettext("note: {reason}: the same days a year earlier (from {prior}) reach before the loaded data, "
                           "so no change, % change or z is given").format(
            reason=i18n.gettext(metrics.NOT_COMPARABLE), prior=metrics.Period(args.start, args.end).prior.start),
            file=sys.stderr)  # for the reader: in --lang
    if table["noise_basis"].astype(str).eq(noise.NONE).any():  # no history: the reading allows for chance alone
        print(f"note: {metrics.noise_basis_note(noise.NONE)}", file=sys.stderr)  # for the reader: in --lang
    if rules is not None:
        from community_policing import privacy

        print(f"note: {privacy.public_note(rules)}", file=sys.stderr)  # for the reader: in --lang
        _print_table(table[privacy.columns_with_notes(metrics.CLI_COLUMNS, table)], args.format)
        return 0
    _print_table(table[metrics.CLI_COLUMNS], args.format)
    return 0
