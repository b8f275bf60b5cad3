import jax.numpy as jnp
import pytest

from book.explore import MAX_STATIC_FRAMES, choice, explore, slider


def _draw(fig, result, values):
    ax = fig.subplots()
    ax.plot(result["xs"], result["ys"])
    ax.set_ylim(-2.5, 2.5)  # the same limits in every frame, as the book's figures do
    ax.set_title(str(values))


def _compute(scale, kind):
    xs = jnp.linspace(-1, 1, 11)
    return {"xs": xs, "ys": jnp.where(kind == 0, scale * xs, scale * xs**2)}


def _figure(compute=_compute, draw=_draw, **kwargs):
    return explore(
        compute,
        draw,
        [slider("scale", [0.5, 1.0, 2.0]), choice("kind", ["line", "parabola"])],
        title="test figure",
        alt="A test line or parabola.",
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
    assert "<script>" in html and "src=" not in html.split("<script>")[1]
    assert 'type="range"' in html and "<select" in html
    assert 'alt="A test line or parabola."' in html
    assert _figure(all_frames=False).static_html(all_frames=True) == html


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


def test_live_widget_redraws_on_control_change_without_recompiling():
    fig = _figure()
    panel = fig.widget()
    _, controls, image = panel.children
    scale, kind = controls.children
    first = image.value
    assert first.startswith("<img") and "A test line or parabola." in first
    scale.value = 2.0
    kind.value = "parabola"
    assert image.value != first
    assert fig.traces == 1


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
