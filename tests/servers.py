"""A real Streamlit server and headless Chromium for the browser tests (test_browser, test_auth,
test_accessibility): one way to start them, so every browser test runs the app the same way."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--disable-quic"]


def need(*paths: Path, hint: str = "make test-setup installs them") -> None:
    """Skip when a browser-test tool is missing; in CI, fail instead (make test installs them)."""
    missing = [str(p) for p in (CHROMIUM, *paths) if not p.exists()]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing in CI: {', '.join(missing)} ({hint})")
        pytest.skip(f"not installed: {', '.join(missing)} ({hint})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db: Path, tmp: Path, *, address: str = "127.0.0.1", env: dict[str, str] | None = None,
          drop_env: tuple[str, ...] = (), options: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """`streamlit run dashboard.py` on a free port of ``address``, on the warehouse ``db``, with its own
    HOME (``tmp``/home) and ledger, and only ``tmp``/home/.streamlit/secrets.toml as a secrets file (never
    the project's own). Returns the server and its URL once it answers its health check."""
    need()
    port = free_port()
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    run_env = {**os.environ, "COMMON_GROUND_DB": str(db), "COMMON_GROUND_LEDGER": str(tmp / "ledger.sqlite"),
               "HOME": str(home), **(env or {})}
    for name in drop_env:
        run_env.pop(name, None)
    log = tmp / "streamlit.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
             "--server.address", address, "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--secrets.files", str(home / ".streamlit" / "secrets.toml"),
             *options],
            cwd=ROOT, env=run_env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return server, url
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.terminate()
            raise AssertionError(f"streamlit did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


@contextlib.contextmanager
def serving(db: Path, tmp: Path, **how):
    """``start`` as a context: yields the URL, stops the server afterwards."""
    server, url = start(db, tmp, **how)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@contextlib.contextmanager
def chromium(extra_args: tuple[str, ...] = ()):
    """Headless Debian Chromium through Playwright (its own browser downloads cannot work offline);
    ``extra_args`` go on its command line (e.g. ``--host-resolver-rules=MAP evil.example 127.0.0.1``, a
    DNS-rebinding page without a DNS server)."""
    need()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()
