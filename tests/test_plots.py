import io

import numpy as np
import PIL.Image
import pytest
from matplotlib.figure import Figure

from book.plots import FigureImage, agg_png, encode_canvas, figure_png, new_figure, show


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

    fast, saved = agg_png(draw()), figure_png(draw(), dpi=80)
    assert fast.startswith(b"\x89PNG") and fast == agg_png(draw())

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


def test_output_layer_colours_are_distinct_from_every_activation_colour():
    from book.activations import REGISTRY
    from book.plots import OUTPUT_LAYER_COLOURS, output_layer_colour

    activation_colours = {a.colour.lower() for a in REGISTRY.values()}
    output_colours = [c.lower() for c in OUTPUT_LAYER_COLOURS.values()]
    assert len(set(output_colours)) == len(output_colours)
    assert not activation_colours & set(output_colours)
    assert output_layer_colour("softmax") != output_layer_colour("one-vs-rest sigmoid")
    with pytest.raises(ValueError, match="valid names"):
        output_layer_colour("tanh")
    with pytest.raises(TypeError, match="name"):
        output_layer_colour(3)
