"""Every download a page offers: tables through ``exports`` (formula-safe CSV and Excel, with the data's
label), documents (PDF, slides) as they are.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from community_policing import exports, i18n
from community_policing.i18n import _
from community_policing.views import metrics
from community_policing.web.display import lazy_expander, MISSING
from community_policing.web.about import about_notes, data_label


def csv_bytes(frame: pd.DataFrame, info: metrics.DatasetInfo | None) -> bytes:
    """CSV for download, labelled with what the data is (simulated or recorded) on every row, and safe
    to open in a spreadsheet (``exports``: formula-like text neutralised, UTF-8 with a byte-order mark)."""
    return exports.csv_bytes(frame, data_label(info))


def download_table(frame: pd.DataFrame, info: metrics.DatasetInfo | None, file_stem: str, key: str, *,
                   label: str | None = None, excel: bool = True,
                   notes: list[str] | None = None) -> None:
    """The one way a table leaves the app: "… (CSV)" and, side by side, "… (Excel)" buttons.

    Both files go through ``exports`` (formula-like text neutralised; ``data_label`` on every row
    when ``info`` is given; "_simulated" in the file name for simulated data). The CSV is made now
    ``info=None`` is for tables that describe no data (the data dictionary): no label, no source.

    Both files are made only when their button is clicked, and a click does not rerun the page
    (``on_click="ignore"``): before, every download greyed the whole page out for about two seconds.
    """
    label = label or _("Download these numbers")
    stem = file_stem.removesuffix(".csv")
    if info is not None and info.is_simulated and not stem.endswith("_simulated"):
        stem += "_simulated"
    row = st.container(horizontal=True) if excel else st
    # on_click="ignore": a click downloads without rerunning (and greying out) the page. The CSV is built now, from
    # the table as shown (the public-mode property tests read every file a page offers).
    row.download_button(_("{label} (CSV)").format(label=label), exports.csv_bytes(frame, data_label(info)),
                        file_name=f"{stem}.csv", mime=exports.CSV_MIME, key=key, on_click="ignore")
    if excel:
        # Deferred: the workbook is built on click, so pages with many tables do not pay for it on every
        # run (about 25 ms per 100 rows). It is built from the table as shown now.
        # Everything worded now, in this run's language: the click is served in a thread that speaks English.
        shown, lines, data_words, lang = frame.copy(), about_notes(info, notes), data_label(info), i18n.language()
        row.download_button(_("{label} (Excel)").format(label=label),
                            lambda: exports.excel_bytes(shown, sheet="data", label=data_words, notes=lines, lang=lang),
                            file_name=f"{stem}.xlsx", mime=exports.EXCEL_MIME, key=f"{key}_xlsx", on_click="ignore")


#: Files a spreadsheet opens as a table: these leave the app only through ``download_table``.
SPREADSHEET_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")


def download_document(label: str, data, file_name: str, key: str, mime: str, **options) -> None:
    """A download that is not a table (a PDF briefing, a slide deck): passed through as it is.
    Spreadsheet files are refused here, so that every table goes through ``download_table`` and is
    neutralised against formula injection."""
    if file_name.lower().endswith(SPREADSHEET_SUFFIXES) or mime in (exports.CSV_MIME, exports.EXCEL_MIME):
        raise ValueError(f"{file_name}: tables are downloaded with downloads.download_table (neutralised by exports)")
    st.download_button(label, data, file_name=file_name, mime=mime, key=key, on_click="ignore",
                       **options)  # the file is ready: a click need not rerun (and grey out) the page


def numbers_behind(frame: pd.DataFrame, info: metrics.DatasetInfo, file_name: str, key: str,
                   column_config: dict | None = None, notes: list[str] | None = None) -> None:
    """The table behind a chart, one click away, with CSV and Excel downloads (simulated data say so
    in the name; ``notes`` go on the workbook's 'about' sheet). Built when opened (``lazy_expander``)."""
    box = lazy_expander(_("Show the numbers"), key)
    with box:
        if box.open:
            st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config, placeholder=MISSING)
            download_table(frame, info, file_name, key, notes=notes)
