"""Data (staff): add a city's new crime data from the app (a month's file, several, or a .zip of the source
folder), check what it would load, then load it into a new warehouse swapped in whole; the history of loads
and each load's rejected rows. The work is done by community_policing.data.data_admin; the command line's
``check`` and ``load`` do the same."""

from pathlib import Path

import pandas as pd
import streamlit as st

from community_policing import exports, i18n
from community_policing.data import data_admin
from community_policing.web import ui
from community_policing.data.data_admin import DataAdminError
from community_policing.i18n import N_, _
from community_policing.data.store import PROJECT_ROOT, resolve_db_path

CHECKED = "_data_checked"      # this session's last check: what was checked, the staged folder, the report
FLASH = "_data_flash"          # what the last load did, shown once after the rerun that follows it
FLASH_WARNINGS = "_data_flash_warnings"  # and what it warned about (a record over many lines, repeats)
UPLOADER = "_data_uploader"    # the uploader's generation: a new (empty) uploader after each load
NEW_SOURCE = "_data_new_source"  # after a load: the source folder box starts from the loaded folder


def shown_path(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def plain(text) -> str:
    """Text shown inside Markdown as it is (a name typed by staff)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~$" else ch for ch in str(text))


def day(value) -> str:
    return i18n.format_date(value) if value else _("n/a")


def progress_bar(words: str):
    """A progress bar and the loader's callback that moves it (``words``: "…: {step}")."""
    bar = st.progress(0.0, text=words.format(step="…"))
    def moved(share, what, *detail):  # the loader's steps are English marked for translation; a file name is not
        step = _(what) + (f" ({detail[0]})" if detail else "")
        bar.progress(min(max(float(share), 0.0), 1.0), text=words.format(step=step))

    return bar, moved


def table(frame: pd.DataFrame, **options) -> None:
    """A table as shown and as its toolbar's "Download as CSV" writes it: formula-like text neutralised
    (that download bypasses ``exports``), machine column names labelled in the page's language."""
    labels = {c: st.column_config.Column(_(LABELS[c])) for c in frame.columns if c in LABELS}
    text = [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]
    frame = frame.astype({c: object for c in text})
    frame[text] = frame[text].where(frame[text].notna(), "—")  # an empty cell reads "—", never "None"
    st.dataframe(exports.neutralise(frame), hide_index=True, width="stretch",
                 column_config={**labels, **options.pop("column_config", {})}, **options)


LABELS = {"table_name": N_("Table"), "file": N_("File"), "sha256": N_("Checksum (SHA-256)"),
          "rows_read": N_("Rows read"), "rows_loaded": N_("Loaded"), "rows_merged": N_("Merged into an incident"),
          "rows_rejected": N_("Rejected"), "note": N_("Note"), "finished_at": N_("When"), "loaded_by": N_("By"),
          "uploaded": N_("Uploaded"), "files": N_("Files"), "current": N_("In use now"), "kind": N_("Kind"),
          "reason": N_("Reason"), "rows": N_("Rows"), "line": N_("Line"), "column": N_("Column"),
          "value": N_("Value"), "level": N_("Level"), "id": N_("Id"), "name": N_("Name")}


def show_report(report) -> None:
    if report.ok:
        st.success(_("Check passed: no row would be rejected as invalid or duplicate."), icon=":material/check:")
    else:
        st.warning(_("{rows} row(s) would be rejected as invalid or duplicate, or have an offense value no mapping "
                     "covers. Read the reasons below before loading.").format(rows=f"{report.failures:,}"))
    for warning in getattr(report, "warnings", ()):  # e.g. one record running over many lines: a stray quote
        st.warning(plain(warning), icon=":material/warning:")
    counts = ["rows_read", "rows_loaded", "rows_merged", "rows_rejected"]
    by_table = report.files.groupby("table_name", sort=False)[counts].sum().reset_index()
    table(by_table, column_config={"rows_loaded": _("Would load")})
    with st.expander(_("Each file ({count})").format(count=len(report.files))):
        table(report.files[["table_name", "file", *counts, "note"]], column_config={"rows_loaded": _("Would load")})
    st.markdown(_("- **Incidents:** {incidents} counted, {corrections} corrections; {unplaced} would not be placed "
                  "in any district\n- **Reported** {first} to {last}; **occurred** {first_occ} to {last_occ}").format(
        incidents=f"{report.incidents:,}", corrections=f"{report.corrections:,}",
        unplaced=f"{report.unplaced_incidents:,}", first=day(report.first_reported), last=day(report.last_reported),
        first_occ=day(report.first_occurred), last_occ=day(report.last_occurred)))
    for frame, title in ((report.first_reasons, _("Rejected rows by reason (the first of each)")),
                         (report.unmapped_offenses, _("Offense values no mapping covers")),
                         (report.areas_without_population, _("Areas without population"))):
        if len(frame):
            st.markdown(f"**{title}**")
            table(frame)
    for note in report.notes:
        st.caption(note)


def reopen(db_path: Path) -> None:
    """Close this process's Store of the replaced file, so every page reads the new one at once: ui.get_store
    drops a stale Store unclosed, and DuckDB then hands the next Store that same (old, unlinked) database."""
    if (stale := ui._store_holder().pop(db_path, None)) is not None:
        stale.close()


ui.require_staff()
ui.apply_language()
db_path = resolve_db_path()
root = data_admin.staging_root(db_path)
st.title(_("Data"))
st.caption(_("For staff: add a city's new crime data (a month's file, several, or a .zip of the source folder), "
             "check what it would load, then load it. A load builds a new database and swaps it in whole: if "
             "anything fails, the data stay exactly as they were."))
if flash := st.session_state.pop(FLASH, None):
    st.success(flash, icon=":material/check_circle:")
for warning in st.session_state.pop(FLASH_WARNINGS, ()):
    st.warning(plain(warning), icon=":material/warning:")

# --- The data now ----------------------------------------------------------------------------------------
st.subheader(_("The data now"))
try:
    now = data_admin.current(db_path)
except DataAdminError as exc:
    now = None
    st.warning(str(exc))
if now is None:
    st.info(_("No data loaded yet. Pick a city manifest and its source folder below, check and load."))
else:
    st.markdown(_("- **City:** {city}{simulated}\n- **Database built:** {built}\n- **Incident records:** {rows}, "
                  "reported {first} to {last}\n- **Last load:** by {who}, from {folder}").format(
        city=now.city, simulated=_(" (simulated demo data)") if now.is_simulated else "",
        built=now.built_at.replace("T", " ") or _("n/a"), rows=f"{now.incidents:,}", first=day(now.first_reported),
        last=day(now.last_reported), who=plain(now.loaded_by or _("n/a")),
        folder=f"`{now.source_dir}`" if now.source_dir else _("n/a")))

# --- Add data: check, then load --------------------------------------------------------------------------
st.subheader(_("Add data"))
choices = data_admin.manifest_choices(now.manifest if now else None)
if not choices:
    st.info(_("No city manifest found (data/cities/*/city.toml)."))
    st.stop()
manifest = st.selectbox(_("City manifest"), choices, format_func=shown_path, key="data_manifest")  # current first
if (loaded := st.session_state.pop(NEW_SOURCE, None)) is not None or "data_source_dir" not in st.session_state:
    st.session_state["data_source_dir"] = loaded or (now.source_dir if now and now.source_dir else "")
source_dir = st.text_input(_("Source folder"), key="data_source_dir", help=_(
    "The folder the manifest's file paths are relative to. The upload is added to a copy of it; the folder itself "
    "is never changed.")).strip()
try:
    expected = ", ".join(plain(p.label()) for p in data_admin.source_patterns(manifest))  # as text: no code spans,
    # whose colour on a caption's grey falls below 4.5:1 (axe, tests/test_accessibility.py)
    st.caption(_("Each file goes where the manifest expects it: {patterns}. A .zip is a whole source folder.").format(
        patterns=expected))
except DataAdminError as exc:
    st.error(ui.plain(exc))
uploads = st.file_uploader(_("New source files (a month's file, several, or a .zip of the source folder)"),
                           accept_multiple_files=True, key=f"data_upload_{st.session_state.setdefault(UPLOADER, 0)}")
what = (str(manifest), source_dir, tuple((f.file_id, f.name, f.size) for f in uploads or []))
checked = st.session_state.get(CHECKED)
check = st.button(_("Check"), key="data_check", icon=":material/fact_check:")
if checked is not None and (check or checked["what"] != what):  # a new check, or the files changed: check again
    data_admin.discard(checked["staged"], root)
    st.session_state.pop(CHECKED)
    checked = None
if check:
    data_admin.prune_staging(root, keep=[now.source_dir] if now else [], older_than=data_admin.ABANDONED)
    bar, moved = progress_bar(_("Checking: {step}"))
    try:
        # The sizes first: a file above the upload limit is refused before it is read into memory.
        data_admin.check_upload_sizes((f.name, f.size) for f in uploads or [])
        staged, report = data_admin.stage_and_check([(f.name, f.getvalue()) for f in uploads or []], manifest,
                                                    source_dir or None, root, progress=moved)
    except DataAdminError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        checked = st.session_state[CHECKED] = {"what": what, "staged": str(staged), "report": report,
                                               "uploaded": [f.name for f in uploads or []]}
    bar.empty()

if checked is not None:
    st.markdown("**" + _("Check of {city}").format(city=checked["report"].city) + "**")
    show_report(checked["report"])
confirmed = checked is not None and checked["report"].ok
if checked is not None and not checked["report"].ok:
    confirmed = st.checkbox(_("Load anyway: the rows above are left out, and listed with their reasons in the "
                              "history below"), key="data_confirm")
user = ui.recorded_by()
if checked is None:
    st.caption(_("Check first: loading is possible once a check has run on these files."))
if st.button(_("Load"), key="data_load", type="primary", icon=":material/upload:", disabled=not confirmed):
    if not user:
        st.error(_("Fill in 'Recorded by' first: every load is recorded with who ran it."))
    else:
        bar, moved = progress_bar(_("Loading: {step}"))
        try:
            summary = data_admin.load(checked["staged"], manifest, db_path, user, progress=moved,
                                      uploaded=checked["uploaded"], base_source_dir=source_dir or None)
        except DataAdminError as exc:
            bar.empty()
            st.error(_("Nothing was loaded: {reason}").format(reason=ui.plain(exc)), icon=":material/error:")
        else:
            reopen(db_path)
            data_admin.prune_staging(root, keep=[checked["staged"]])
            st.session_state.pop(CHECKED)
            st.session_state.pop("data_confirm", None)
            st.session_state[UPLOADER] += 1
            st.session_state[NEW_SOURCE] = checked["staged"]
            st.session_state[FLASH_WARNINGS] = list(getattr(summary, "warnings", ()))
            st.session_state[FLASH] = _("Loaded {city} (load {batch}, by {user}): {incidents} incident records. "
                                        "Every page now shows the new data.").format(
                city=checked["report"].city, batch=summary.batch_id, user=plain(user),
                incidents=f"{summary.rows.get('incidents', 0):,}")
            st.rerun()

# --- History ---------------------------------------------------------------------------------------------
st.subheader(_("Load history"))
try:
    history = data_admin.history(db_path)
except DataAdminError as exc:
    st.warning(str(exc))
    history = pd.DataFrame(columns=[*data_admin.HISTORY_COLUMNS, "current"])
loads = data_admin.load_summaries(history)
if loads.empty:
    st.caption(_("No load recorded yet."))
    st.stop()
table(loads.drop(columns=["batch_id"]), column_config={
    "finished_at": st.column_config.DatetimeColumn(_("When"), format="YYYY-MM-DD HH:mm")})
names = {r.batch_id: f"{str(r.finished_at)[:16]} – {r.loaded_by} ({r.batch_id})" for r in loads.itertuples()}
batch = st.selectbox(_("A load"), list(names), format_func=names.get,  # a new box, on the newest, after a load
                     key=f"data_history_batch_{loads['batch_id'].iloc[0]}")
table(history.loc[history["batch_id"] == batch, ["table_name", "file", "rows_read", "rows_loaded", "rows_merged",
                                                  "rows_rejected", "sha256", "note"]])
st.markdown("**" + _("Rejected rows of this load") + "**")
in_use = bool(loads.set_index("batch_id").at[batch, "current"])
try:
    counts = data_admin.reject_counts(db_path, batch).drop(columns=["batch_id"])
    rows = data_admin.rejects(db_path, batch) if in_use and len(counts) else counts
except DataAdminError as exc:
    st.warning(str(exc))
    st.stop()
if counts.empty:
    st.caption(_("No row of this load was rejected."))
else:
    table(counts)
    if in_use:
        table(rows)
        if len(rows) >= data_admin.MAX_REJECT_ROWS:
            st.caption(_("The first {count} rejected rows.").format(count=f"{len(rows):,}"))
    else:
        st.caption(_("The rejected rows themselves are kept only for the load in use now; an earlier load keeps "
                     "their counts."))
    ui.download_table(rows, None, f"rejects_{batch}", key="data_rejects_download",
                      label=_("Download the rejected rows") if in_use else _("Download the rejected-row counts"))
