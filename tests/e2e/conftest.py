"""Fixtures for the browser tests: one Streamlit server and one Chromium per session.

Every test gets a fresh browser context (fresh cookies, a fresh Streamlit session).
Without /usr/bin/chromium the tests skip with an install hint, unless
``POOLVIZ_REQUIRE_BROWSER=1``, where they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import server
from .helpers import Page, open_app

BROWSER_REQUIRED = os.environ.get("POOLVIZ_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str) -> None:
    if BROWSER_REQUIRED:
        pytest.fail(f"{reason} (POOLVIZ_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sync_playwright_module():
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("the playwright package is missing: pip install -r requirements-test.txt")
    return sync_api


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(server.CHROMIUM).exists():
        _unavailable(server.INSTALL_HINT)
    return server.CHROMIUM


@pytest.fixture(scope="session")
def app_server(chromium_path) -> Iterator[server.AppServer]:
    """``streamlit run app.py`` on a free port, stopped by process group at the end."""
    try:
        running = server.start_app()
    except server.ServerError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield running
    finally:
        crashed = running.proc.poll() is not None
        running.stop()
        if not crashed:  # a crashed server's log stays for the report
            running.log_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def browser(sync_playwright_module, chromium_path):
    with sync_playwright_module.sync_playwright() as playwright:
        chromium = server.launch_browser(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def static_cache() -> server.StaticCache:
    return server.StaticCache()


@pytest.fixture
def new_context(browser, static_cache):
    """Make fresh browser contexts (static files replayed from memory); closed at the end."""
    made = []

    def make(**options):
        options = {"viewport": {"width": 1280, "height": 900}, **options}
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(20_000)
        static_cache.attach(ctx)
        made.append(ctx)
        return ctx

    try:
        yield make
    finally:
        for ctx in made:
            ctx.close()


@pytest.fixture
def context(new_context):
    return new_context(accept_downloads=True)


@pytest.fixture
def page(context, app_server) -> Page:
    """A blank page in a fresh context; ``open_app(page, url)`` loads the app."""
    if app_server.proc.poll() is not None:
        pytest.fail(
            f"the Streamlit server exited with code {app_server.proc.returncode}; "
            f"log {app_server.log_path}:\n{app_server.log()[-4000:]}",
            pytrace=False,
        )
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.js_errors = errors  # checked by tests that care
    return p


@pytest.fixture
def app(page, app_url) -> Page:
    """The default view, first run finished and figures drawn."""
    open_app(page, app_url)
    return page
