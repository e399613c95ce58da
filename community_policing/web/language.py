"""The page's language: the sidebar picker, ``?lang=`` in the address, and ``<html lang>``.
"""

from __future__ import annotations

import streamlit as st

from community_policing import i18n
from community_policing.web.session import show_in_url


# -- language ----------------------------------------------------------------------------------------

LANGUAGE_KEY = "lang"  # the language picker's widget key, and the ?lang= query parameter


_CHOSEN = "_language"  # the language chosen in this session; unlike a widget's state, it outlives any rerun


def apply_language() -> str:
    """Speak this run in the chosen language: the sidebar picker's choice, else ``?lang=es`` in the URL,
    else English. Called by get_store, which every page calls first; returns the language set."""
    return i18n.set_language(st.session_state.get(_CHOSEN) or st.session_state.get(LANGUAGE_KEY)
                             or st.query_params.get(LANGUAGE_KEY))


def language_picker() -> str:
    """The sidebar's "Language / Idioma" choice (widget key "lang", one entry per i18n.LANGUAGES); it
    starts from ``?lang=`` when the URL has one. Sets the language for the rest of this run."""
    codes = list(i18n.LANGUAGES)
    current = apply_language()
    with st.sidebar:
        chosen = st.selectbox("Language / Idioma", codes, index=codes.index(current), format_func=i18n.LANGUAGES.get,
                              key=LANGUAGE_KEY, on_change=_remember_language)
    st.session_state[_CHOSEN] = chosen
    show_in_url(LANGUAGE_KEY, chosen, "en")  # a shared link opens in the language it was copied in
    return i18n.set_language(chosen)


def _remember_language() -> None:
    st.session_state[_CHOSEN] = st.session_state[LANGUAGE_KEY]


def document_language() -> None:
    """Tell the browser which language the page is in: ``<html lang>`` (WCAG 3.1.1). Streamlit serves
    ``lang="en"`` whatever the content, so a line of script sets it on every run."""
    lang = i18n.language()
    with st.sidebar:  # an empty element: in the sidebar it takes no room from the page
        st.html(f"<script>document.documentElement.lang = {lang!r};</script>", unsafe_allow_javascript=True)
