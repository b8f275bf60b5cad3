"""Fixtures for browser tests of the built book: a local server and headless Chromium.

The book must be built first (`make book`); `make test` does so before these tests.
Every request to a host other than the local server is recorded and aborted, so the
tests see the site exactly as a reader with no network would.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

SITE = Path(__file__).resolve().parents[2] / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def site_pages() -> list[str]:
    """Return every HTML page of the built site, relative to its root."""
    return sorted(
        str(p.relative_to(SITE)) for p in SITE.rglob("*.html") if "_static" not in p.parts
    )


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built book at {SITE}: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageVisit:
    """A page opened offline: its console errors, page errors and off-site requests."""

    def __init__(self, browser, site_url: str, color_scheme: str = "light"):
        if color_scheme not in ("light", "dark"):
            raise ValueError(f"color_scheme must be 'light' or 'dark', got {color_scheme!r}")
        self.context = browser.new_context(color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.offsite: list[str] = []
        local = urlparse(site_url).netloc

        def route(r):
            if urlparse(r.request.url).netloc in (local, ""):
                r.continue_()
            else:
                self.offsite.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "response",
            lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"),
        )

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site_url):
    visits = []

    def _open(path: str, color_scheme: str = "light") -> PageVisit:
        v = PageVisit(browser, site_url, color_scheme)
        visits.append(v)
        v.open(f"{site_url}/{path}")
        return v

    yield _open
    for v in visits:
        v.close()
