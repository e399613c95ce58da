"""Staff sign-in without Streamlit: password hashes, the staff settings in secrets.toml, throttling.

Passwords are never stored, only hashes in the PHC string format with scrypt (Python's standard
``hashlib.scrypt``; salt and cost parameters travel inside the string)::

    $scrypt$ln=17,r=8,p=1$<salt, base64>$<hash, base64>

``python -m community_policing hash-password`` prints one for ``.streamlit/secrets.toml``.

The settings live in ``secrets.toml`` (never in the repository; see ``.streamlit/secrets.toml.example``)::

    [common_ground]
    mode = "staff"                              # optional; $COMMON_GROUND_MODE wins
    staff_password_hash = "$scrypt$..."         # one shared staff password (no user name), and/or
    staff_emails = ["chief@city.gov", "@city.gov"]   # who is staff after an OIDC sign-in
    require_sign_in = false                     # true: ask for sign-in even on a loopback server

    [common_ground.staff_users]                 # one password per person (sign-in asks for the name)
    "sgt.lee" = "$scrypt$..."

    [auth]                                      # Streamlit's st.login (OIDC); takes precedence
    redirect_uri = "https://dashboard.city.gov/oauth2callback"
    cookie_secret = "..."
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://login.example.com/.well-known/openid-configuration"

An OIDC sign-in only makes someone staff when their e-mail (verified, where the provider says)
matches ``staff_emails`` (an exact address, ``"@domain"`` for a whole domain, or ``"*"`` for anyone
the identity provider accepts): a public provider such as Google would otherwise let anybody in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets as _secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTION = "common_ground"
AUTH_SECTION = "auth"
SCHEME = "scrypt"
# OWASP's scrypt minimum: N = 2**17 (128 MiB), r = 8, p = 1. About a second per sign-in attempt.
DEFAULT_LN, DEFAULT_R, DEFAULT_P = 17, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
MAX_PASSWORD_CHARS = 1024
MIN_PASSWORD_CHARS = 12
# Bounds on the parameters read back from a hash, so a mistyped one cannot take the server's memory.
_LN_RANGE, _R_RANGE, _P_RANGE = range(1, 21), range(1, 33), range(1, 17)
_OIDC_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
# At most two checks at once in one process: each takes 128 MiB, and a burst of sign-in attempts
# from many sessions must not take the server's memory.
_CHECK_SLOTS = threading.BoundedSemaphore(2)


class HashFormatError(ValueError):
    """A string that is not a password hash this module can check."""


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (ValueError, TypeError) as exc:
        raise HashFormatError("the salt or hash is not base64") from exc


def _scrypt(password: str, salt: bytes, ln: int, r: int, p: int, length: int) -> bytes:
    n = 2 ** ln
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=128 * r * (n + p + 2) + 2 ** 20)


def hash_password(password: str, *, ln: int = DEFAULT_LN, r: int = DEFAULT_R, p: int = DEFAULT_P,
                  salt: bytes | None = None) -> str:
    """The PHC string for ``password`` with a fresh random salt (scrypt, N = 2**ln)."""
    if not isinstance(password, str) or not password:
        raise ValueError("the password is empty")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    if ln not in _LN_RANGE or r not in _R_RANGE or p not in _P_RANGE:
        raise ValueError("scrypt parameters out of range")
    salt = _secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = _scrypt(password, salt, ln, r, p, HASH_BYTES)
    return f"${SCHEME}$ln={ln},r={r},p={p}${_b64encode(salt)}${_b64encode(digest)}"


@dataclass(frozen=True)
class ParsedHash:
    ln: int
    r: int
    p: int
    salt: bytes
    digest: bytes


def parse_hash(encoded: str) -> ParsedHash:
    """The parts of a PHC scrypt string; ``HashFormatError`` when it is not one."""
    if not isinstance(encoded, str):
        raise HashFormatError("a password hash must be a string")
    parts = encoded.strip().split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != SCHEME:
        raise HashFormatError(f"expected ${SCHEME}$ln=..,r=..,p=..$salt$hash")
    try:
        params = dict(item.split("=", 1) for item in parts[2].split(","))
        ln, r, p = int(params.pop("ln")), int(params.pop("r")), int(params.pop("p"))
    except (KeyError, ValueError) as exc:
        raise HashFormatError("the parameters must be ln=..,r=..,p=..") from exc
    if params or ln not in _LN_RANGE or r not in _R_RANGE or p not in _P_RANGE:
        raise HashFormatError("unknown or out-of-range scrypt parameters")
    salt, digest = _b64decode(parts[3]), _b64decode(parts[4])
    # A fixed digest length: scrypt's output for a shorter length is a prefix of the longer one, so a
    # truncated hash would still match if any length were accepted.
    if len(salt) < 16 or len(digest) != HASH_BYTES:
        raise HashFormatError(f"expected a salt of at least 16 bytes and a hash of {HASH_BYTES} bytes")
    return ParsedHash(ln, r, p, salt, digest)


def is_password_hash(encoded) -> bool:
    try:
        parse_hash(encoded)
    except HashFormatError:
        return False
    return True


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches the hash. Never raises: a malformed hash or a password that
    is not text is simply no match. The digests are compared in constant time."""
    try:
        parsed = parse_hash(encoded)
    except HashFormatError:
        return False
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_CHARS:
        return False
    with _CHECK_SLOTS:
        candidate = _scrypt(password, parsed.salt, parsed.ln, parsed.r, parsed.p, len(parsed.digest))
    return hmac.compare_digest(candidate, parsed.digest)


# A hash to check against when the user name is unknown, so that a wrong name takes as long as a
# wrong password (made on first use, with the default cost).
_DUMMY: list[str] = []


def _burn_time(password: str) -> None:
    if not _DUMMY:
        _DUMMY.append(hash_password("not a staff password, just spending the same time"))
    verify_password(password or "x", _DUMMY[0])


# -- settings from secrets.toml ------------------------------------------------------------------------


def _mapping(value) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _oidc_providers(auth: Mapping) -> tuple[str, ...] | None:
    """The providers ``st.login`` can use: None when ``[auth]`` is not configured for it; ``("",)``
    for the settings directly in ``[auth]`` (``st.login()``), else the named ``[auth.NAME]`` tables."""
    if not auth or not auth.get("redirect_uri") or not auth.get("cookie_secret"):
        return None
    names = []
    if all(auth.get(k) for k in _OIDC_PROVIDER_KEYS):
        names.append("")
    for name, value in auth.items():
        if isinstance(value, Mapping) and "_" not in name and all(value.get(k) for k in _OIDC_PROVIDER_KEYS):
            names.append(str(name))
    return tuple(names) or None


def oidc_configured(secrets: Mapping | None) -> bool:
    """True when ``[auth]`` holds what Streamlit's ``st.login`` needs (redirect_uri, cookie_secret and
    one provider's client_id, client_secret and server_metadata_url)."""
    return _oidc_providers(_mapping(_mapping(secrets).get(AUTH_SECTION))) is not None


@dataclass(frozen=True)
class StaffConfig:
    """How staff sign in, read from secrets.toml."""

    shared_hash: str | None = None
    users: Mapping[str, str] = field(default_factory=dict)
    staff_emails: tuple[str, ...] = ()
    oidc_providers: tuple[str, ...] = ()
    require_sign_in: bool = False
    problems: tuple[str, ...] = ()  # settings that were ignored, for the server log (never secrets)

    @property
    def oidc(self) -> bool:
        """OIDC sign-in can make someone staff: [auth] is configured and staff_emails says who."""
        return bool(self.oidc_providers) and bool(self.staff_emails)

    @property
    def method(self) -> str | None:
        """``"oidc"`` (st.login) when configured, else ``"password"`` when a hash is, else None."""
        if self.oidc:
            return "oidc"
        if self.shared_hash or self.users:
            return "password"
        return None

    @property
    def configured(self) -> bool:
        return self.method is not None

    def hash_fingerprints(self) -> frozenset[str]:
        """Every configured hash (a signed-in session stays signed in only while its hash is listed)."""
        return frozenset(([self.shared_hash] if self.shared_hash else []) + list(self.users.values()))


def common_ground_section(secrets: Mapping | None) -> Mapping:
    """The ``[common_ground]`` table of secrets.toml (empty when there is none)."""
    return _mapping(_mapping(secrets).get(SECTION))


def staff_config(secrets: Mapping | None) -> StaffConfig:
    """The staff sign-in settings from a secrets mapping (``st.secrets`` or a parsed TOML file).
    Hashes that cannot be read are left out (and named in ``problems``), so they sign nobody in."""
    section = common_ground_section(secrets)
    problems: list[str] = []
    shared = section.get("staff_password_hash")
    if shared is not None and not is_password_hash(shared):
        problems.append(f"[{SECTION}] staff_password_hash is not a ${SCHEME}$ hash; ignored")
        shared = None
    users = {}
    for name, value in _mapping(section.get("staff_users")).items():
        if str(name).strip() and is_password_hash(value):
            users[str(name).strip()] = value
        else:
            problems.append(f"[{SECTION}.staff_users] {name!r} has no valid ${SCHEME}$ hash; ignored")
    raw_emails = section.get("staff_emails") or ()
    if isinstance(raw_emails, str):
        raw_emails = [raw_emails]
    emails = tuple(str(e).strip().lower() for e in raw_emails if str(e).strip())
    providers = _oidc_providers(_mapping(_mapping(secrets).get(AUTH_SECTION))) or ()
    if providers and not emails:
        problems.append(f"[{AUTH_SECTION}] is configured but [{SECTION}] staff_emails is empty: "
                        "no OIDC sign-in makes anyone staff")
    return StaffConfig(shared_hash=shared, users=users, staff_emails=emails, oidc_providers=providers,
                       require_sign_in=section.get("require_sign_in") is True, problems=tuple(problems))


def check_password(config: StaffConfig, username: str | None, password: str) -> tuple[str, str] | None:
    """``(name, hash)`` of the staff member these credentials sign in, else None.

    A user name listed in ``staff_users`` is checked against its own hash; an empty or unlisted
    name against the shared staff password. An unknown name with no shared password still spends
    the time of one check, so timing does not tell which names exist."""
    name = (username or "").strip()
    password = password if isinstance(password, str) else ""
    if name in config.users:
        encoded = config.users[name]
        return (name, encoded) if verify_password(password, encoded) else None
    if config.shared_hash:
        return (name or "staff", config.shared_hash) if verify_password(password, config.shared_hash) else None
    _burn_time(password)
    return None


def is_staff_email(config: StaffConfig, email: str | None, email_verified=None) -> bool:
    """True when an OIDC user's e-mail is on the staff list (``"*"`` lets anyone in; an address the
    provider marks as unverified never counts)."""
    if not config.staff_emails or email_verified is False:
        return False
    if "*" in config.staff_emails:
        return True
    address = str(email or "").strip().lower()
    if "@" not in address:
        return False
    domain = "@" + address.rsplit("@", 1)[1]
    return any(address == entry or (entry.startswith("@") and domain == entry)
               for entry in config.staff_emails)


# -- throttling ------------------------------------------------------------------------------------------


@dataclass
class Throttle:
    """Failed sign-ins slow the next ones: after ``free`` failures each further attempt must wait
    ``base_seconds`` doubled per failure, at most ``max_seconds``. A success resets it."""

    free: int = 3
    base_seconds: float = 2.0
    max_seconds: float = 300.0
    failures: int = 0
    last_failure: float = 0.0

    def wait_seconds(self, now: float | None = None) -> int:
        """Seconds to wait before the next attempt is checked (0: go ahead)."""
        if self.failures < self.free:
            return 0
        delay = min(self.max_seconds, self.base_seconds * 2 ** (self.failures - self.free))
        now = time.monotonic() if now is None else now
        return max(0, math.ceil(self.last_failure + delay - now))

    def failed(self, now: float | None = None) -> None:
        self.failures += 1
        self.last_failure = time.monotonic() if now is None else now

    def succeeded(self) -> None:
        self.failures = 0
        self.last_failure = 0.0


# -- command line ----------------------------------------------------------------------------------------


def read_new_password(stdin, *, interactive: bool, getpass_fn=None) -> str:
    """The password for ``hash-password``: asked twice without echo on a terminal, else the first
    line of standard input. Never from the command line (it would land in the shell history and in
    the process list)."""
    if interactive:
        import getpass

        ask = getpass_fn or getpass.getpass
        first = ask("New staff password: ")
        if first != ask("Same password again: "):
            raise ValueError("the two passwords differ")
        password = first
    else:
        password = stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"a staff password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"a staff password has at most {MAX_PASSWORD_CHARS} characters")
    return password


def secrets_line(encoded: str, user: str | None = None) -> str:
    """The TOML lines that put a hash into secrets.toml."""
    if user:
        key = '"' + user.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f'[{SECTION}.staff_users]\n{key} = "{encoded}"'
    return f'[{SECTION}]\nstaff_password_hash = "{encoded}"'
