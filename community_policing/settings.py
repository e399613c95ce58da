"""Who is looking: public or staff mode, and whether the viewer may see staff pages and exact counts.

* ``$COMMON_GROUND_MODE`` (or ``mode`` in ``.streamlit/secrets.toml``'s ``[common_ground]``) sets
  ``public`` or ``staff``. Public mode is read-only: no staff pages, and the privacy rules
  (``privacy.Rules``) apply to every page, download, briefing and CLI output.
* Staff mode shows everything. When the server listens on anything but loopback, staff pages need
  a sign-in (``auth``), and visitors who have not signed in are treated as the public.
* A non-loopback server with no sign-in configured runs in public mode, whatever the setting.

No Streamlit here: the UI helper passes in the server address and the sign-in state.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

MODE_ENV = "COMMON_GROUND_MODE"
MODES = ("public", "staff")
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}


def is_loopback(address: str | None) -> bool:
    """True when the server listens only on loopback (Streamlit's default address "" means all
    interfaces, which is not loopback)."""
    if address is None or not str(address).strip():
        return False
    text = str(address).strip().strip("[]")
    if text in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def configured_mode(env=os.environ, secrets: dict | None = None) -> str:
    """The mode asked for: the environment wins over secrets.toml; staff when neither says."""
    raw = env.get(MODE_ENV) or ((secrets or {}).get("mode") if secrets else None) or "staff"
    mode = str(raw).strip().lower()
    if mode not in MODES:
        raise ValueError(f"{MODE_ENV} must be one of {', '.join(MODES)}, not {raw!r}")
    return mode


@dataclass(frozen=True)
class Viewer:
    """One session's view of the app."""

    mode: str            # the effective mode: "public" or "staff"
    loopback: bool       # the server listens on loopback only
    sign_in_configured: bool
    signed_in: bool

    @property
    def is_staff(self) -> bool:
        """May see staff pages and exact counts."""
        return self.mode == "staff" and (self.loopback or self.signed_in)

    @property
    def needs_sign_in(self) -> bool:
        """Staff mode on a reachable server, not signed in yet: offer the sign-in."""
        return self.mode == "staff" and not self.loopback and not self.signed_in

    @property
    def privacy_applies(self) -> bool:
        return not self.is_staff


def effective_viewer(configured: str, address: str | None, sign_in_configured: bool, signed_in: bool) -> Viewer:
    """The rules above, in one place."""
    loopback = is_loopback(address)
    mode = configured
    if not loopback and not sign_in_configured:
        mode = "public"  # nobody could sign in, so nobody is staff
    return Viewer(mode=mode, loopback=loopback, sign_in_configured=sign_in_configured,
                  signed_in=bool(signed_in) and mode == "staff")
