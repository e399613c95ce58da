"""Modes and staff sign-in: password hashes, the staff settings, the viewer, the navigation it builds,
and a real server listening on all interfaces (Playwright + /usr/bin/chromium)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests import servers
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from community_policing import settings
from community_policing.web import auth
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
LEDGER_PAGE = str(ROOT / "pages" / "ledger.py")
STAFF_PAGES = ("pages/ledger.py", "pages/meetings.py", "pages/training.py")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "river bend staff 2026"
FAST = {"ln": 10}  # cheap hashes for tests; verification reads the cost from the string


# -- hashing ------------------------------------------------------------------------------------------------


def test_a_hash_is_a_phc_scrypt_string_with_its_salt_and_owasp_cost():
    encoded = auth.hash_password(PASSWORD)
    assert encoded.startswith("$scrypt$ln=17,r=8,p=1$")
    parsed = auth.parse_hash(encoded)
    assert (parsed.ln, parsed.r, parsed.p, len(parsed.salt), len(parsed.digest)) == (17, 8, 1, 16, 32)
    assert PASSWORD not in encoded
    assert auth.verify_password(PASSWORD, encoded)


def test_the_right_password_matches_and_wrong_ones_do_not():
    encoded = auth.hash_password(PASSWORD, **FAST)
    assert auth.verify_password(PASSWORD, encoded)
    for wrong in ("", "river bend staff 2025", PASSWORD.upper(), PASSWORD + " ", PASSWORD[:-1]):
        assert not auth.verify_password(wrong, encoded), wrong
    assert not auth.verify_password(None, encoded)
    assert not auth.verify_password(b"river bend staff 2026", encoded)


def test_each_hash_has_its_own_salt():
    first, second = auth.hash_password(PASSWORD, **FAST), auth.hash_password(PASSWORD, **FAST)
    assert first != second and auth.parse_hash(first).salt != auth.parse_hash(second).salt


def _swap_char(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


def test_a_tampered_or_malformed_hash_matches_nothing_and_never_raises():
    encoded = auth.hash_password(PASSWORD, **FAST)
    head, scheme, params, salt, digest = encoded.split("$")
    tampered = [
        f"${scheme}${params}${salt}${_swap_char(digest, 3)}",          # another digest
        f"${scheme}${params}${_swap_char(salt, 3)}${digest}",          # another salt
        f"${scheme}$ln=11,r=8,p=1${salt}${digest}",                    # another cost
        f"${scheme}${params}${salt}${digest[:-4]}",                    # shortened digest
        f"$pbkdf2-sha256${params}${salt}${digest}",                    # another scheme
        f"${scheme}$ln=40,r=8,p=1${salt}${digest}",                    # absurd cost: refused, not run
        f"${scheme}$ln=10,r=8,p=1,x=1${salt}${digest}",                # unknown parameter
        f"${scheme}${params}$!!!${digest}",                            # not base64
        "", "plain text password", PASSWORD, "$scrypt$", None, 17,
    ]
    for bad in tampered:
        assert not auth.verify_password(PASSWORD, bad), bad


def test_the_digests_are_compared_in_constant_time(monkeypatch):
    calls = []
    real = auth.hmac.compare_digest

    def spy(a, b):
        calls.append((type(a), type(b)))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    encoded = auth.hash_password(PASSWORD, **FAST)
    assert auth.verify_password(PASSWORD, encoded) and not auth.verify_password("wrong password", encoded)
    assert calls == [(bytes, bytes), (bytes, bytes)]


def test_hashing_refuses_empty_or_huge_passwords():
    with pytest.raises(ValueError):
        auth.hash_password("")
    with pytest.raises(ValueError):
        auth.hash_password("x" * (auth.MAX_PASSWORD_CHARS + 1), **FAST)
    assert not auth.verify_password("x" * (auth.MAX_PASSWORD_CHARS + 1), auth.hash_password(PASSWORD, **FAST))


# -- staff settings from secrets.toml -----------------------------------------------------------------------


AUTH_SECTION = {"redirect_uri": "https://dash.example.gov/oauth2callback", "cookie_secret": "s" * 32,
                "client_id": "id", "client_secret": "secret",
                "server_metadata_url": "https://login.example.gov/.well-known/openid-configuration"}


def test_no_secrets_means_no_sign_in():
    for secrets in (None, {}, {"common_ground": {}}, {"common_ground": "not a table"}, {"other": {"x": 1}}):
        config = auth.staff_config(secrets)
        assert config.method is None and not config.configured


def test_a_password_hash_configures_password_sign_in():
    shared = auth.hash_password(PASSWORD, **FAST)
    config = auth.staff_config({"common_ground": {"staff_password_hash": shared}})
    assert config.method == "password" and config.configured and config.shared_hash == shared
    users = auth.staff_config({"common_ground": {"staff_users": {"sgt.lee": shared}}})
    assert users.method == "password" and dict(users.users) == {"sgt.lee": shared}


def test_an_unreadable_hash_is_ignored_and_reported_without_the_secret():
    config = auth.staff_config({"common_ground": {"staff_password_hash": "hunter2hunter2",
                                                  "staff_users": {"sgt.lee": "also plain text"}}})
    assert not config.configured
    assert len(config.problems) == 2
    assert not any("hunter2" in p or "also plain" in p for p in config.problems)


def test_oidc_is_detected_from_a_complete_auth_section():
    assert auth.oidc_configured({"auth": AUTH_SECTION})
    assert auth.oidc_configured({"auth": {"redirect_uri": AUTH_SECTION["redirect_uri"], "cookie_secret": "c" * 32,
                                          "google": {k: AUTH_SECTION[k] for k in auth._OIDC_PROVIDER_KEYS}}})
    for missing in ("redirect_uri", "cookie_secret", "client_id", "server_metadata_url"):
        assert not auth.oidc_configured({"auth": {k: v for k, v in AUTH_SECTION.items() if k != missing}}), missing
    assert not auth.oidc_configured({}) and not auth.oidc_configured(None)


def test_oidc_needs_a_staff_list_and_then_wins_over_the_password():
    shared = auth.hash_password(PASSWORD, **FAST)
    no_list = auth.staff_config({"auth": AUTH_SECTION})
    assert no_list.oidc_providers == ("",) and no_list.method is None and no_list.problems
    no_list_password = auth.staff_config({"auth": AUTH_SECTION, "common_ground": {"staff_password_hash": shared}})
    assert no_list_password.method == "password"
    both = auth.staff_config({"auth": AUTH_SECTION,
                              "common_ground": {"staff_password_hash": shared, "staff_emails": ["@city.gov"]}})
    assert both.method == "oidc"


def test_staff_emails_match_addresses_and_whole_domains_only():
    config = auth.staff_config({"auth": AUTH_SECTION,
                                "common_ground": {"staff_emails": ["Chief@Riverbend.gov", "@pd.riverbend.gov"]}})
    assert auth.is_staff_email(config, "chief@riverbend.gov")
    assert auth.is_staff_email(config, "CHIEF@riverbend.gov", email_verified=True)
    assert auth.is_staff_email(config, "sgt.lee@pd.riverbend.gov")
    assert not auth.is_staff_email(config, "chief@riverbend.gov", email_verified=False)
    for other in ("clerk@riverbend.gov", "x@evilpd.riverbend.gov", "x@pd.riverbend.gov.evil.com", "", None,
                  "pd.riverbend.gov", "@pd.riverbend.gov"[1:]):
        assert not auth.is_staff_email(config, other), other
    anyone = auth.staff_config({"auth": AUTH_SECTION, "common_ground": {"staff_emails": ["*"]}})
    assert auth.is_staff_email(anyone, "anybody@example.com")


def test_password_check_by_user_name_and_shared_password(monkeypatch):
    shared, lee = auth.hash_password(PASSWORD, **FAST), auth.hash_password("lee's own password", **FAST)
    config = auth.staff_config({"common_ground": {"staff_password_hash": shared, "staff_users": {"sgt.lee": lee}}})
    assert auth.check_password(config, "", PASSWORD) == ("staff", shared)
    assert auth.check_password(config, "sgt.lee", "lee's own password") == ("sgt.lee", lee)
    assert auth.check_password(config, "sgt.lee", PASSWORD) is None  # a listed user needs their own password
    assert auth.check_password(config, "visitor", PASSWORD) == ("visitor", shared)
    assert auth.check_password(config, "", "wrong") is None
    users_only = auth.staff_config({"common_ground": {"staff_users": {"sgt.lee": lee}}})
    checks = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda p, e: checks.append(e) or real(p, e))
    assert auth.check_password(users_only, "nobody", "lee's own password") is None
    assert len(checks) == 1  # an unknown name costs one check too: timing does not reveal names


def test_failed_sign_ins_make_the_next_ones_wait():
    throttle = auth.Throttle(free=3, base_seconds=2, max_seconds=10)
    for _ in range(3):
        assert throttle.wait_seconds(now=100.0) == 0
        throttle.failed(now=100.0)
    assert throttle.wait_seconds(now=100.0) == 2
    assert throttle.wait_seconds(now=102.0) == 0
    throttle.failed(now=102.0)
    assert throttle.wait_seconds(now=102.0) == 4
    for _ in range(5):
        throttle.failed(now=200.0)
    assert throttle.wait_seconds(now=200.0) == 10  # capped
    throttle.succeeded()
    assert throttle.wait_seconds(now=200.0) == 0


def test_hash_password_cli_reads_stdin_and_prints_a_secrets_line():
    done = subprocess.run([sys.executable, "-m", "community_policing", "hash-password"], input=PASSWORD + "\n",
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    parsed = tomllib.loads(done.stdout)
    assert auth.verify_password(PASSWORD, parsed["common_ground"]["staff_password_hash"])
    config = auth.staff_config(parsed)
    assert config.method == "password"
    user = subprocess.run([sys.executable, "-m", "community_policing", "hash-password", "--user", "sgt.lee"],
                          input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT)
    assert auth.verify_password(PASSWORD, tomllib.loads(user.stdout)["common_ground"]["staff_users"]["sgt.lee"])


def test_hash_password_cli_refuses_short_passwords_and_passwords_in_argv():
    short = subprocess.run([sys.executable, "-m", "community_policing", "hash-password"], input="short\n",
                           capture_output=True, text=True, cwd=ROOT)
    assert short.returncode == 2 and "at least" in short.stderr and not short.stdout
    argv = subprocess.run([sys.executable, "-m", "community_policing", "hash-password", PASSWORD],
                          input="", capture_output=True, text=True, cwd=ROOT)
    assert argv.returncode == 2 and not argv.stdout


def test_the_secrets_example_is_valid_toml_and_signs_nobody_in():
    example = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text())
    assert not auth.staff_config(example).configured  # its placeholder is not a hash
    ignored = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT)
    assert ignored.returncode == 0, ".streamlit/secrets.toml must be git-ignored"


# -- the viewer ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("address, loopback", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
    ("", False), (None, False), ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False),
])
def test_loopback_addresses(address, loopback):
    assert settings.is_loopback(address) is loopback


def test_effective_viewer_cases():
    ev = settings.effective_viewer
    local = ev("staff", "127.0.0.1", sign_in_configured=False, signed_in=False)
    assert local.is_staff and not local.needs_sign_in and not local.privacy_applies
    open_no_secret = ev("staff", "0.0.0.0", sign_in_configured=False, signed_in=False)
    assert open_no_secret.mode == "public" and not open_no_secret.is_staff and not open_no_secret.needs_sign_in
    assert ev("staff", "", sign_in_configured=False, signed_in=True).mode == "public"  # "" = all interfaces
    waiting = ev("staff", "0.0.0.0", sign_in_configured=True, signed_in=False)
    assert waiting.needs_sign_in and not waiting.is_staff and waiting.privacy_applies
    signed = ev("staff", "0.0.0.0", sign_in_configured=True, signed_in=True)
    assert signed.is_staff and not signed.needs_sign_in
    for address in ("127.0.0.1", "0.0.0.0"):
        public = ev("public", address, sign_in_configured=True, signed_in=True)
        assert not public.is_staff and not public.needs_sign_in and public.privacy_applies


def test_configured_mode_environment_wins_and_bad_values_fail():
    assert settings.configured_mode(env={}) == "staff"
    assert settings.configured_mode(env={}, secrets={"mode": "public"}) == "public"
    assert settings.configured_mode(env={"COMMON_GROUND_MODE": "staff"}, secrets={"mode": "public"}) == "staff"
    assert settings.configured_mode(env={"COMMON_GROUND_MODE": " Public "}) == "public"
    with pytest.raises(ValueError):
        settings.configured_mode(env={"COMMON_GROUND_MODE": "admin"})


# -- the app (AppTest) -----------------------------------------------------------------------------------------


@pytest.fixture
def tiny_env(tiny_db, tmp_path, monkeypatch):
    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(tmp_path / "ledger.sqlite"))
    monkeypatch.delenv(settings.MODE_ENV, raising=False)


@pytest.fixture
def listening_on():
    """Set the server address AppTest reports (the project's config.toml says 127.0.0.1)."""
    before = st_config.get_option("server.address")

    def listen(address: str) -> None:
        st_config.set_option("server.address", address)

    yield listen
    st_config.set_option("server.address", before)


_LISTED: list[tuple[str, str]] = []  # (pages/<file>, visibility) of the last run's st.navigation


@pytest.fixture(autouse=True)
def _record_navigation(monkeypatch):
    """Record what the navigation lists: staff pages are registered in public mode too (hidden), so that one
    opened by its URL answers "Staff only" instead of Streamlit's "Page not found"."""
    import streamlit as st

    real = st.navigation

    def spy(pages, *args, **kwargs):
        _LISTED[:] = [(f"pages/{Path(str(p._page)).name}", p.visibility) for p in pages]
        return real(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)


def _pages(at) -> set[str]:
    """The pages the navigation lists (visible) after ``at``'s last run."""
    return {page for page, visibility in _LISTED if visibility == "visible"}


def _app(script: str, secrets: dict | None = None, user: dict | None = None) -> AppTest:
    """The dashboard (conftest's staff_app: a copy away from pages/, so a form's submit click is kept)."""
    at = AppTest.from_file(script, default_timeout=60)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def _captions(at) -> str:
    return " ".join(c.value for c in at.sidebar.caption)


def test_public_mode_lists_no_staff_page(tiny_env, monkeypatch):
    monkeypatch.setenv(settings.MODE_ENV, "public")
    at = _app(APP)  # the real entry point
    pages = _pages(at)
    assert "pages/overview.py" in pages and not pages & set(STAFF_PAGES)
    assert "Public view" in _captions(at)
    assert not at.text_input  # no sign-in in public mode
    at.switch_page(LEDGER_PAGE).run()  # opened by its URL: registered, hidden, and it says so
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Staff only"]
    assert not at.get("form") and not at.text_input and not at.dataframe


def test_a_staff_page_run_on_its_own_shows_no_form_to_the_public(tiny_env, monkeypatch):
    monkeypatch.setenv(settings.MODE_ENV, "public")
    for page in STAFF_PAGES:
        at = AppTest.from_file(str(ROOT / page), default_timeout=60).run()
        assert not at.exception, at.exception
        assert [t.value for t in at.title] == ["Staff only"]
        assert not at.get("form") and not at.text_input and not at.button and not at.dataframe
        assert "public" in at.info[0].value


def test_staff_mode_on_loopback_lists_the_staff_pages(tiny_env, staff_app, listening_on):
    listening_on("127.0.0.1")
    at = _app(staff_app)
    assert set(STAFF_PAGES) <= _pages(at)
    assert "Staff view" in _captions(at)


def test_a_reachable_server_without_a_secret_is_public(tiny_env, staff_app, listening_on):
    for address in ("0.0.0.0", ""):
        listening_on(address)
        at = _app(staff_app)
        assert not _pages(at) & set(STAFF_PAGES)
        assert "Public view" in _captions(at) and not at.text_input


def test_the_settings_can_require_sign_in_on_loopback_too(tiny_env, staff_app, listening_on):
    listening_on("127.0.0.1")
    shared = auth.hash_password(PASSWORD, **FAST)
    at = _app(staff_app, {"common_ground": {"staff_password_hash": shared, "require_sign_in": True}})
    assert not _pages(at) & set(STAFF_PAGES)
    assert at.text_input(key="staff_sign_in_password")


def _sign_in(at, password: str, user: str | None = None) -> None:
    if user is not None:
        at.text_input(key="staff_sign_in_user").input(user)
    at.text_input(key="staff_sign_in_password").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception, at.exception


def test_password_sign_in_reveals_the_staff_pages_and_sign_out_hides_them(tiny_env, staff_app, listening_on):
    listening_on("0.0.0.0")
    shared = auth.hash_password(PASSWORD, **FAST)
    at = _app(staff_app, {"common_ground": {"staff_password_hash": shared}})
    assert not _pages(at) & set(STAFF_PAGES)
    assert "Public view" in _captions(at)

    _sign_in(at, "not the password")
    assert any("Sign-in failed" in e.value for e in at.error)
    assert not _pages(at) & set(STAFF_PAGES)

    _sign_in(at, PASSWORD)
    assert set(STAFF_PAGES) <= _pages(at)
    assert "Staff view (signed in as staff)" in _captions(at)
    at.switch_page(LEDGER_PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Engagement log" and at.get("form")

    next(b for b in at.button if b.label == "Sign out").click()
    at.run()
    assert not _pages(at) & set(STAFF_PAGES)


def test_a_changed_password_hash_signs_the_session_out(tiny_env, staff_app, listening_on):
    listening_on("0.0.0.0")
    at = _app(staff_app, {"common_ground": {"staff_password_hash": auth.hash_password(PASSWORD, **FAST)}})
    _sign_in(at, PASSWORD)
    assert set(STAFF_PAGES) <= _pages(at)
    at.secrets["common_ground"] = {"staff_password_hash": auth.hash_password("a brand new password", **FAST)}
    at.run()
    assert not _pages(at) & set(STAFF_PAGES)


def test_per_user_passwords_and_repeated_failures_are_throttled(tiny_env, staff_app, listening_on):
    listening_on("0.0.0.0")
    lee = auth.hash_password(PASSWORD, **FAST)
    at = _app(staff_app, {"common_ground": {"staff_users": {"sgt.lee": lee}}})
    for _ in range(3):
        _sign_in(at, "wrong password", user="sgt.lee")
        assert any("Sign-in failed" in e.value for e in at.error)
    _sign_in(at, PASSWORD, user="sgt.lee")  # right, but too soon after three failures
    assert any("Too many failed sign-ins" in e.value for e in at.error)
    assert not _pages(at) & set(STAFF_PAGES)
    at.session_state["_staff_sign_in_throttle"].last_failure -= 60  # time passes
    _sign_in(at, PASSWORD, user="sgt.lee")
    assert set(STAFF_PAGES) <= _pages(at)
    assert "signed in as sgt\\.lee" in _captions(at)


def test_oidc_sign_in_counts_only_for_listed_staff(tiny_env, staff_app, listening_on):
    listening_on("0.0.0.0")
    secrets = {"auth": AUTH_SECTION, "common_ground": {"staff_emails": ["@riverbend.gov"]}}
    outside = _app(staff_app, secrets, user={"is_logged_in": False})
    assert not _pages(outside) & set(STAFF_PAGES)
    assert any(b.label == "Staff sign-in" for b in outside.button) and not outside.text_input
    stranger = _app(staff_app, secrets, user={"is_logged_in": True, "email": "someone@gmail.com"})
    assert not _pages(stranger) & set(STAFF_PAGES)
    assert "not on this dashboard's staff list" in stranger.sidebar.warning[0].value
    chief = _app(staff_app, secrets,
                 user={"is_logged_in": True, "email": "chief@riverbend.gov", "email_verified": True})
    assert set(STAFF_PAGES) <= _pages(chief)
    assert "Staff view (signed in as chief@riverbend\\.gov)" in _captions(chief)


# -- a real server on all interfaces (Playwright + Chromium) ------------------------------------------------


def _serve(db: Path, home: Path, tmp: Path):
    """`streamlit run dashboard.py --server.address 0.0.0.0` with HOME=home and only
    home/.streamlit/secrets.toml as a secrets file (never the project's own)."""
    assert home == tmp / "home"
    return servers.start(db, tmp, address="0.0.0.0", drop_env=(settings.MODE_ENV,))


@pytest.fixture(scope="module")
def open_server(tiny_db, tmp_path_factory):
    """All interfaces, no secrets."""
    tmp = tmp_path_factory.mktemp("open_server")
    db = tmp / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    home = tmp / "home"
    home.mkdir()
    server, url = _serve(db, home, tmp)
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def signin_server(tiny_db, tmp_path_factory):
    """All interfaces, with a staff password hash in ~/.streamlit/secrets.toml."""
    tmp = tmp_path_factory.mktemp("signin_server")
    db = tmp / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    home = tmp / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(auth.secrets_line(auth.hash_password(PASSWORD, ln=12)) + "\n")
    server, url = _serve(db, home, tmp)
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    with servers.chromium() as b:
        yield b


def _nav(page) -> str:
    return " ".join(page.locator('[data-testid="stSidebarNav"] a').all_inner_texts())


def _settled(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stSidebarNav"] a', timeout=60_000)
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_timeout(1500)  # let any rerun (a page URL first served on its own) finish


@pytest.mark.browser
def test_a_reachable_server_without_a_secret_never_shows_a_staff_page(open_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _settled(page, f"{open_server}/ledger")  # the first request to a fresh server: a staff page's URL
    for path in ("/ledger", "/meetings", "/training", ""):
        if path != "/ledger":
            _settled(page, f"{open_server}{path}")
        nav = _nav(page)
        assert "Overview" in nav
        assert not any(t in nav for t in ("Engagement log", "Recurring meetings", "Training and programs")), nav
        headings = page.locator("h1").all_inner_texts()
        assert not any(h in ("Engagement log", "Recurring meetings", "Training and programs") for h in headings)
        assert page.locator('[data-testid="stForm"]').count() == 0, path
        assert page.locator('[data-testid="stSidebar"]').get_by_text("Public view: read-only").count() == 1
        assert page.locator('input[type="password"]').count() == 0  # nobody can sign in here
    page.close()


@pytest.mark.browser
def test_signing_in_on_a_reachable_server_reveals_the_staff_pages(signin_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _settled(page, f"{signin_server}/ledger")
    assert "Engagement log" not in _nav(page)
    assert page.locator('[data-testid="stForm"]').count() == 1  # the sign-in form only
    assert "Engagement log" not in page.locator("h1").all_inner_texts()

    password = page.locator('input[type="password"]')
    password.fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Sign-in failed").wait_for(timeout=30_000)
    assert "Engagement log" not in _nav(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "staff_sign_in.png"))

    page.locator('input[type="password"]').fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebarNav"] a', has_text="Engagement log").wait_for(timeout=30_000)
    assert "Recurring meetings" in _nav(page) and "Training and programs" in _nav(page)
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Staff view (signed in as staff)").is_visible()
    assert page.locator('input[type="password"]').count() == 0

    page.locator('[data-testid="stSidebarNav"] a', has_text="Engagement log").click()
    page.wait_for_url("**/ledger", timeout=30_000)
    page.get_by_role("button", name="Record activity").wait_for(timeout=60_000)
    assert page.locator("h1").first.inner_text() == "Engagement log"
    page.screenshot(path=str(SCREENSHOTS / "staff_signed_in.png"))

    page.get_by_role("button", name="Sign out").click()
    page.locator('input[type="password"]').wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    assert "Engagement log" not in _nav(page)
    assert page.get_by_role("button", name="Record activity").count() == 0
    page.close()
