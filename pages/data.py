"""Data (staff): add a city's new crime data from the app (a month's file, several, or a .zip of the source
folder), check what it would load, then load it into a new warehouse swapped in whole; the history of loads
and each load's rejected rows. The work is done by community_policing.data.data_admin; the command line's
``check`` and ``load`` do the same."""

import pandas as pd
import streamlit as st

from community_policing.data import data_admin, load_report
from community_policing.web import cached, downloads, echo, language, signin, staff
from community_policing.data.data_admin import DataAdminError
from community_policing.data.load_report import plain, shown_path
from community_policing.i18n import _
from community_policing.data.store import resolve_db_path

CHECKED = "_data_checked"      # this session's last check: what was checked, the staged folder, the report
FLASH = "_data_flash"          # what the last load did, shown once after the rerun that follows it
FLASH_WARNINGS = "_data_flash_warnings"  # and what it warned about (a record over many lines, repeats)
UPLOADER = "_data_uploader"    # the uploader's generation: a new (empty) uploader after each load
NEW_SOURCE = "_data_new_source"  # after a load: the source folder box starts from the loaded folder


def progress_bar(words: str):
    """A progress bar and the loader's callback that moves it (``words``: "…: {step}")."""
    bar = st.progress(0.0, text=words.format(step="…"))
    def moved(share, what, *detail):
        bar.progress(min(max(float(share), 0.0), 1.0), text=words.format(step=load_report.progress_step(what, detail)))

    return bar, moved


def table(frame: pd.DataFrame, **options) -> None:
    """A table as ``load_report.as_shown`` makes it, machine column names labelled in the page's language."""
    labels = {c: st.column_config.Column(_(load_report.COLUMN_LABELS[c])) for c in frame.columns
              if c in load_report.COLUMN_LABELS}
    st.dataframe(load_report.as_shown(frame), hide_index=True, width="stretch",
                 column_config={**labels, **options.pop("column_config", {})}, **options)


def show_report(report) -> None:
    if report.ok:
        st.success(_("Check passed: no row would be rejected as invalid or duplicate."), icon=":material/check:")
    else:
        st.warning(load_report.rejection_warning(report))
    for warning in getattr(report, "warnings", ()):  # e.g. one record running over many lines: a stray quote
        st.warning(plain(warning), icon=":material/warning:")
    table(load_report.report_totals(report), column_config={"rows_loaded": _("Would load")})
    with st.expander(_("Each file ({count})").format(count=len(report.files))):
        table(load_report.report_files(report), column_config={"rows_loaded": _("Would load")})
    st.markdown(load_report.report_summary(report))
    for title, frame in load_report.report_problems(report):
        st.markdown(f"**{title}**")
        table(frame)
    for note in report.notes:
        st.caption(note)


signin.require_staff()
language.apply_language()
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
    st.markdown(load_report.current_summary(now))

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
    st.caption(_("Each file goes where the manifest expects it: {patterns}. A .zip is a whole source folder.").format(
        patterns=load_report.expected_files(manifest)))
except DataAdminError as exc:
    st.error(echo.plain(exc))
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
        staged, report = data_admin.check_uploads(uploads or [], manifest, source_dir or None, root, progress=moved)
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
user = staff.recorded_by()
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
            st.error(_("Nothing was loaded: {reason}").format(reason=echo.plain(exc)), icon=":material/error:")
        else:
            cached.reopen(db_path)
            data_admin.prune_staging(root, keep=[checked["staged"]])
            st.session_state.pop(CHECKED)
            st.session_state.pop("data_confirm", None)
            st.session_state[UPLOADER] += 1
            st.session_state[NEW_SOURCE] = checked["staged"]
            st.session_state[FLASH_WARNINGS] = list(getattr(summary, "warnings", ()))
            st.session_state[FLASH] = load_report.loaded_message(checked["report"].city, summary, user)
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
names = load_report.load_labels(loads)
batch = st.selectbox(_("A load"), list(names), format_func=names.get,  # a new box, on the newest, after a load
                     key=f"data_history_batch_{loads['batch_id'].iloc[0]}")
table(history.loc[history["batch_id"] == batch, ["table_name", "file", "rows_read", "rows_loaded", "rows_merged",
                                                 "rows_rejected", "sha256", "note"]])
st.markdown("**" + _("Rejected rows of this load") + "**")
in_use = bool(loads.set_index("batch_id").at[batch, "current"])
try:
    counts, rows = data_admin.rejected_rows(db_path, batch, in_use)
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
    downloads.download_table(rows, None, f"rejects_{batch}", key="data_rejects_download",
                             label=_("Download the rejected rows") if in_use else _("Download the rejected-row counts"))
