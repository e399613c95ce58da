"""Command-line interface: ``python -m community_policing <command> ...``.

Commands:
  demo       build the simulated demo city into a warehouse file
  load       load a real city from its published files, described by a manifest
  check      a dry run of load: what would load and be rejected, nothing written (exit 0 ok, 1 not)
  districts  print incidents, change (with its noise reading), rate and engagement per area for a period
  evaluate   print each program's estimated effect on incidents and trust (difference-in-differences)
  ledger     record, list and export community-engagement activities (the engagement ledger)
  hash-password  make a staff password hash for .streamlit/secrets.toml (password from stdin, never argv)

Bad input ends with one line on stderr and exit status 2, never a traceback: the line names the
argument, the value and what was expected. Arguments that name a warehouse value (a district, a
neighborhood, an offense group or category, a program, the period) are checked against the warehouse and
refused with the valid values, rather than answered with a table of zeros; a period in which nothing was
loaded is refused with the dates the warehouse holds. Output files must be in an existing folder, and a
``--db`` (or ``--ledger``) that exists must be a warehouse (or a ledger): ``demo`` and ``load`` never
overwrite another kind of file. Anything unexpected is a bug: one line ("internal error: ... please report
it") with the file the details were written to (under ``$TMPDIR``), exit status 70. Ctrl-C ends quietly
with exit status 130; a closed pipe (``... | head``) ends quietly too.

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
import math
import os
import sqlite3
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pandas as pd

from community_policing import exports, i18n
from community_policing.stats import noise
from community_policing.views import metrics
from community_policing.data.importers.errors import ManifestError, SourceFileError
from community_policing.data.schema import SchemaError
from community_policing.data.store import Store, StoreError, resolve_db_path, write_database

BAD_INPUT_EXIT = 2
INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE: a bug, not the user's input
INTERRUPTED_EXIT = 130    # 128 + SIGINT, what a shell reports for Ctrl-C

# Dates on the command line: wide enough for any city's records, narrow enough that a period and the
# same days a year earlier are ordinary dates (year 1 has no year before it; 9999 overflows the history).
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
SEED_MAX = 2**32 - 1  # numpy accepts any size; a bound keeps a typo from becoming a 1,000-digit number
EFFECT_SCALE_MAX = 100.0

_DUCKDB_MAGIC = b"DUCK"           # bytes 8-11 of every DuckDB database file
_SQLITE_MAGIC = b"SQLite format 3\x00"


class BadArgument(ValueError):
    """Bad input on the command line: one line naming the argument, the value and what was expected."""

    def __init__(self, argument: str, message: str):
        super().__init__(f"argument {argument}: {message}")


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (argparse prints the whole usage first, over several lines)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(BAD_INPUT_EXIT, f"error: {_one_line(message)} (see: {self.prog} --help)\n")


MESSAGE_MAX_CHARS = 1_000


def _one_line(text: object) -> str:
    """A message on one line: some library errors (DuckDB's, say) span several, and some quote a file's
    own bytes (a header line of binary junk), which could hold terminal control sequences or run on for
    pages. Whitespace runs become one space, other unprintable characters U+FFFD, and the line is cut."""
    line = "".join(c if c.isprintable() else "\ufffd" for c in " ".join(str(text).split()))
    return line if len(line) <= MESSAGE_MAX_CHARS else line[:MESSAGE_MAX_CHARS - 1] + "…"


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise argparse.ArgumentTypeError(f"expected a date from {DATE_MIN} to {DATE_MAX}, got {text!r}")
    return day


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to {SEED_MAX}, got {text!r}")
    return value


def _effect_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and abs(value) <= EFFECT_SCALE_MAX):
        raise argparse.ArgumentTypeError(
            f"expected a number from -{EFFECT_SCALE_MAX:g} to {EFFECT_SCALE_MAX:g}, got {text!r}")
    return value


def _file_kind(path: Path) -> str | None:
    """'duckdb', 'sqlite', 'empty' or None (something else) for an existing file."""
    with path.open("rb") as f:
        head = f.read(16)
    if not head:
        return "empty"
    if head[8:12] == _DUCKDB_MAGIC:
        return "duckdb"
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    return None


_KIND_WORDS = {"sqlite": "an SQLite file (an engagement ledger?)", "duckdb": "a DuckDB file (a warehouse?)",
               None: "neither a DuckDB nor an SQLite file"}


def _existing_of_kind(text: str, kind: str, what: str) -> str:
    """An argparse type: ``text`` may not exist yet, but if it does it must be a file of ``kind``."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; expected {what}")
    try:
        found = _file_kind(path) if path.exists() else kind
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {text!r} ({exc.strerror}); expected {what}") from None
    if found not in (kind, "empty"):
        raise argparse.ArgumentTypeError(f"{text!r} is {_KIND_WORDS[found]}; expected {what}")
    return text


def _warehouse(text: str) -> str:
    return _existing_of_kind(text, "duckdb", "a Common Ground warehouse (a DuckDB file)")


def _new_warehouse(text: str) -> str:
    """``demo --db``, ``load --db``: the file is replaced, so it must be a warehouse already (or nothing)."""
    return _existing_of_kind(text, "duckdb", "a Common Ground warehouse (a DuckDB file) to replace; "
                                             "another kind of file is never overwritten")


def _ledger_file(text: str) -> str:
    """``--ledger``: a ledger, or a new one in an existing folder (a typo in the folder would otherwise
    start an empty ledger somewhere else, and ``ledger list`` would answer "nothing recorded")."""
    if not Path(text).exists() and not Path(text).parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {str(Path(text).parent)!r} of {text!r} does not exist; "
                                         "expected an engagement ledger (an SQLite file) or a new one in an "
                                         "existing folder")
    return _existing_of_kind(text, "sqlite", "an engagement ledger (an SQLite file)")


def _input_file(text: str) -> str:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no file {text!r}; expected an existing file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file; expected an existing file")
    return text


def _output_file(text: str) -> str:
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; expected a file name")
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(
            f"the folder {str(folder)!r} of {text!r} does not exist; expected a file in an existing folder")
    return text


def _briefing_output(text: str) -> str:
    """``briefing --out``: a file in an existing folder, or (every district) an existing folder."""
    return text if Path(text).is_dir() else _output_file(text)


def _write_file(argument: str, path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:  # permission denied, disk full, ... found only when writing
        raise BadArgument(argument, f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


MODE_HELP = ("public: hide small counts as the public dashboard does (privacy rules, $COMMON_GROUND_MIN_COUNT); "
             "staff: everything (default: $COMMON_GROUND_MODE, else staff)")


WAREHOUSE_IDS_HELP = ("warehouse whose district and neighborhood ids the records must use (default "
                      "$COMMON_GROUND_DB or data/warehouse.duckdb, when it exists)")


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

    from community_policing import settings
    from community_policing.views import privacy

    chosen = mode or settings.configured_mode(os.environ)
    return privacy.rules_from_env(os.environ) if chosen == "public" else None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m community_policing", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the simulated demo city (Riverbend, Missouri)")
    demo.add_argument("--seed", type=_seed, default=2026, help=f"random seed, 0 to {SEED_MAX} (default 2026)")
    demo.add_argument("--db", type=_new_warehouse,
                      help="warehouse file (default $COMMON_GROUND_DB or data/warehouse.duckdb)")
    demo.add_argument("--effect-scale", type=_effect_scale, default=1.0,
                      help="multiply the injected program effects (0 = programs have no effect)")
    demo.add_argument("--realism", choices=("hard", "clean"), default=None,
                      help="clean: the original Poisson city; hard: real-world noise (overdispersed counts, "
                           "staggered and ended programs, bad spells before starts, seasonal engagement); "
                           "default: the generator's (demo.DEFAULT_REALISM)")

    load = sub.add_parser("load", help="load a city from its manifest (data/cities/<city>/city.toml)")
    load.add_argument("manifest", help="path of the city manifest (TOML)")
    load.add_argument("--source-dir", required=True, help="folder the manifest's file paths are relative to")
    load.add_argument("--db", type=_new_warehouse,
                      help="warehouse file (default $COMMON_GROUND_DB or data/warehouse.duckdb)")

    check = sub.add_parser("check", help="dry run of a load: what would load and be rejected, without writing "
                                         "(exit 0 when nothing would be rejected as invalid, else 1)")
    check.add_argument("manifest", help="path of the city manifest (TOML)")
    check.add_argument("--source-dir", required=True, help="folder the manifest's file paths are relative to")

    districts = sub.add_parser("districts", help="incidents, change with its noise reading (noise, noise_z, "
                                                 "dispersion), rate and engagement per area")
    districts.add_argument("--db", type=_warehouse, help="warehouse file")
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
    evaluate.add_argument("--db", type=_warehouse, help="warehouse file")
    evaluate.add_argument("--program", help="one program by name (default: every program)")
    evaluate.add_argument("--date-basis", choices=metrics.DATE_BASES, default="occurred")
    evaluate.add_argument("--format", choices=("csv", "json"), default="csv")
    brief = sub.add_parser("briefing", help="a printable briefing (PDF) or slide deck (PPTX) for the city or one district")
    brief.add_argument("--db", type=_warehouse, help="warehouse file")
    brief.add_argument("--district", help="district id (default: citywide); 'all': a briefing for every district")
    brief.add_argument("--all-districts", action="store_true",
                       help="a briefing for every district, written to --out FOLDER or FILE.zip (as --district all)")
    brief.add_argument("--start", required=True, type=_date, help="first day, YYYY-MM-DD")
    brief.add_argument("--end", required=True, type=_date, help="last day, YYYY-MM-DD")
    brief.add_argument("--offense-group", default="all", help="all (default), an offense group, or category:violent, "
                       "category:property, category:other")
    brief.add_argument("--date-basis", choices=metrics.DATE_BASES, default="occurred")
    brief.add_argument("--out", required=True, type=_briefing_output,
                       help="FILE.pdf for the briefing, FILE.pptx for the slide deck; with every district, a FOLDER "
                            "(PDFs) or FILE.zip")
    brief.add_argument("--format", choices=("pdf", "pptx"), default="pdf",
                       help="with every district: PDF briefings (default) or slide decks")
    brief.add_argument("--mode", choices=("public", "staff"), default=None, help=MODE_HELP)
    brief.add_argument("--lang", default=None, help=LANG_HELP)
    ledger = sub.add_parser("ledger", help="the engagement ledger: add, list, export or import records")
    ledger.add_argument("--ledger", type=_ledger_file,
                        help="ledger file (default $COMMON_GROUND_LEDGER, else the ledger beside the warehouse)")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    add = ledger_sub.add_parser("add", help="record one activity")
    add.add_argument("--user", required=True, help="who is recording it (kept in the audit trail)")
    for name, help_text in (("date", "YYYY-MM-DD"), ("district", "district id"), ("type", "activity type"),
                            ("title", "short title")):
        add.add_argument(f"--{name}", required=True, help=help_text)
    for name in ("neighborhood", "start-time", "place", "lon", "lat", "attendees", "officers", "officer-hours",
                 "partners", "cost", "notes"):
        add.add_argument(f"--{name}")
    add.add_argument("--db", type=_warehouse, help=WAREHOUSE_IDS_HELP)
    kinds = ("activity", "training", "program", "series")
    listing = ledger_sub.add_parser("list", help="print the activities (or training, programs, recurring meetings)")
    listing.add_argument("--kind", choices=kinds, default="activity")
    listing.add_argument("--include-deleted", action="store_true")
    listing.add_argument("--db", type=_warehouse, help="warehouse whose ledger to use (the ledger beside it, unless --ledger or $COMMON_GROUND_LEDGER names one)")
    listing.add_argument("--format", choices=("csv", "json"), default="csv")
    export = ledger_sub.add_parser("export", help="write the activities (or another kind) to a CSV file "
                                                  "(UTF-8 with BOM, formula-like text neutralised)")
    export.add_argument("file", type=_output_file)
    export.add_argument("--kind", choices=kinds, default="activity")
    export.add_argument("--include-deleted", action="store_true")
    export.add_argument("--db", type=_warehouse, help="warehouse whose ledger to use (the ledger beside it, unless --ledger or $COMMON_GROUND_LEDGER names one)")
    bulk = ledger_sub.add_parser("import", help="record every row of a filled template (CSV or Excel)")
    bulk.add_argument("file", type=_input_file)
    bulk.add_argument("--kind", choices=("activity", "training", "program"), default="activity")
    bulk.add_argument("--user", required=True, help="who is recording them (kept in the audit trail)")
    bulk.add_argument("--db", type=_warehouse, help=WAREHOUSE_IDS_HELP)
    bulk.add_argument("--all-or-nothing", action="store_true",
                      help="record nothing when any row is rejected (default: record the valid rows)")
    hashing = sub.add_parser("hash-password", help="print a staff password hash for .streamlit/secrets.toml "
                                                   "(asks twice on a terminal, else reads one line of stdin)")
    hashing.add_argument("--user", help="a staff member's user name ([common_ground.staff_users]); "
                                        "default: the shared staff password")
    return parser


def main(argv: list[str] | None = None) -> int:
    language = i18n.language()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)  # bad arguments: one line and SystemExit(2) (``_Parser.error``)
        return _run(parser, args)
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT  # the person pressed Ctrl-C: they know, so nothing more is said
    except BrokenPipeError:
        silence_stdout()  # the reader (``| head``) has gone: nothing left to say, and nowhere to say it
        return 1
    except Exception as exc:  # the last-resort net: a bug, never a traceback on the terminal
        return _internal_error(exc, argv)
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
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return BAD_INPUT_EXIT
    parser.error(f"unknown command {args.command}")
    return BAD_INPUT_EXIT


def silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's final flush finds no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests capture stdout)
        pass


def error_log_dir() -> Path:
    """Where an internal error's details go: ``$TMPDIR/common-ground`` (the system's temporary folder)."""
    return Path(tempfile.gettempdir()) / "common-ground"


def _internal_error(exc: BaseException, argv: list[str] | None) -> int:
    """One line for the person, the traceback in a private file for the report."""
    where = "nowhere (the log could not be written)"
    try:
        folder = error_log_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"cli-{dt.datetime.now():%Y%m%d-%H%M%S}-", suffix=".log", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as log:  # mkstemp: readable by this user only
            log.write(f"python -m community_policing {' '.join(sys.argv[1:] if argv is None else argv)}\n")
            log.write(f"at {dt.datetime.now().isoformat(timespec='seconds')}, Python {sys.version.split()[0]}\n\n")
            log.write("".join(traceback.format_exception(exc)))
        where = name
    except OSError:
        pass
    what = _one_line(f"{type(exc).__name__}: {exc}")[:300]
    print(f"error: internal error: {what} — please report it; the details are in {where}", file=sys.stderr)
    return INTERNAL_ERROR_EXIT


def _hash_password(args: argparse.Namespace) -> int:
    from community_policing.web import auth

    password = auth.read_new_password(sys.stdin, interactive=sys.stdin.isatty())
    print("# Add to .streamlit/secrets.toml (or ~/.streamlit/secrets.toml); never commit that file.",
          file=sys.stderr)
    print(auth.secrets_line(auth.hash_password(password), user=args.user))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from community_policing.data.demo import generate_demo_city

    began = time.perf_counter()
    started = dt.datetime.now()
    kwargs = {} if args.realism is None else {"realism": args.realism}
    try:
        tables = generate_demo_city(seed=args.seed, effect_scale=args.effect_scale, **kwargs)
    except ValueError as exc:
        if "effect_scale" in str(exc):  # a scale that would turn an effect below -100 %
            raise BadArgument("--effect-scale", f"{args.effect_scale:g} is too large: {exc}") from None
        raise
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
    from community_policing.data.loader import load_city

    began = time.perf_counter()
    summary = load_city(Path(args.manifest), Path(args.source_dir), resolve_db_path(args.db))
    for line in summary.lines():
        print(line, file=sys.stderr)
    print(f"  took {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    from community_policing.data.loader import check_city

    report = check_city(Path(args.manifest), Path(args.source_dir))
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def _evaluate(args: argparse.Namespace) -> int:
    from community_policing.views import evaluation

    with Store(args.db) as store:
        if args.program is not None:
            names = evaluation.program_names(store)
            if args.program not in names:
                raise BadArgument("--program", f"unknown program {args.program!r}; " + (
                    f"expected one of {', '.join(map(repr, names))}" if names else
                    "this warehouse records no programs"))
        table = evaluation.evaluate(store, args.program, date_basis=args.date_basis)
    if table.empty:
        print("note: no programs are recorded in this warehouse, so there is nothing to evaluate", file=sys.stderr)
    _print_table(table[evaluation.EVALUATE_COLUMNS], args.format)
    return 0


# Ledger fields and the option that gives each (``ledger add``), for errors that name what was typed.
_LEDGER_OPTIONS = {"district_id": "--district", "neighborhood_id": "--neighborhood", "start_time": "--start-time",
                   "officer_hours": "--officer-hours", "lon/lat": "--lon/--lat"}


def _open_ledger(args: argparse.Namespace):
    """The ledger of ``--ledger`` (else $COMMON_GROUND_LEDGER, else the warehouse's); BadArgument when the
    file is not a ledger (sqlite3 says only "file is not a database")."""
    from community_policing.ledger.book import Ledger
    from community_policing.data.store import resolve_ledger_path

    db = getattr(args, "db", None)
    try:
        return Ledger(args.ledger, db=db)
    except sqlite3.Error as exc:
        path = resolve_ledger_path(args.ledger, db)
        raise BadArgument("--ledger", f"cannot use {str(path)!r} ({exc}); expected an engagement ledger "
                                      f"(an SQLite file), or a new file in an existing folder") from None


def _warehouse_ids(args: argparse.Namespace):
    """(district ids, neighborhood ids, (program, district) pairs) of the warehouse the records must fit:
    ``--db``, else the default warehouse when there is one (else None, said on stderr: nothing to check against)."""
    path = resolve_db_path(args.db)
    if args.db is None and not path.exists():
        print(f"note: there is no warehouse at {path}, so district and neighborhood ids are not checked; "
              "give --db to check them", file=sys.stderr)
        return None, None, None
    with Store(path) as store:
        districts = set(store.query("district_list")["district_id"].astype(str))
        neighborhoods = set(store.query("areas", level="neighborhood")["area_id"].astype(str))
        existing = list(store.query("warehouse_programs").astype(str).itertuples(index=False, name=None))
    return districts, neighborhoods, existing


def _ledger(args: argparse.Namespace) -> int:
    from community_policing.ledger.book import LedgerError

    if args.ledger_command == "add":
        districts, neighborhoods, _programs = _warehouse_ids(args)
        book = _open_ledger(args)
        renames = {"district": "district_id", "neighborhood": "neighborhood_id"}
        fields = ("date", "district", "type", "title", "neighborhood", "start_time", "place", "lon", "lat",
                  "attendees", "officers", "officer_hours", "partners", "cost", "notes")
        entry = {renames.get(f, f): getattr(args, f) for f in fields if getattr(args, f) is not None}
        try:
            entry_id = book.add(entry, user=args.user, valid_district_ids=districts,
                                valid_neighborhood_ids=neighborhoods)
        except LedgerError as exc:
            print(f"error: {_ledger_errors(exc, entry)}", file=sys.stderr)
            return BAD_INPUT_EXIT
        print(entry_id)
        return 0
    if args.ledger_command == "import":
        return _ledger_import(args)
    book = _open_ledger(args)
    if args.ledger_command == "list":
        _print_table(book.entries(include_deleted=args.include_deleted, kind=args.kind), args.format)
    else:
        # Through exports (not Ledger.export_csv): free text is neutralised, the file has a BOM for Excel.
        frame = book.entries(include_deleted=args.include_deleted, kind=args.kind)
        _write_file("file", Path(args.file), exports.csv_bytes(frame))
        n = len(frame)
        plural = {"activity": "activities", "training": "training sessions", "program": "program sites",
                  "series": "recurring meetings"}[args.kind]
        print(f"wrote {n} {plural} to {args.file}", file=sys.stderr)
    return 0


def _ledger_errors(exc, entry: dict) -> str:
    """Every problem of a refused entry on one line: ``field: reason (--option 'value')``."""
    parts = []
    for field, message in exc.errors.items():
        option = _LEDGER_OPTIONS.get(field, "--" + field.replace("_", "-"))
        if field == "lon/lat":
            typed = f" ({option} {entry.get('lon')!r}/{entry.get('lat')!r})"
        else:
            typed = f" ({option} {entry[field]!r})" if field in entry else ""
        parts.append(f"{field}: {_one_line(message)}{typed}")
    return "; ".join(parts)


def _ledger_import(args: argparse.Namespace) -> int:
    """A filled template: rows read = recorded + rejected; rejects printed as CSV on stderr, exit 1 if any."""
    from community_policing.ledger import bulk as ledger_bulk

    districts, neighborhoods, existing = _warehouse_ids(args)
    book = _open_ledger(args)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadArgument("file", f"cannot read {args.file!r}: {exc.strerror or exc}") from None
    try:
        frame = ledger_bulk.read_upload(path.name, data, args.kind)
    except SourceFileError as exc:  # it names the temporary copy it read; the person gave args.file
        raise BadArgument("file", f"{args.file!r}: {exc.message}") from None
    result = ledger_bulk.load_rows(book, frame, args.user, valid_district_ids=districts,
                                   valid_neighborhood_ids=neighborhoods, kind=args.kind, existing_programs=existing,
                                   all_or_nothing=args.all_or_nothing)
    rejected = result.rejects["line"].nunique()
    print(f"{result.rows_read} rows read: {len(result.recorded)} recorded, {rejected} rejected"
          + (" (nothing recorded: --all-or-nothing)" if rejected and args.all_or_nothing else ""), file=sys.stderr)
    if rejected:
        sys.stderr.write(exports.csv_text(result.rejects))
    for entry_id in result.recorded:
        print(entry_id)
    return 1 if rejected else 0


def _briefing(args: argparse.Namespace) -> int:
    from community_policing.briefing import content as briefing

    out = Path(args.out)
    if args.all_districts or args.district == "all":
        return _all_briefings(args, out)
    if out.is_dir():
        raise BadArgument("--out", f"{args.out!r} is a folder; expected a file name (a folder takes the briefings "
                                   f"of every district: --district all)")
    if out.suffix.lower() not in (".pdf", ".pptx"):
        raise BadArgument("--out", f"expected a file name ending in .pdf (briefing) or .pptx (slide deck), "
                                   f"got {args.out!r}")
    rules = _privacy_rules(args.mode)
    with Store(args.db) as store:
        if args.district is not None:
            districts = store.query("district_list")["district_id"].astype(str).tolist()
            if args.district not in districts:
                raise BadArgument("--district", f"unknown district {args.district!r}; expected one of "
                                                f"{', '.join(districts)}")
        _resolve_offense(store, args.offense_group)
        _check_period(store, args.start, args.end)
        request = briefing.BriefingRequest(args.start, args.end, args.district, args.offense_group, args.date_basis,
                                           rules=rules)
        content = briefing.build_briefing(store, request)
    render = briefing.briefing_pdf if out.suffix.lower() == ".pdf" else briefing.briefing_pptx
    _write_file("--out", out, render(content))
    print(i18n.gettext("wrote {title} ({period}) to {path}").format(title=content.title, period=content.period_text,
                                                               path=out), file=sys.stderr)
    return 0


def _all_briefings(args: argparse.Namespace, out: Path) -> int:
    """``briefing --district all`` (or ``--all-districts``): one briefing per district, the same period and
    offenses, into a folder or one zip file; a line per district on stderr as each is done."""
    from community_policing.briefing import content as briefing

    if not out.is_dir() and out.suffix.lower() != ".zip":
        raise BadArgument("--out", f"expected an existing folder or a file name ending in .zip for the briefings of "
                                   f"every district, got {args.out!r}")
    rules = _privacy_rules(args.mode)
    with Store(args.db) as store:
        _resolve_offense(store, args.offense_group)
        _check_period(store, args.start, args.end)
        started: set[str] = set()

        def progress(fraction: float, message: str) -> None:  # "District 3: Rendering the map": a line per district
            district = message.split(":", 1)[0]
            if district not in started:
                started.add(district)
                print(f"{district}...", file=sys.stderr)

        files = briefing.district_briefings(store, args.start, args.end, args.offense_group, args.date_basis,
                                            rules=rules, kind=args.format, progress=progress)
    if out.is_dir():
        for name, data in files:
            _write_file("--out", out / name, data)
    else:
        _write_file("--out", out, briefing.zip_files(files))
    print(i18n.ngettext("wrote {count} district briefing to {path}", "wrote {count} district briefings to {path}",
                        len(files)).format(count=len(files), path=out), file=sys.stderr)
    for name, _data in files:
        print(name)
    return 0


def _resolve_offense(store: Store, raw: str | None) -> str:
    """``--offense-group`` as a filter value; BadArgument listing the groups and categories when unknown."""
    try:
        return metrics.resolve_offense(store, raw)
    except ValueError as exc:
        raise BadArgument("--offense-group", str(exc)) from None


def _check_period(store: Store, start: dt.date, end: dt.date) -> None:
    """``--start``/``--end`` must be in order and reach loaded incidents: a period before or after the
    data would print zeros for days nothing was loaded, and zero is not "not recorded"."""
    if end < start:
        raise BadArgument("--end", f"{end} is before its start {start}; expected a day on or after --start")
    coverage = store.query("data_coverage").iloc[0]
    firsts = [pd.Timestamp(coverage[c]).date() for c in ("first_occurred", "first_reported") if pd.notna(coverage[c])]
    lasts = [pd.Timestamp(coverage[c]).date() for c in ("last_occurred", "last_reported") if pd.notna(coverage[c])]
    if not firsts or not lasts:
        return  # a warehouse without incidents (trust surveys only): nothing to measure the period by
    first, last = min(firsts), max(lasts)
    if end < first or start > last:
        raise BadArgument("--start/--end", f"no incidents were loaded from {start} to {end}; expected a period "
                                           f"that overlaps the loaded data, {first} to {last}")


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
        offense = _resolve_offense(store, args.offense_group)
        _check_period(store, args.start, args.end)
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
        from community_policing.views import privacy

        print(f"note: {privacy.public_note(rules)}", file=sys.stderr)  # for the reader: in --lang
        _print_table(table[privacy.columns_with_notes(metrics.CLI_COLUMNS, table)], args.format)
        return 0
    _print_table(table[metrics.CLI_COLUMNS], args.format)
    return 0
