import io

import numpy as np
import PIL.Image
import pytest
from matplotlib.figure import Figure

from book.plots import (
    FigureImage,
    agg_png,
    check_fits,
    encode_canvas,
    figure_png,
    new_figure,
    show,
)


def test_show_needs_real_alt_text():
    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1])
    with pytest.raises(ValueError, match="alt"):
        show(fig, "plot")
    image = show(fig, "A straight line from (0, 0) to (1, 1).")
    bundle = image._repr_mimebundle_()
    assert 'alt="A straight line from (0, 0) to (1, 1)."' in bundle["text/html"]
    assert bundle["text/plain"].startswith("<figure:")


def test_png_bytes_are_reproducible():
    def draw():
        fig, ax = new_figure()
        ax.plot([0, 1, 2], [1, 0, 1])
        return figure_png(fig)

    assert draw() == draw()


def test_agg_png_has_the_pixels_savefig_gives_at_the_figure_dpi():
    def draw():
        fig = Figure(figsize=(3.0, 2.0), dpi=80)
        fig.subplots().plot([0, 1, 2], [1, 0, 1])
        return fig

    fast, saved = agg_png(draw(), palette=False), figure_png(draw(), dpi=80)
    assert fast.startswith(b"\x89PNG") and fast == agg_png(draw(), palette=False)

    def pixels(png):
        return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGBA"))

    assert pixels(fast).shape == (160, 240, 4)
    assert np.array_equal(pixels(fast), pixels(saved))
    with pytest.raises(TypeError, match="Figure"):
        agg_png("not a figure")
    with pytest.raises(TypeError, match="FigureCanvasAgg"):
        encode_canvas(draw())


def test_new_figure_validates_and_returns_a_list_for_grids():
    fig, axes = new_figure(2, 2)
    assert isinstance(fig, Figure) and len(axes) == 4
    with pytest.raises(ValueError, match="ncols"):
        new_figure(0)
    with pytest.raises(ValueError, match="width and height"):
        new_figure(width=-1)
    with pytest.raises(TypeError, match="Figure"):
        figure_png("not a figure")


def test_figure_image_escapes_alt_text():
    html = FigureImage(b"\x89PNG", 'quote " and <tag>')._repr_mimebundle_()["text/html"]
    assert "&quot;" in html and "&lt;tag&gt;" in html


def test_every_series_has_its_own_colour_across_the_book():
    from book.activations import REGISTRY
    from book.plots import SERIES_COLOURS, series_colour

    colours = [a.colour.lower() for a in REGISTRY.values()]
    colours += [c.lower() for c in SERIES_COLOURS.values()]
    assert len(set(colours)) == len(colours), "two series share a colour"
    assert not set(REGISTRY) & set(SERIES_COLOURS)
    assert series_colour("sigmoid") == REGISTRY["sigmoid"].colour
    assert series_colour("softmax") != series_colour("one-vs-rest sigmoid")
    with pytest.raises(ValueError, match="valid names"):
        series_colour("no such series")
    with pytest.raises(TypeError, match="name"):
        series_colour(3)


def test_show_fails_on_a_title_or_legend_past_the_edge():
    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_title("a title that runs far past the edge of a figure of this size " * 2)
    with pytest.raises(ValueError, match="past the figure's edge"):
        show(fig, "A line with a title that is far too long.")
    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(loc="upper left", bbox_to_anchor=(1.2, 1.0))
    fig.set_layout_engine("none")  # constrained layout would make room for it
    with pytest.raises(ValueError, match="legend"):
        show(fig, "A line with its legend placed outside the figure.")
    with pytest.raises(TypeError, match="Figure"):
        check_fits("not a figure")


def test_show_draws_at_twice_the_shown_resolution():
    fig, ax = new_figure(width=6.4, height=3.6)
    ax.plot([0, 1], [0, 1])
    image = show(fig, "A straight line from (0, 0) to (1, 1).")
    pixels = PIL.Image.open(io.BytesIO(image.png)).size
    assert pixels == (2 * 640, 2 * 360)
    assert 'width="640"' in image._repr_mimebundle_()["text/html"]


def test_palette_pngs_are_smaller_and_look_the_same():
    fig = Figure(figsize=(4.0, 3.0), dpi=150)
    ax = fig.subplots()
    for k in range(6):
        ax.plot(np.sin(np.linspace(0, 6, 200) + k), label=f"curve {k}")
    ax.imshow(np.outer(np.arange(50), np.arange(80)), extent=(0, 200, -1, 1), alpha=0.3)
    ax.legend()
    full, small = agg_png(fig, palette=False), agg_png(fig)
    assert small == agg_png(fig)  # deterministic
    assert len(small) < 0.6 * len(full)

    def pixels(png):
        return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)

    error = np.abs(pixels(full) - pixels(small))
    assert error.mean() < 2.0 and np.percentile(error, 99) < 12  # of 255 levels
