import jax.numpy as jnp
import pytest

from book.explore import MAX_STATIC_FRAMES, choice, explore, slider
from book.explore_static import preview_html


def _draw(fig, result, values):
    ax = fig.subplots()
    ax.plot(result["xs"], result["ys"])
    ax.set_ylim(-2.5, 2.5)  # the same limits in every frame, as the book's figures do
    ax.set_title(str(values))


def _compute(scale, kind):
    xs = jnp.linspace(-1, 1, 11)
    return {"xs": xs, "ys": jnp.where(kind == 0, scale * xs, scale * xs**2)}


def _figure(compute=_compute, draw=_draw, alt="A test line or parabola.", **kwargs):
    return explore(
        compute,
        draw,
        [slider("scale", [0.5, 1.0, 2.0]), choice("kind", ["line", "parabola"])],
        title="test figure",
        alt=alt,
        **kwargs,
    )


def test_slider_moves_never_recompile():
    traces = []

    def compute(scale, kind):
        traces.append(1)  # runs only while tracing
        return _compute(scale, kind)

    fig = explore(
        compute,
        _draw,
        [slider("scale", [0.5, 1.0, 2.0]), choice("kind", ["line", "parabola"])],
        title="t",
        alt="A test line or parabola.",
    )
    pngs = {fig.update(scale=s, kind=k) for s in (0.5, 1.0, 2.0) for k in ("line", "parabola")}
    assert len(traces) == 1 and fig.traces == 1
    assert len(pngs) == 6  # every setting draws a different picture


def test_a_frame_does_not_depend_on_the_frames_drawn_before_it():
    # Frames share one figure and canvas (and its renderer's caches); a log axis makes
    # the tick labels mathtext, the case the renderer caches.
    def draw_log(fig, result, values):
        _draw(fig, result, values)
        fig.axes[0].set_yscale("log")
        fig.suptitle("a figure title")

    def decay(scale, kind):
        xs = jnp.arange(1.0, 12.0)
        return {"xs": xs, "ys": 10.0 ** (-scale * (kind + 1) * xs)}

    first = _figure(decay, draw_log).update(scale=2.0, kind="parabola")
    reused = _figure(decay, draw_log)
    for s in (0.5, 1.0):
        reused.update(scale=s, kind="line")
    assert reused.update(scale=2.0, kind="parabola") == first
    assert len(reused._figure.axes) == 1  # the previous frames' axes are gone


def test_integer_slider_values_do_not_recompile_either():
    fig = explore(
        lambda depth: {"xs": jnp.arange(3.0), "ys": depth * jnp.ones(3)},
        _draw,
        [slider("depth", [2, 5, 10])],
        title="t",
        alt="A flat line at the depth.",
    )
    for d in (2, 5, 10, 5):
        fig.update(depth=d)
    assert fig.traces == 1


def test_static_html_single_frame_without_all_frames():
    html = _figure(all_frames=False).static_html()
    assert html.count("<img") == 1
    assert "<script" not in html and "<input" not in html


def test_static_html_all_frames_and_inline_script():
    html = _figure(all_frames=True).static_html()
    assert html.count("<img") == 6
    assert html.count('style="display:none;') == 5  # only the default frame is visible
    assert html.count("<script") == 1 and '<script type="module">' in html
    script = html.split('<script type="module">')[1]
    assert "src=" not in script and "import " not in script and "http" not in script
    # the module builds a range input for the slider and a <select> for the choice
    assert '"choice": [false, true]' in script and '"defaults": [1, 1]' in script
    assert 'alt="A test line or parabola."' in html
    assert _figure(all_frames=False).static_html(all_frames=True) == html


def test_preview_html_of_the_all_frame_html_is_the_committed_one_frame_html():
    # the build renders every frame; committed notebooks hold one: comparing the two
    # executions goes through preview_html
    fig = _figure(alt=lambda v: f"frame {v}")
    full, one = fig.static_html(all_frames=True), fig.static_html(all_frames=False)
    assert 'data-frame="3"' in full  # the default (1, 1) is the fourth frame, row-major
    assert preview_html(full) == one
    assert 'data-frame="0"' in one and "parabola" in one and "frame {" in one


def test_preview_html_rejects_what_is_not_an_all_frame_figure():
    fig = _figure()
    with pytest.raises(ValueError, match="all_frames_html is not"):
        preview_html(fig.static_html(all_frames=False))
    with pytest.raises(ValueError, match="exactly one frame, it shows 6"):
        preview_html(fig.static_html(all_frames=True).replace("display:none;", ""))
    with pytest.raises(TypeError, match="all_frames_html must be a str"):
        preview_html(None)


def test_static_html_inlines_the_live_widgets_module():
    from book.explore_live import FigureWidget

    fig = _figure(all_frames=True)
    esm = FigureWidget(fig)._esm
    assert "export default" in esm and "mountStatic" in esm
    html = fig.static_html()
    assert esm in html  # the same module text, not a copy that could drift
    assert f'<script type="module">\n{esm}\nmountStatic("{fig.uid()}", {{' in html


def test_static_html_escapes_what_would_end_the_script():
    fig = explore(
        lambda scale: _compute(scale, 0),
        _draw,
        [slider("scale", [0.5, 1.0], label="</script><b>scale</b>")],
        title="t",
        alt="a line",
        all_frames=True,
    )
    html = fig.static_html()
    assert html.count("</script") == 1 and "\\u003c/script>\\u003cb>scale" in html


def test_the_build_setting_is_read_once_at_import(monkeypatch):
    import importlib

    import book.explore

    monkeypatch.setenv("BOOK_STATIC_FRAMES", "all")
    module = importlib.reload(book.explore)
    try:
        fig = module.explore(
            lambda scale: _compute(scale, 0),
            _draw,
            [module.slider("scale", [0.5, 1.0, 2.0])],
            title="t",
            alt="a",
        )
        monkeypatch.delenv("BOOK_STATIC_FRAMES")  # too late: the figure keeps the setting
        assert fig.all_frames and fig.static_html().count("<img") == 3
    finally:
        monkeypatch.delenv("BOOK_STATIC_FRAMES", raising=False)
        importlib.reload(book.explore)


def test_all_frames_must_be_a_bool():
    with pytest.raises(TypeError, match="all_frames"):
        _figure(all_frames="yes")


def test_static_html_ids_are_deterministic():
    a, b = _figure().static_html(all_frames=False), _figure().static_html(all_frames=False)
    assert a.split('id="')[1][:18] == b.split('id="')[1][:18]


def test_frame_order_is_row_major_like_the_script():
    fig = _figure()
    frames = fig.frame_indices(True)
    assert frames[:3] == [(0, 0), (0, 1), (1, 0)]


def test_mime_bundle_carries_static_html_and_text():
    bundle = _figure()._repr_mimebundle_()
    assert "text/html" in bundle and bundle["text/plain"] == "<interactive figure: test figure>"
    assert "application/vnd.jupyter.widget-view+json" in bundle


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: slider("s", []), "empty range"),
        (lambda: slider("s", ["a", "b"]), "must be numbers"),
        (lambda: slider("s", [1.0, float("nan")]), "finite"),
        (lambda: slider("s", [2.0, 1.0]), "strictly increasing"),
        (lambda: slider("s", "abc"), "sequence of numbers"),
        (lambda: slider("s", [1.0, 2.0], default=3.0), "default"),
        (lambda: slider("not an identifier", [1.0]), "identifier"),
        (lambda: choice("c", []), "no options"),
        (lambda: choice("c", ["a", "a"]), "distinct strings"),
        (lambda: choice("c", "ab"), "sequence of strings"),
    ],
)
def test_invalid_slider_specs_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_too_many_frames_for_the_static_book():
    n = int(MAX_STATIC_FRAMES**0.5) + 1
    with pytest.raises(ValueError, match="frames over the slider grid"):
        explore(
            _compute,
            _draw,
            [slider("scale", list(range(n))), slider("kind", list(range(n)))],
            title="t",
            alt="too many frames here",
        )


def test_explore_argument_checks():
    with pytest.raises(ValueError, match="distinct"):
        explore(
            _compute,
            _draw,
            [slider("a", [1.0]), slider("a", [2.0])],
            title="t",
            alt="alt text here",
        )
    with pytest.raises(ValueError, match="non-empty sequence"):
        explore(_compute, _draw, [], title="t", alt="alt text here")
    with pytest.raises(TypeError, match="callables"):
        explore(None, _draw, [slider("a", [1.0])], title="t", alt="alt text here")
    with pytest.raises(ValueError, match="title"):
        explore(_compute, _draw, [slider("a", [1.0])], title=" ", alt="alt text here")
    with pytest.raises(ValueError, match="unknown slider"):
        _figure().update(nope=1)
    with pytest.raises(ValueError, match="is not one of"):
        _figure().update(scale=3.0)


def _ask(widget, content, monkeypatch):
    """Send ``content`` to the widget as the browser does; return what it sends back."""
    sent = []
    monkeypatch.setattr(widget, "send", lambda c, buffers=None: sent.append((c, buffers)))
    widget._handle_custom_msg(content, [])
    assert len(sent) == 1, "one reply per request"
    return sent[0]


def test_live_widget_answers_a_frame_request_with_that_frames_png(monkeypatch):
    def alt(v):
        return f"scale={v['scale']} kind={v['kind']}"

    fig = _figure(alt=alt)
    widget = fig.widget()
    assert widget.frame_count == 6 and widget.defaults == [1, 1]
    assert widget.options == [["0.5", "1", "2"], ["line", "parabola"]]
    for n, indices in enumerate(fig.frame_indices(True)):  # row-major, as the JavaScript
        assert widget.indices_of(n) == indices
        reply, buffers = _ask(widget, {"want": n}, monkeypatch)
        expected = _figure(alt=alt).render_frame(indices)  # a fresh figure: its own pixels
        assert reply == {"frame": n, "alt": expected.alt} and buffers == [expected.png]
    assert reply["alt"] == "scale=2.0 kind=parabola"
    assert fig.traces == 1  # six frames, one compilation


def test_live_widget_revisits_come_from_its_cache(monkeypatch):
    fig = _figure()
    widget = fig.widget()
    calls = []
    render = fig.render
    monkeypatch.setattr(fig, "render", lambda idx: calls.append(idx) or render(idx))
    first = _ask(widget, {"want": 4}, monkeypatch)
    assert _ask(widget, {"want": 4}, monkeypatch) == first and calls == [(2, 0)]


@pytest.mark.parametrize(
    "content, message",
    [
        ({"want": 6}, "frame number from 0 to 5, got 6"),
        ({"want": -1}, "frame number from 0 to 5"),
        ({"want": "2"}, "frame number"),
        ({"want": True}, "frame number"),
        ({"frame": 1}, "a frame request is {'want': n}"),
        ("2", "a frame request is {'want': n}"),
    ],
)
def test_a_bad_frame_request_gets_an_error_message_back(content, message, monkeypatch):
    widget = _figure().widget()
    reply, buffers = _ask(widget, content, monkeypatch)
    assert set(reply) == {"error", "want"} and buffers == []
    assert reply["error"].startswith("ValueError: ") and message in reply["error"]


def test_a_frame_that_fails_to_render_is_reported_not_raised(monkeypatch):
    def draw_long_title(fig, result, values):
        _draw(fig, result, values)
        if values["scale"] == 2.0:
            fig.axes[0].set_title("a title far too long for the figure " * 5)

    widget = _figure(draw=draw_long_title).widget()
    reply, _ = _ask(widget, {"want": 4}, monkeypatch)
    assert reply["want"] == 4 and "past the figure's edge" in reply["error"]
    assert "frame" in _ask(widget, {"want": 0}, monkeypatch)[0]  # the widget goes on


def test_the_widget_state_holds_no_png():
    import json

    fig = _figure()
    fig.static_html(all_frames=False)  # as displaying does: the default frame is drawn
    widget = fig.widget()
    state = widget.get_state()
    text = json.dumps({k: v for k, v in state.items() if k != "_esm"})
    assert "png" not in text.lower() and "base64" not in text and len(text) < 2000
    assert state["title"] == "test figure" and state["labels"] == ["scale", "kind"]
    assert state["choice"] == [False, True] and state["width"] == 640
    assert "data:image" not in state["_esm"]


def test_the_live_widget_needs_an_interactive_figure():
    from book.explore_live import FigureWidget

    with pytest.raises(TypeError, match="interactive figure"):
        FigureWidget(object())
    with pytest.raises(ValueError, match="cache_size"):
        FigureWidget(_figure(), cache_size=0)


def test_strip_widgets_removes_views_and_state_and_keeps_the_html():
    from book.explore_live import WIDGET_VIEW_MIME, strip_widgets

    html = _figure().static_html(all_frames=False)
    view = {"version_major": 2, "version_minor": 0, "model_id": "abc"}
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "text"},
            {
                "cell_type": "code",
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": "hi"},
                    {
                        "output_type": "display_data",
                        "data": {"text/plain": "<f>", "text/html": html, WIDGET_VIEW_MIME: view},
                        "metadata": {},
                    },
                ],
            },
        ],
        "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {}}, "k": 1},
    }
    assert strip_widgets(notebook) == 1
    data = notebook["cells"][1]["outputs"][1]["data"]
    assert data == {"text/plain": "<f>", "text/html": html}
    assert notebook["metadata"] == {"k": 1}
    assert strip_widgets(notebook) == 0  # idempotent
    with pytest.raises(TypeError, match="notebook"):
        strip_widgets({"cells": None})


def test_strip_notebook_files_rewrites_a_saved_notebook(tmp_path):
    import nbformat

    from book.explore_live import WIDGET_VIEW_MIME, strip_notebook_files

    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output(
        "display_data", data={"text/html": "<p>f</p>", WIDGET_VIEW_MIME: {"model_id": "m"}}
    )
    nb.cells.append(nbformat.v4.new_code_cell("f", outputs=[out]))
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    assert strip_notebook_files([path]) == {str(path): 1}
    again = nbformat.read(path, as_version=4)
    assert "widgets" not in again.metadata
    assert again.cells[0].outputs[0].data == {"text/html": "<p>f</p>"}
    with pytest.raises(TypeError, match="list of notebook paths"):
        strip_notebook_files(path)


def test_committed_notebooks_hold_no_widget_state():
    import json
    from pathlib import Path

    from book.explore_live import WIDGET_VIEW_MIME

    root = Path(__file__).resolve().parents[1]
    notebooks = sorted([*root.glob("notebooks/*.ipynb"), *root.glob("appendices/*.ipynb")])
    assert notebooks
    stored = []
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if "widgets" in nb.get("metadata", {}):
            stored.append(f"{path.name}: widget state")
        views = sum(
            WIDGET_VIEW_MIME in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", [])
        )
        if views:
            stored.append(f"{path.name}: {views} widget view(s)")
    assert stored == [], f"run `make execute` (it strips them): {stored}"


def test_every_frame_has_the_default_frames_axes_boxes():
    def draw_two_panels(fig, result, values):
        left, right = fig.subplots(1, 2)
        left.plot(result["xs"], result["ys"])
        left.set_ylim(-2.5, 2.5)
        right.plot(result["xs"], 1000 * result["ys"])  # tick labels change width
        right.set_ylabel("a quantity")

    fig = _figure(draw=draw_two_panels)
    frames = [fig.render_frame(i) for i in fig.frame_indices(True)]
    assert len(frames[0].axes) == 2
    assert all(f.axes == frames[0].axes for f in frames)
    left, right = frames[0].axes
    assert 0 <= left[0] < left[2] < right[0] < right[2] <= 960  # pixels, left to right
    html = fig.static_html(all_frames=True)
    assert html.count('data-axes="[[') == len(frames) and 'width="640"' in html


def test_a_frame_with_text_past_the_edge_or_other_axes_fails():
    def draw_long_title(fig, result, values):
        _draw(fig, result, values)
        if values["scale"] == 2.0:
            fig.axes[0].set_title("a title far too long for the figure " * 5)

    fig = _figure(draw=draw_long_title)
    fig.update(scale=1.0)
    with pytest.raises(ValueError, match="past the figure's edge"):
        fig.update(scale=2.0)

    def draw_extra_axes(fig, result, values):
        _draw(fig, result, values)
        if values["kind"] == "line":
            fig.subplots()

    with pytest.raises(ValueError, match="same axes"):
        _figure(draw=draw_extra_axes).update(kind="line")


def test_in_colab_the_widget_manager_for_ipywidgets_8_is_turned_on_once(monkeypatch):
    import sys
    import types

    import book.explore_live as live

    calls = []
    output = types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = lambda: calls.append(1)
    monkeypatch.setattr(live, "_colab_enabled", False)
    assert live.enable_colab_widgets() is False  # not in Colab: nothing to do
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    assert live.enable_colab_widgets() is True
    assert live.enable_colab_widgets() is False  # once per session
    assert calls == [1]
