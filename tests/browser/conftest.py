"""Playwright fixtures: Debian's chromium (no downloaded browsers), the live server,
screenshots saved to $KEFU_TEST_ARTIFACTS and checked not to be blank."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django would otherwise
# refuse the ORM calls that fixtures make while it runs.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT_DIR = Path(__file__).resolve().parents[2]
MIN_SCREENSHOT_BYTES = 10_000
MIN_COLOURS = 20

# Counts the distinct colours of a PNG by drawing it on a canvas (no PIL needed).
_COUNT_COLOURS_JS = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  const seen = new Set();
  for (let i = 0; i < data.length; i += 4 * 5) {
    seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  }
  return seen.size;
}"""


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("KEFU_TEST_ARTIFACTS") or PROJECT_DIR / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # CI must run the browser tests, never skip them
            pytest.fail("Debian's chromium is not installed (make system-deps)")
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser context (no cookies) on a desktop-sized window.

    Playwright's wait_for_function polls with eval, which Kefu's Content-Security-Policy
    refuses: these contexts bypass the policy, and tests/browser/test_csp.py checks it in
    contexts of its own.
    """
    context = browser.new_context(
        viewport={"width": 1440, "height": 900},
        locale="en-US",
        base_url=live_server.url,
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    # Let the pages' own requests (lazy cards, HTMX loads) finish first: a request the live
    # server is still answering holds SQLite's shared-cache table lock, and the database
    # flush after the test then fails ("database table is locked").
    for open_tab in context.pages:
        with contextlib.suppress(Exception):  # a page that never settles is closed anyway
            open_tab.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


@pytest.fixture
def screenshot(browser, artifacts_dir) -> Callable[..., Path]:
    """Save a full-page screenshot and assert it is not blank."""

    def take(tab, name: str) -> Path:
        path = artifacts_dir / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        raw = path.read_bytes()
        assert len(raw) > MIN_SCREENSHOT_BYTES, f"{path} is suspiciously small"
        probe = browser.new_page()
        try:
            src = "data:image/png;base64," + base64.b64encode(raw).decode()
            colours = probe.evaluate(_COUNT_COLOURS_JS, src)
        finally:
            probe.close()
        assert colours >= MIN_COLOURS, f"{path} looks blank ({colours} colours)"
        return path

    return take


@pytest.fixture
def login(page) -> Callable[[str], None]:
    """Log in through the real form (personas' passwords are "pw-<name>")."""

    def _login(username: str) -> None:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", f"pw-{username}")
        page.click("form[action='/accounts/login/'] button[type=submit]")
        page.wait_for_url("**/conversations/")

    return _login


@pytest.fixture
def performance_defaults(transactional_db) -> None:
    """Live-server tests flush the database after each test, and the flush takes the data
    migrations' rows with it: put the default scorecards and scales back (idempotent)."""
    from importlib import import_module

    from django.apps import apps

    import_module("kefu.performance.migrations.0002_defaults").forwards(apps, None)
