"""The live widget's JavaScript asks the kernel only for frames it has not shown.

The module (``book/explore_frames.js``) runs in headless Chromium with a stand-in for
anywidget's model whose ``send`` goes to the real kernel side, ``FigureWidget.answer``,
through Playwright; the replies come back as anywidget delivers them (content and a
DataView buffer). No JupyterLab here: ``benchmarks/widget_latency.py`` measures it in one.
"""

from __future__ import annotations

import base64
import itertools
import json

import jax.numpy as jnp

from book.explore import choice, explore, slider
from book.explore_live import FRAMES_JS, FigureWidget

SCALES = (0.5, 1.0, 2.0)
KINDS = ("sigmoid", "tanh")

PAGE = """<!doctype html><html><body><div id="el"></div>
<script type="module">
FRAMES_JS
const state = STATE;
const listeners = [];
const model = {
  get: (name) => state[name],
  send: (content) => {
    window.sent.push(content);
    window.kernel(content).then(([reply, png]) => {
      const buffers = png ? [new DataView(Uint8Array.from(atob(png), (c) => c.charCodeAt(0)).buffer)] : [];
      listeners.forEach((f) => f(reply, buffers));
    });
  },
  on: (name, f) => { if (name === "msg:custom") listeners.push(f); },
  off: (name, f) => { listeners.splice(listeners.indexOf(f), 1); },
};
window.sent = [];
window.cleanup = render({ model, el: document.getElementById("el") });
window.listeners = listeners;
window.model = model;
</script></body></html>"""


def _widget(fail_at_scale=None):
    def compute(scale, kind):
        return scale * jnp.arange(3.0) + kind

    def draw(fig, result, values):
        ax = fig.subplots()
        ax.plot(result)
        ax.set_ylim(0, 5)
        if values["scale"] == fail_at_scale:
            ax.set_title("a title far too long for this small figure " * 4)

    fig = explore(
        compute,
        draw,
        [slider("scale", SCALES, default=1.0), choice("kind", KINDS, default="tanh")],
        title="live frames",
        alt=lambda v: f"scale={v['scale']} kind={v['kind']}",
        width=2.0,
        height=1.5,
    )
    return FigureWidget(fig)


def _open(browser, widget):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def kernel(content):
        reply, buffers = widget.answer(content)
        return [reply, base64.b64encode(buffers[0]).decode() if buffers else None]

    page.expose_function("kernel", kernel)
    state = {k: v for k, v in widget.get_state().items() if not k.startswith("_")}
    page.set_content(
        PAGE.replace("FRAMES_JS", FRAMES_JS).replace("STATE", json.dumps(state)),
        wait_until="load",
    )
    return context, page, errors


def _shows(page, alt):
    page.wait_for_function(
        """(alt) => { const v = Array.from(document.querySelectorAll("img[data-frame]"))
            .filter((i) => i.style.display !== "none");
          return v.length === 1 && v[0].alt === alt && v[0].complete && v[0].naturalWidth > 0; }""",
        arg=alt,
        timeout=30_000,
    )


def test_revisits_come_from_the_browser_and_every_setting_shows_its_frame(browser):
    context, page, errors = _open(browser, _widget())
    try:
        _shows(page, "scale=1.0 kind=tanh")  # the default frame, asked for at once
        assert page.evaluate("window.sent") == [{"want": 3}]
        assert page.locator("strong").inner_text() == "live frames"
        range_input, select = page.locator("input[type=range]"), page.locator("select")
        assert range_input.get_attribute("data-lm-suppress-shortcuts") == "true"
        settings = list(itertools.product(enumerate(SCALES), KINDS))
        for _ in range(2):  # the second pass revisits every frame
            for (i, scale), kind in settings:
                select.select_option(label=kind)
                range_input.evaluate(
                    "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", str(i)
                )
                _shows(page, f"scale={scale} kind={kind}")
                assert page.locator("output").inner_text() == f"{scale:g}"
        sent = page.evaluate("window.sent")
        assert sorted(m["want"] for m in sent) == list(range(6))  # each frame asked once
        assert page.locator("img[data-frame]").count() == 6
        # a frame another view of the widget asked for arrives again: still one image
        page.evaluate("window.model.send({want: 5})")
        page.wait_for_function("window.sent.length === 7")
        page.wait_for_timeout(500)
        assert page.locator("img[data-frame]").count() == 6
        assert page.locator("img[data-frame]:visible").count() == 1
        _shows(page, "scale=2.0 kind=tanh")
        assert errors == []
    finally:
        context.close()


def test_a_failed_frame_shows_the_kernels_message_and_the_figure_goes_on(browser):
    context, page, errors = _open(browser, _widget(fail_at_scale=2.0))
    try:
        _shows(page, "scale=1.0 kind=tanh")
        alert = page.locator(".book-explore-error")
        assert alert.get_attribute("role") == "alert" and not alert.is_visible()
        range_input = page.locator("input[type=range]")
        range_input.evaluate("(el) => { el.value = 2; el.dispatchEvent(new Event('input')); }")
        alert.wait_for(state="visible", timeout=30_000)
        assert "past the figure's edge" in alert.inner_text()
        _shows(page, "scale=1.0 kind=tanh")  # the last good frame stays
        range_input.evaluate("(el) => { el.value = 0; el.dispatchEvent(new Event('input')); }")
        _shows(page, "scale=0.5 kind=tanh")
        assert not alert.is_visible()
        page.evaluate("window.cleanup()")
        assert page.evaluate("window.listeners.length") == 0
        assert errors == []
    finally:
        context.close()
