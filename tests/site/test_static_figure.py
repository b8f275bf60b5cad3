"""The static (kernel-free) interactive figure shows exactly the frame its controls name.

A figure with a numeric slider and a ``<select>`` is rendered to a standalone page; each
frame's alt text names the values it was drawn for, so the test can check, for every
control setting, that the one visible image is the right one (not merely a different one).
"""

from __future__ import annotations

import itertools

import jax.numpy as jnp

from book.explore import choice, explore, slider

SCALES = (0.5, 1.0, 2.0)
KINDS = ("sigmoid", "tanh", "relu")


def _figure():
    def compute(scale, kind):
        return scale * jnp.arange(3.0) + kind

    def draw(fig, result, values):
        ax = fig.subplots()
        ax.plot(result)
        ax.set_ylim(0, 5)  # one scale for every frame, as the book's figures have

    return explore(
        compute,
        draw,
        [slider("scale", SCALES, default=1.0), choice("kind", KINDS, default="tanh")],
        title="exact frames",
        alt=lambda v: f"scale={v['scale']} kind={v['kind']}",
        width=2.0,
        height=1.5,
    )


def test_every_control_setting_shows_its_own_frame(browser, tmp_path):
    page_file = tmp_path / "figure.html"
    html = _figure().static_html(all_frames=True)
    page_file.write_text(f"<!doctype html><html><body>{html}</body></html>")
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(page_file.as_uri(), wait_until="load")
        visible = page.locator("img[data-frame]:visible")
        assert visible.get_attribute("alt") == "scale=1.0 kind=tanh"  # the defaults
        range_input, select = page.locator("input[type=range]"), page.locator("select")
        for (i, scale), kind in itertools.product(enumerate(SCALES), KINDS):
            select.select_option(label=kind)
            range_input.evaluate(
                "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", str(i)
            )
            assert visible.count() == 1
            assert visible.get_attribute("alt") == f"scale={scale} kind={kind}"
            assert page.locator("output").inner_text() == f"{scale:g}"
        assert errors == []
    finally:
        context.close()
