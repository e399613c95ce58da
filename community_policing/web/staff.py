"""The staff pages' widgets: the ledger editor, bulk upload, audit trail and form messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from community_policing import exports
from community_policing.data.importers.errors import SourceFileError
from community_policing.data.store import Store
from community_policing.i18n import _, N_
from community_policing.ledger import bulk as ledger_bulk, form as lf
from community_policing.ledger.book import Ledger, LedgerError
from community_policing.views import metrics
from community_policing.web.cached import cache_key, dataset_info, district_list, get_store, neighborhood_list
from community_policing.web.about import data_note, simulated_banner
from community_policing.web.signin import _signed_in, require_staff, sign_in, staff_config
from community_policing.web.echo import plain


@dataclass(frozen=True)
class StaffPlaces:
    """Where staff can record things: district titles and neighborhood names by id."""

    titles: dict
    neighborhoods: pd.DataFrame
    nbhd_names: dict


def staff_places(store: Store, key: tuple) -> StaffPlaces:
    districts = district_list(store, key)
    neighborhoods = neighborhood_list(store, key)
    return StaffPlaces(dict(zip(districts["district_id"].astype(str), districts["title"])), neighborhoods,
                       dict(zip(neighborhoods["area_id"], neighborhoods["area_name"])))


# -- the staff ledger pages (Engagement log, Recurring meetings, Training and programs) ----------------


@dataclass(frozen=True)
class StaffPage:
    """What every staff page works with: the warehouse, its cache key and facts, where staff can record
    things, and the ledger file (which may not exist yet)."""

    store: Store
    key: tuple
    info: metrics.DatasetInfo
    places: StaffPlaces
    ledger_path: Path


def staff_page(title: str, caption: str, nowhere: str) -> StaffPage:
    """The start of a staff page: staff only (stops for the public, even reached by URL), the title, the
    simulated-data banner and the page's caption; stops with ``nowhere`` (``{city}`` filled in) and the
    data note when the city has no districts to record anything in."""
    require_staff()
    store = get_store()
    key = cache_key(store)
    info = dataset_info(store, key)
    st.title(title)
    simulated_banner(info)
    st.caption(caption)
    places = staff_places(store, key)
    if not places.titles:
        st.info(nowhere.format(city=plain(info.city_name)))
        data_note(info)
        st.stop()
    return StaffPage(store, key, info, places, store.ledger_file)  # where the Store reads: this city's ledger

LEDGER_FLASH = "_ledger_flash"  # a success message shown once, after the rerun that follows a save
_KEY_PREFIX = {"activity": "ledger", "training": "training", "program": "program", "series": "series"}
_RECORD_UPLOADED = {"activity": N_("Record the uploaded activities"), "training": N_("Record the uploaded training"),
                    "program": N_("Record the uploaded programs")}
_AUDIT_ACTIONS = {"insert": N_("insert"), "edit": N_("edit"), "delete": N_("delete")}  # stored values stay English


def recorded_by() -> str:
    """Who is making the entries, for the audit trail. Once staff sign in (secrets.toml), it is the signed-in
    name, shown read-only: a free box would let anyone who signed in write the audit under someone else's name.
    Only where there is no sign-in to take it from (a loopback server, which answers only its own computer)
    is it the 'Recorded by' box, remembered across the staff pages (a widget's own state is dropped when the
    page that shows it is left)."""
    config = staff_config()
    if config.configured:
        name = _signed_in(config)
        if name:
            st.session_state["ledger_user_signed_in"] = name  # the widget shows the current sign-in, always
            st.text_input(_("Recorded by"), key="ledger_user_signed_in", disabled=True,
                          help=_("The name you signed in with. Saved with every entry, edit and delete in the "
                                 "audit trail."))
            return name
        # Staff on this computer without signing in (a loopback server): entries need the sign-in's name.
        st.info(_("Sign in to record entries: the audit trail takes your name from the staff sign-in."))
        sign_in(config)
        return ""
    if "ledger_user" not in st.session_state:
        st.session_state["ledger_user"] = st.session_state.get("_recorded_by", "")
    user = st.text_input(_("Recorded by"), key="ledger_user", placeholder=_("your name or staff id"),
                         help=_("Required. Saved with every entry, edit and delete in the audit trail."))
    st.session_state["_recorded_by"] = user
    return user.strip()


def ledger_flash() -> None:
    """Show (once) what the last save did."""
    flash = st.session_state.pop(LEDGER_FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")


def ledger_editor(book, kind: str, user: str, column_config: dict, *, valid_district_ids,
                  valid_neighborhood_ids=None, neighborhoods: pd.DataFrame | None = None,
                  existing_programs=None, empty_text: str) -> None:
    """Recent records of one kind in st.data_editor: edit cells or tick delete, then save. Every
    change goes through the ledger (validated, audited; deletes are soft)."""
    prefix = _KEY_PREFIX[kind]
    errors_key = f"_{prefix}_row_errors"
    entries = book.entries(kind=kind) if book else pd.DataFrame()
    original = lf.editor_frame(entries, kind=kind)
    if original.empty:
        st.info(empty_text)
        return
    latest = (_("The latest {shown} of {total} entries, newest first.") if kind == "activity" else
              _("The latest {shown} of {total} records, newest first."))
    st.caption(latest.format(shown=min(len(entries), lf.RECENT_LIMIT), total=f"{len(entries):,}") + " "
               + _("Edit a cell or tick **delete**, then save. Deleted records leave the analytics but stay in the "
                   "ledger and its audit trail."))
    config = {"id": st.column_config.TextColumn(_("Entry")),
              "district_id": st.column_config.TextColumn(_("District")),
              "created_by": st.column_config.TextColumn(_("Recorded by")),
              "delete": st.column_config.CheckboxColumn(_("delete"),
                                                        help=_("Soft delete: kept in the ledger and audit.")),
              **column_config}
    edited = st.data_editor(
        original, key=f"{prefix}_editor", hide_index=True, width="stretch", num_rows="fixed",
        column_order=["delete", *[c for c in original.columns if c != "delete"]],
        disabled=[c for c in original.columns if c not in (*lf.EDITABLE[kind], "delete")],
        column_config=config,
    )
    reason = st.text_input(_("Reason for deleting (optional)"), key=f"{prefix}_delete_reason")
    for entry_id, messages in st.session_state.get(errors_key, {}).items():
        label = _("Recorded by") if entry_id == "user" else _("Entry {entry_id}").format(entry_id=entry_id)
        st.error(_("{label} not saved: {problems}").format(label=label, problems="; ".join(map(plain, messages))),
                 icon=":material/error:")
    if st.button(_("Save changes"), key=f"{prefix}_save"):
        changes = lf.editor_changes(original, edited, kind=kind)
        if changes.empty:
            st.session_state[errors_key] = {}
            st.toast(_("Nothing to save."))
            return
        result = lf.apply_changes(
            book, changes, user, reason=reason, neighborhoods=neighborhoods,
            districts_of=dict(zip(original["id"].astype(str), original["district_id"].astype(str))),
            valid_district_ids=valid_district_ids, valid_neighborhood_ids=valid_neighborhood_ids,
            existing_programs=existing_programs,
        )
        st.session_state[errors_key] = result.errors
        if result.edited or result.deleted:
            st.session_state[LEDGER_FLASH] = _("Saved {edits} edit(s) and {deletes} delete(s). They already count "
                                               "on every page.").format(edits=len(result.edited),
                                                                        deletes=len(result.deleted))
        # Keep the editor's pending cells while some rows were refused (so nothing typed is lost),
        # unless a delete shifted the rows under it.
        if not result.errors or result.deleted:
            st.session_state.pop(f"{prefix}_editor", None)
        st.rerun()


def ledger_bulk_entry(ledger_path, kind: str, user: str, first_district: str, *, valid_district_ids,
                      valid_neighborhood_ids=None, existing_programs=None) -> None:
    """Download the kind's template (CSV, or Excel with the allowed values); upload it filled."""
    prefix = _KEY_PREFIX[kind]
    spec = ledger_bulk.template_for(kind)
    result_key = f"{prefix}_upload_result"
    t1, t2 = st.columns(2)
    # Templates are written by exports too (one way out of the app): a district id read from a
    # city's files could start like a formula.
    t1.download_button(_("Template (CSV)"), ledger_bulk.template_csv(first_district, kind),
                       file_name=f"{spec.sheet}_template.csv", mime=exports.CSV_MIME, key=f"{prefix}_template_csv",
                       on_click="ignore")
    t2.download_button(_("Template (Excel, with allowed values)"), ledger_bulk.template_excel(first_district, kind),
                       file_name=f"{spec.sheet}_template.xlsx", key=f"{prefix}_template_xlsx", mime=exports.EXCEL_MIME,
                       on_click="ignore")
    upload = st.file_uploader(_("Filled template"), type=["csv", "xlsx"], key=f"{prefix}_upload")
    if upload is not None and st.button(_(_RECORD_UPLOADED[kind]), key=f"{prefix}_upload_go"):
        if not user:
            st.error(_("Fill in 'Recorded by' first: every entry is recorded with who made it."))
        else:
            try:
                ledger_bulk.check_upload_size(upload.name, upload.size)  # before the bytes are read into memory
                frame = ledger_bulk.read_upload(upload.name, upload.getvalue(), kind)
            except SourceFileError as exc:
                st.error(plain(exc))  # it quotes the uploaded file's text
            else:
                bar = st.progress(0.0)
                try:
                    st.session_state[result_key] = ledger_bulk.load_rows(
                        Ledger(ledger_path, city=get_store().city), frame, user, valid_district_ids=valid_district_ids,
                        valid_neighborhood_ids=valid_neighborhood_ids, kind=kind, existing_programs=existing_programs,
                        progress=lambda done, text: bar.progress(min(max(float(done), 0.0), 1.0), text=plain(text)))
                except LedgerError as exc:
                    bar.empty()
                    st.error(plain(exc))
                else:
                    st.rerun()  # so the recent records above include the new rows; the outcome shows after it
    if (uploaded := st.session_state.pop(result_key, None)) is not None:
        rejected = uploaded.rejects["line"].nunique()
        st.success(_("{read} rows read: {recorded} recorded, {rejected} rejected.").format(
            read=uploaded.rows_read, recorded=len(uploaded.recorded), rejected=rejected))
        if rejected:
            st.dataframe(uploaded.rejects, hide_index=True, width="stretch",
                         column_config={"line": _("line"), "column": _("column"), "value": _("value"),
                                        "reason": _("reason")})


def ledger_audit(book, prefixes: str | None = None) -> None:
    """The latest audit rows (of ids starting with one of ``prefixes``, else all), newest first."""
    trail = book.audit() if book else None
    if trail is not None and prefixes:
        trail = trail[trail["entry_id"].str[:1].isin(list(prefixes))]
    audit = lf.audit_frame(trail)
    if audit.empty:
        st.caption(_("Nothing recorded yet."))
        return
    st.caption(_("The latest 50 changes, newest first. The trail only grows: nothing in it can be changed or "
                 "removed."))
    audit["action"] = audit["action"].map(lambda a: _(_AUDIT_ACTIONS[a]) if a in _AUDIT_ACTIONS else a)
    st.dataframe(audit, hide_index=True, width="stretch",
                 column_config={"when": _("when"), "who": _("who"), "action": _("action"), "entry": _("entry"),
                                "change": st.column_config.TextColumn(_("before → after"), width="large")})


def field_error(errors_key: str, name: str) -> None:
    """The message for one form field, right under its widget (kept across the rerun after a submit)."""
    message = st.session_state.get(errors_key, {}).get(name)
    if message:
        st.error(plain(message), icon=":material/error:")  # it may quote what was typed


def not_saved(errors_key: str, what: str) -> None:
    """One line above a form listing every problem of its last submit (``what``: the record, translated,
    such as ``_("activity")``)."""
    errors = st.session_state.get(errors_key, {})
    if errors:
        st.error(_("The {what} was not saved. Please fix: {problems}").format(
            what=what, problems="; ".join(f"{lf.field_label(k)} – {plain(v)}" for k, v in errors.items())))


def reset_form_after_save(flag_key: str, defaults: dict) -> None:
    """Empty a form on the run after a successful save (assigning, not deleting, the widget values
    before the widgets exist also empties them in the browser); a refused save keeps what was typed."""
    if st.session_state.pop(flag_key, False):
        for widget_key, value in defaults.items():
            st.session_state[widget_key] = value
