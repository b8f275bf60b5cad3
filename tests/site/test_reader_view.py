"""What a reader sees: navigation on a phone, tables, steady interactive figures, and
printed lines that fit the page. Browser tests in headless Chromium, offline."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from .conftest import SITE, site_pages

CHAPTERS = [p for p in site_pages() if p.startswith("notebooks/")]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


def _open(visit, page, viewport):
    v = visit(page)
    v.page.set_viewport_size(viewport)
    v.page.wait_for_timeout(200)  # let the theme react to the new width
    return v


def test_phone_chapter_drawer_opens_and_its_links_work(visit):
    v = _open(visit, "notebooks/01_saturation.html", PHONE)
    page = v.page
    toggle = page.locator("button.primary-toggle:visible")
    assert toggle.count() == 1, "no visible chapter-list button at phone width"
    toggle.click()
    drawer = page.locator("dialog#pst-primary-sidebar-modal[open]")
    drawer.wait_for(timeout=5_000)
    link = drawer.locator("a", has_text="Softmax, not sigmoid").first
    assert link.is_visible()
    link.click()
    page.wait_for_url(re.compile(r".*/04_softmax_output\.html.*"), timeout=10_000)
    assert v.errors == []


def test_phone_page_contents_drawer_opens(visit):
    v = _open(visit, "notebooks/01_saturation.html", PHONE)
    toggle = v.page.locator("button.secondary-toggle:visible")
    assert toggle.count() == 1, "no visible 'on this page' button at phone width"
    toggle.click()
    drawer = v.page.locator("dialog#pst-secondary-sidebar-modal[open]")
    drawer.wait_for(timeout=5_000)
    assert drawer.locator("a").first.is_visible()


def test_desktop_toggle_collapses_and_restores_the_chapter_list(visit):
    v = _open(visit, "notebooks/01_saturation.html", DESKTOP)
    sidebar = v.page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    toggle = v.page.locator("button.primary-toggle:visible")
    toggle.click()
    sidebar.wait_for(state="hidden", timeout=10_000)  # the collapse is animated
    toggle.click()
    sidebar.wait_for(state="visible", timeout=10_000)


class _Text(HTMLParser):
    """Collects the text of every <p> and counts the tables in cell outputs."""

    def __init__(self):
        super().__init__()
        self.paragraphs: list[str] = []
        self.tables = 0
        self._in_p = 0

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._in_p += 1
            self.paragraphs.append("")
        elif tag == "table":
            self.tables += 1

    def handle_endtag(self, tag):
        if tag == "p" and self._in_p:
            self._in_p -= 1

    def handle_data(self, data):
        if self._in_p:
            self.paragraphs[-1] += data


@pytest.mark.parametrize("page", site_pages())
def test_no_table_is_left_as_pipe_separated_text(page):
    parser = _Text()
    parser.feed((SITE / page).read_text(encoding="utf-8"))
    # a Markdown table left as text keeps its separator row: | --- | --- | (or, after
    # the typographer, | — | — |)
    separator = re.compile(r"\|\s*:?(?:-{3,}|[—–]+):?\s*\|")
    runs = [p[:80] for p in parser.paragraphs if separator.search(p)]
    assert runs == [], f"{page}: a table rendered as a paragraph: {runs}"


def test_chapter_3_evidence_tables_are_tables():
    parser = _Text()
    parser.feed((SITE / "notebooks/03_empirical.html").read_text(encoding="utf-8"))
    assert parser.tables >= 6


class _Frames(HTMLParser):
    """Maps each interactive figure's id to the axes boxes of its frames."""

    def __init__(self):
        super().__init__()
        self.figures: dict[str, list[str]] = {}
        self._current = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "book-explore" in (a.get("class") or "").split():
            self._current = a["id"]
            self.figures[self._current] = []
        elif tag == "img" and "data-frame" in a and self._current:
            self.figures[self._current].append(a.get("data-axes"))


@pytest.mark.parametrize("page", CHAPTERS)
def test_every_frame_of_an_interactive_figure_has_the_same_axes_boxes(page):
    parser = _Frames()
    parser.feed((SITE / page).read_text(encoding="utf-8"))
    for uid, boxes in parser.figures.items():
        assert boxes and None not in boxes, f"{page} {uid}: frames without axes boxes"
        first = json.loads(boxes[0])
        assert first, f"{page} {uid}: a frame with no axes"
        moved = [n for n, b in enumerate(boxes) if json.loads(b) != first]
        assert moved == [], f"{page} {uid}: frames {moved[:5]} place their axes elsewhere"


@pytest.mark.parametrize("page", CHAPTERS)
def test_printed_lines_fit_the_page_at_desktop_width(visit, page):
    v = _open(visit, page, DESKTOP)
    overflowing = v.page.evaluate(
        """() => Array.from(document.querySelectorAll("div.cell_output pre"))
            .filter(p => p.scrollWidth > p.clientWidth + 1)
            .map(p => p.textContent.slice(0, 80))"""
    )
    assert overflowing == [], f"{page}: printed lines scroll sideways: {overflowing[:3]}"
