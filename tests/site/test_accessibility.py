"""Accessibility of the built book: axe-core on every page, light and dark colour schemes.

axe-core (bundled by axe-playwright-python, injected into the page, so nothing is
fetched) checks the WCAG 2.0, 2.1 and 2.2 level A and AA rules. The book's theme
follows the reader's colour scheme (``html_context.default_mode: auto``), so each page
is checked as rendered for a reader who prefers light and one who prefers dark.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import site_pages

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": ["violations"]}


def _summary(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}) on {len(v['nodes'])} element(s), e.g. "
        f"{v['nodes'][0]['target']}: {v['help']}"
        for v in violations
    ]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page", site_pages())
def test_page_has_no_wcag_violations(visit, axe, page, scheme):
    v = visit(page, color_scheme=scheme)
    # The theme must really be showing the scheme under test, or the check means nothing.
    assert v.page.get_attribute("html", "data-theme") == scheme
    violations = axe.run(v.page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], f"{page} ({scheme}): " + "; ".join(_summary(violations))


def test_axe_finds_a_known_violation(visit, axe):
    """The checker is live: an image without alt text injected into a page is reported."""
    v = visit("intro.html")
    v.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<img src=\"_static/none.png\">')"
    )
    ids = [x["id"] for x in axe.run(v.page, options=AXE_OPTIONS).response["violations"]]
    assert "image-alt" in ids
