"""Browser tests of the built book in headless Chromium, with the network unavailable."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from .conftest import SITE, site_pages

CHAPTER_1 = "notebooks/01_saturation.html"


def test_the_site_has_the_chapters_and_appendices():
    pages = site_pages()
    for page in [
        CHAPTER_1,
        "notebooks/00_jax_primer.html",
        "appendices/claims_ledger.html",
        "verdict.html",
        "appendices/performance.html",
        "appendices/references.html",
        "intro.html",
    ]:
        assert page in pages


@pytest.mark.parametrize("page", site_pages())
def test_page_loads_offline_without_console_errors(visit, page):
    v = visit(page)
    assert v.errors == [], f"console errors on {page}: {v.errors}"
    assert v.offsite == [], f"{page} requested other hosts: {v.offsite}"


def test_math_is_typeset_offline(visit):
    v = visit(CHAPTER_1)
    v.page.wait_for_selector("mjx-container", timeout=15_000)
    assert v.page.locator("mjx-container").count() > 10
    assert v.offsite == []


def _visible_frame(page, widget):
    return widget.locator("img[data-frame]:visible").get_attribute("data-frame")


def test_chapter_1_static_slider_switches_frames(visit):
    v = visit(CHAPTER_1)
    widget = v.page.locator(".book-explore").filter(has=v.page.locator("input[type=range]")).first
    frames = widget.locator("img[data-frame]")
    assert frames.count() > 1, (
        "the static figure holds a single frame: built without BOOK_STATIC_FRAMES=all?"
    )
    assert widget.locator("img[data-frame]:visible").count() == 1
    before = _visible_frame(v.page, widget)
    slider = widget.locator("input[type=range]").first
    label_before = slider.locator("xpath=following-sibling::output").inner_text()
    slider.focus()
    slider.press("ArrowRight")
    after = _visible_frame(v.page, widget)
    assert after != before
    assert widget.locator("img[data-frame]:visible").count() == 1
    assert slider.locator("xpath=following-sibling::output").inner_text() != label_before
    assert v.errors == []


class _Refs(HTMLParser):
    """Collects the URLs a page loads (scripts, styles, fonts, images) and its links."""

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "script" and a.get("src"):
            self.loads.append(a["src"])
        elif (
            tag == "link"
            and a.get("href")
            and set((a.get("rel") or "").split())
            & {"stylesheet", "preload", "icon", "modulepreload"}
        ):
            self.loads.append(a["href"])
        elif tag in ("img", "source", "iframe") and a.get("src"):
            self.loads.append(a["src"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])


def _parse(path: Path) -> _Refs:
    refs = _Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


@pytest.mark.parametrize("page", site_pages())
def test_no_page_references_another_host_for_assets(page):
    path = SITE / page
    refs = _parse(path)
    offsite = [u for u in refs.loads if urlparse(u).netloc or u.startswith("//")]
    assert offsite == [], f"{page} loads assets from other hosts: {offsite}"
    css_urls = re.findall(r"url\((['\"]?)(https?:)?//", path.read_text(encoding="utf-8"))
    assert css_urls == []


def test_stylesheets_do_not_fetch_fonts_from_other_hosts():
    offenders = []
    for css in SITE.joinpath("_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        if re.search(
            r"@import\s+url\((['\"]?)https?://|url\((['\"]?)https?://[^)]*\.(woff2?|ttf|otf)", text
        ):
            offenders.append(str(css.relative_to(SITE)))
    assert offenders == []


@pytest.mark.parametrize("page", site_pages())
def test_internal_links_resolve(page):
    path = SITE / page
    broken = []
    for href in _parse(path).links:
        if urlparse(href).scheme or href.startswith(("mailto:", "//")):
            continue
        target, anchor = urldefrag(href)
        target_path = (path.parent / unquote(target)).resolve() if target else path
        if target_path.is_dir():
            target_path = target_path / "index.html"
        if not target_path.exists():
            broken.append(href)
        elif anchor and target_path.suffix == ".html" and anchor not in _parse(target_path).ids:
            broken.append(href)
    assert broken == [], f"broken links on {page}: {broken}"


REPOSITORY_LINK = re.compile(
    r"https://(?:github\.com/|mybinder\.org/v2/gh/|colab\.research\.google\.com/github/)"
    r"(?P<repo>[\w.-]+/[\w.-]+)"
)


def test_launch_and_repository_links_use_the_one_repository_url():
    """Every Binder, Colab and repository link of the site points at ``repository.url``;
    while that URL is still the README's declared placeholder, the test says so (a
    warning in the summary) and lists how many links a reader would find dead."""
    import warnings

    import yaml

    root = SITE.parents[1]
    url = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
    expected = urlparse(url).path.strip("/")
    links = [
        (page, href)
        for page in site_pages()
        for href in _parse(SITE / page).links
        if REPOSITORY_LINK.match(href)
    ]
    assert links, "no launch or repository link found: are the buttons configured?"
    wrong = [(p, h) for p, h in links if REPOSITORY_LINK.match(h)["repo"] != expected]
    assert wrong == [], f"links to another repository than {url}: {wrong[:5]}"
    readme = (root / "README.md").read_text(encoding="utf-8")
    if "The URL is a\nplaceholder" in readme or "The URL is a placeholder" in readme:
        pages = len({p for p, _ in links})
        warnings.warn(
            f"repository.url ({url}) is a placeholder (README): {len(links)} launch and "
            f"repository links on {pages} pages point at a repository that does not exist "
            "yet; set repository.url when publishing",
            UserWarning,
            stacklevel=1,
        )
