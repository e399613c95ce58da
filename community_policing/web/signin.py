"""Who is looking: public readers or signed-in staff (password or a trusted proxy), the sidebar's sign-in
and sign-out, the "Staff only" answer, and the privacy rules that apply to this reader.
"""

from __future__ import annotations

import logging

import streamlit as st

from community_policing import settings
from community_policing.i18n import _
from community_policing.views import privacy
from community_policing.web import auth
from community_policing.web.session import _ensure_entrypoint
from community_policing.web.echo import _plain


# -- who is looking (public or staff) -----------------------------------------------------------------


_SIGNED_IN = "_staff_signed_in"             # (name, hash) after a password sign-in in this session
_THROTTLE = "_staff_sign_in_throttle"       # auth.Throttle of this session's failed attempts
_PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-host", "forwarded", "x-real-ip")
_LOG = logging.getLogger(__name__)
_LOGGED: set[str] = set()


def _log_once(message: str) -> None:
    if message not in _LOGGED:
        _LOGGED.add(message)
        _LOG.warning(message)


def _secrets() -> dict:
    """``st.secrets`` as a plain dict; empty when there is no secrets.toml or it cannot be read."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError as exc:  # StreamlitSecretNotFoundError: no file, or a file that does not parse
        if "parsing" in str(exc).lower():
            _log_once(f"secrets.toml is not used: {exc}")
        return {}


def staff_config(secrets: dict | None = None) -> auth.StaffConfig:
    """How staff sign in here (from secrets.toml); settings it had to ignore go to the server log."""
    config = auth.staff_config(_secrets() if secrets is None else secrets)
    for problem in config.problems:
        _log_once(problem)
    return config


def _server_address(config: auth.StaffConfig) -> str | None:
    """The address the server listens on, or None ("reachable from elsewhere") when the settings ask
    for sign-in everywhere or this request came through a proxy or from another machine: a loopback
    server behind a reverse proxy on the same machine is not private."""
    if config.require_sign_in:
        return None
    try:
        headers = st.context.headers
        remote = st.context.ip_address  # None for a local client
    except Exception:  # no request context (AppTest, bare mode)
        headers, remote = {}, None
    if (isinstance(remote, str) and remote) or any(name in headers for name in _PROXY_HEADERS):
        return None
    return st.get_option("server.address")


def _signed_in(config: auth.StaffConfig) -> str | None:
    """The signed-in staff member's name, or None."""
    if config.method == "oidc":
        user = st.user
        if user.get("is_logged_in") and auth.is_staff_email(config, user.get("email"), user.get("email_verified")):
            return str(user.get("email"))
        return None
    if config.method == "password":
        entry = st.session_state.get(_SIGNED_IN)
        # Only while the hash it matched is still configured: a changed password signs everyone out.
        if entry and entry[1] in config.hash_fingerprints():
            return entry[0]
    return None


def viewer() -> settings.Viewer:
    """This session's viewer: the effective mode and whether staff pages and exact counts are theirs."""
    secrets = _secrets()
    config = staff_config(secrets)
    try:
        mode = settings.configured_mode(secrets=dict(auth.common_ground_section(secrets)))
    except ValueError as exc:
        st.error(_("The dashboard is misconfigured: {reason}").format(reason=exc))
        st.stop()
    address = _server_address(config)
    if mode == "staff" and not config.configured and not settings.is_loopback(address):
        _log_once("The server is reachable from other machines and no staff sign-in is configured "
                  "(.streamlit/secrets.toml): running in public mode, without staff pages.")
    return settings.effective_viewer(mode, address, sign_in_configured=config.configured,
                                     signed_in=_signed_in(config) is not None)


def signed_in_name() -> str | None:
    """Who signed in to this session (None on a loopback server, where nobody signs in)."""
    return _signed_in(staff_config())


def sign_in(config: auth.StaffConfig | None = None) -> None:
    """The staff sign-in: Streamlit's st.login (OIDC) when configured, else a password form checked
    against the hashes in secrets.toml (one generic message for any failure; failed attempts in a
    session make the next ones wait)."""
    config = config or staff_config()
    if config.method == "oidc":
        if st.user.get("is_logged_in"):  # signed in with the provider, but not on the staff list
            st.warning(_("{account} is not on this dashboard's staff list.").format(
                account=_plain(st.user.get("email") or _("This account"))))
            if st.button(_("Sign out"), key="staff_sign_out"):
                st.logout()
            return
        for provider in config.oidc_providers:
            label = _("Staff sign-in") + (f" ({provider})" if provider else "")
            if st.button(label, key=f"staff_login_{provider or 'default'}", icon=":material/login:"):
                st.login(provider or None)
        return
    if config.method != "password":
        return
    throttle: auth.Throttle = st.session_state.setdefault(_THROTTLE, auth.Throttle())
    with st.form("staff_sign_in", clear_on_submit=True, border=True):
        st.markdown("**{}**".format(_("Staff sign-in")))
        username = ""
        if config.users:
            username = st.text_input(_("User name (optional)") if config.shared_hash else _("User name"),
                                     key="staff_sign_in_user", autocomplete="username")
        password = st.text_input(_("Password"), type="password", key="staff_sign_in_password",
                                 autocomplete="current-password", max_chars=auth.MAX_PASSWORD_CHARS)
        submitted = st.form_submit_button(_("Sign in"), icon=":material/login:")
    if not submitted:
        return
    if wait := throttle.wait_seconds():
        st.error(_("Too many failed sign-ins. Try again in {seconds} seconds.").format(seconds=wait))
        return
    signed = auth.check_password(config, username, password)
    if signed is None:
        throttle.failed()
        st.error(_("Sign-in failed: the user name or password is not right.") if config.users
                 else _("Sign-in failed: the password is not right."))
        return
    throttle.succeeded()
    st.session_state[_SIGNED_IN] = signed
    st.rerun()  # so the navigation shows the staff pages


def sign_out(config: auth.StaffConfig | None = None) -> None:
    """A sign-out button for a signed-in session."""
    config = config or staff_config()
    if st.button(_("Sign out"), key="staff_sign_out", icon=":material/logout:"):
        st.session_state.pop(_SIGNED_IN, None)
        if config.method == "oidc":
            st.logout()  # redirects to the provider's sign-out, then back to a new session
        else:
            st.rerun()  # so the navigation drops the staff pages


def access_sidebar(view: settings.Viewer) -> None:
    """The mode indicator, and the sign-in or sign-out when there is one (call inside the sidebar)."""
    if view.is_staff:
        name = signed_in_name()
        if name and not view.loopback:
            st.caption(":material/badge: " + _("Staff view (signed in as {name})").format(name=_plain(name)))
            sign_out()
        else:
            st.caption(":material/badge: " + _("Staff view (this server only answers this computer)"))
        return
    st.caption(":material/public: " + _("Public view: read-only"))
    if view.needs_sign_in:
        sign_in()


def require_staff() -> settings.Viewer:
    """First thing on a staff page: stop with a plain message unless this viewer is staff, even when
    the page is reached by its URL or run on its own."""
    _ensure_entrypoint()
    view = viewer()
    if not view.is_staff:
        st.title(_("Staff only"))
        if view.needs_sign_in:
            st.info(_("This page is for staff. Sign in with the staff sign-in in the sidebar first."))
        else:
            st.info(_("This page is for staff. This dashboard is a public, read-only view."))
        st.stop()
    return view


def privacy_rules() -> privacy.Rules | None:
    """The public-mode privacy rules when they apply to this viewer, else None (staff see everything)."""
    return privacy.rules_from_env() if viewer().privacy_applies else None
