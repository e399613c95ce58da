"""One reader's session: every page entered through dashboard.py, widget values held across pages, and
the address (query string) that carries them, so a copied link opens the same view.
"""

from __future__ import annotations

import streamlit as st


def _ensure_entrypoint() -> None:
    """Run every page through dashboard.py, even when a fresh server's first request is a page URL.

    With a pages/ folder next to the entrypoint, Streamlit starts in its older multipage mode and,
    until some session has run dashboard.py (whose st.navigation switches the mode off), serves a
    page URL such as /district?district=2 by running the page file alone: no navigation, no page
    config. Switch the mode off and rerun, so the same URL goes through the entrypoint.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()

_URL_SHOWN = "_url_shown"  # parameter -> the value this session last wrote to (or took from) the address
_URL_PAGE = "_url_page"    # parameter -> the page on which it was last written


_HELD = "_held_"  # + a widget key: its value kept in plain session state, which no page change drops


def follow_url(param: str, widget_key: str, codes: dict) -> None:
    """Before a widget is drawn: when the address names ``param`` with a value this session has not just
    written (a shared link, a first load), set the widget (``widget_key``) to ``codes[value]``. A value not in
    ``codes`` is ignored."""
    raw = st.query_params.get(param)
    shown = st.session_state.setdefault(_URL_SHOWN, {})
    if raw is None or raw == shown.get(param):
        return
    if raw in codes:
        st.session_state[_HELD + widget_key] = codes[raw]
        shown[param] = raw


def hold(widget_key: str, valid, default) -> dict:
    """Before a widget is drawn: give it back the value this session held for it (the widget's own state is
    dropped whenever a page that does not draw it runs), or ``default`` when the held value is not one of
    ``valid`` (held from another city's list). Returns the widget's ``on_change``/``args`` options, which keep
    the held value in step with the reader's choice; after the widget, call ``keep``."""
    held = st.session_state.get(_HELD + widget_key, st.session_state.get(widget_key, default))
    st.session_state[widget_key] = held if held in valid else default
    return {"on_change": _keep_widget, "args": (widget_key,)}


def _keep_widget(widget_key: str) -> None:
    st.session_state[_HELD + widget_key] = st.session_state[widget_key]


def keep(widget_key: str, value) -> None:
    """After a widget is drawn: hold its value for the rest of the session."""
    st.session_state[_HELD + widget_key] = value


def show_in_url(param: str, code: str | None, default: str | None = None) -> None:
    """After a widget is drawn: write its ``code`` to the address as ``param`` (removed when it equals
    ``default``, so the address names only what differs from the defaults)."""
    shown = st.session_state.setdefault(_URL_SHOWN, {})
    written = st.session_state.setdefault(_URL_PAGE, {})
    value = None if code is None or code == default else str(code)
    # On the first run of a page the browser's address may already have lost what the backend still holds:
    # write once per page even when the two agree.
    page = _page_hash()
    if value is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value or written.get(param) != page:
        st.query_params[param] = value
    shown[param] = value
    written[param] = page


def _page_hash() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.pages_manager.current_page_script_hash if ctx is not None else ""
