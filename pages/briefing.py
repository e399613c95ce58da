"""Briefings: a printable PDF (or a slide deck) for the city or one district over the chosen
period, with the same numbers as every page. Reached from the navigation or a District page
(?district=ID).

The briefing is made in the app's current language (the picker, or ``?lang=es``); a briefing made
in one language is kept under its language, so switching never serves the other one. The file name
stays in English words (``briefing_district_2_..._simulated.pdf``) with ``_es`` after the dates for
a Spanish one, so the two can sit side by side in a folder."""

import io
import zipfile

import streamlit as st

from community_policing import i18n
from community_policing.briefing import content as briefing
from community_policing.web import about, cached, downloads, echo, sidebar
from community_policing.i18n import _, ngettext
from community_policing.data.store import StoreError

store = cached.get_store()
key = cached.cache_key(store)
info = cached.dataset_info(store, key)
CITYWIDE = ""
READY = "_briefing_ready"  # (request, key, language, kind) -> bytes made in this session, so reruns do not remake them

st.title(_("Briefings"))
about.simulated_banner(info)
st.caption(_("One click makes a printable briefing for the chosen area and period: headline numbers with their "
             "comparison and noise reading, the map, the trend, engagement, trust with respondents, program estimates "
             "with their intervals, and how the numbers are made. US Letter, readable in black and white."))

filters = sidebar.sidebar_filters(store, info)
districts = cached.district_list(store, key)
titles = {CITYWIDE: _("Citywide – {city}").format(city=info.city_name),
          **dict(zip(districts["district_id"].astype(str), districts["title"]))}
asked = st.query_params.get("district", CITYWIDE)
if "briefing_scope" not in st.session_state:
    st.session_state["briefing_scope"] = asked if asked in titles else CITYWIDE
scope = st.selectbox(_("Area"), list(titles), format_func=titles.get, key="briefing_scope")
if scope:
    st.query_params["district"] = scope
else:
    st.query_params.pop("district", None)

if not info.has_incidents:
    st.info(_("No incidents are loaded for {city}, so there is nothing to brief on yet.").format(city=echo.plain(info.city_name)))
    about.data_note(info)
    st.stop()

# Public mode: the briefing hides small counts like every page (the request carries the rules); staff get everything.
request = cached.view(briefing.request_view, store, filters.period.start, filters.period.end, scope or None,
                      filters.offense_group, filters.date_basis)
if filters.date_basis == "reported":
    chosen = _("**{area}**, {period} compared with {prior}; {offenses}, counted by date reported. "
               "Change the period and offenses in the sidebar.")
else:
    chosen = _("**{area}**, {period} compared with {prior}; {offenses}, counted by date occurred. "
               "Change the period and offenses in the sidebar.")
st.markdown(chosen.format(area=echo.plain(titles[scope]), period=filters.period.label(), prior=filters.period.prior.label(),
                          offenses=filters.offense_label.lower()))
lang = i18n.language()
ready: dict = st.session_state.setdefault(READY, {})
c1, c2 = st.columns(2)
make_pdf = c1.button(_("Make the PDF briefing"), type="primary", key="briefing_make_pdf")
make_deck = c2.button(_("Make the slide deck (PowerPoint)"), key="briefing_make_pptx")
for kind, clicked in (("pdf", make_pdf), ("pptx", make_deck)):
    if not clicked or (request, key, lang, kind) in ready:
        continue
    bar = st.progress(0.0, text=_("Starting"))

    def show(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    try:
        content = briefing.build_briefing(store, request, show)
        render = briefing.briefing_pdf if kind == "pdf" else briefing.briefing_pptx
        ready[(request, key, lang, kind)] = (content.file_stem(), render(content, progress=show))
    except (StoreError, OSError, RuntimeError) as exc:  # kaleido needs a Chromium: say so plainly
        bar.empty()
        st.error(_("The briefing could not be made: {error}. Charts are drawn with the system Chromium "
                   "(`apt-get install chromium`).").format(error=echo.plain(exc)))
    else:
        bar.empty()
        while len(ready) > 4:  # keep a few per session, not every one ever made
            ready.pop(next(iter(ready)))

MIME = {"pdf": "application/pdf",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
for kind, label in (("pdf", _("Download the briefing (PDF)")), ("pptx", _("Download the slide deck (PPTX)"))):
    if (request, key, lang, kind) in ready:
        stem, data = ready[(request, key, lang, kind)]
        downloads.download_document(label, data, file_name=f"{stem}.{kind}", key=f"briefing_download_{kind}", mime=MIME[kind],
                                    type="primary")
        size = _("{file}: {size} KB").format(file=f"{stem}.{kind}", size=f"{len(data) / 1024:,.0f}")
        st.caption(size + (" · " + _("simulated demo data, stamped on every page") if info.is_simulated else ""))
st.divider()
st.subheader(_("Briefings for all districts"))
district_titles = [titles[i] for i in titles if i != CITYWIDE]
st.caption(ngettext("One PDF briefing per district ({count} district) for the period and offenses above, in one zip "
                    "file. They are made one after another; a bar says which district is being made.",
                    "One PDF briefing per district ({count} districts) for the period and offenses above, in one zip "
                    "file. They are made one after another; a bar says which district is being made.",
                    len(district_titles)).format(count=f"{len(district_titles):,}"))
zip_key = (request.start, request.end, request.offense_group, request.date_basis, request.rules, key, lang, "zip")
if st.button(_("Make the briefings for all districts"), key="briefing_make_all") and zip_key not in ready:
    bar = st.progress(0.0, text=_("Starting"))
    try:
        data = briefing.district_briefings_zip(
            store, request.start, request.end, request.offense_group, request.date_basis, rules=request.rules,
            progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
        ready[zip_key] = (briefing.zip_name(request.start, request.end, info.is_simulated, cached.public_view()), data)
    except (StoreError, OSError, RuntimeError) as exc:
        st.error(_("The briefing could not be made: {error}. Charts are drawn with the system Chromium "
                   "(`apt-get install chromium`).").format(error=echo.plain(exc)))
    finally:
        bar.empty()
if zip_key in ready:
    name, data = ready[zip_key]
    downloads.download_document(_("Download the briefings for all districts (zip)"), data, file_name=name,
                                key="briefing_download_all", mime="application/zip", type="primary")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # say what the file holds, counted from the file itself
        made = len(archive.namelist())
    st.caption(ngettext("{file}: {count} PDF briefing ({size} KB), one per district: {districts}.",
                        "{file}: {count} PDF briefings ({size} KB), one per district: {districts}.", made).format(
        file=echo.plain(name), count=f"{made:,}", size=f"{len(data) / 1024:,.0f}",
        districts=echo.plain(", ".join(district_titles))))
about.data_note(info, _("Briefings use the same functions as the pages: their numbers equal the Overview's and the "
                        "`districts` command's for the same filters."))
