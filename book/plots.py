"""The book's figure style and how figures are shown with alt text.

Figures are drawn on white cards with dark text, so they read the same on the light
and dark page themes; colours come from :mod:`book.activations` (Okabe-Ito, safe for
the common colour-vision deficiencies). :func:`show` displays a figure as an image
with alt text for screen readers, in JupyterLab and in the built book alike.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text

from book.activations import REGISTRY, lookup
from book.checks import check_positive_ints

__all__ = [
    "STYLE",
    "SERIES_COLOURS",
    "series_colour",
    "PNG_DPI",
    "CSS_PX_PER_INCH",
    "check_fits",
    "use_book_style",
    "new_figure",
    "figure_png",
    "agg_png",
    "encode_canvas",
    "img_tag",
    "display_width",
    "figure_classes",
    "FigureImage",
    "show",
]

# Series that are not activations get colours of their own, distinct from every colour
# in book.activations and from each other, so that on every figure of the book a colour
# means one thing (tested). Softmax, wherever it normalises (output layer, attention,
# router, contrastive loss), is Okabe-Ito's black; sigmoid in those roles keeps the
# activation's vermillion. The others are Paul Tol's muted colours.
SERIES_COLOURS: dict[str, str] = {
    "softmax": "#000000",
    # chapter 4: the one-vs-rest output head (a red, but not sigmoid's vermillion)
    "one-vs-rest sigmoid": "#882255",
    # chapter 5: attention variants beside softmax and sigmoid attention
    "sigmoid attention, b = 0": "#CC6677",
    "gated attention": "#332288",
    "gated attention, dense gate": "#999933",
    # chapter 1: the blocks of a deep sigmoid stack
    "plain stack": "#BBBBBB",
    "residual only": "#004488",
    "LayerNorm only": "#88CCEE",
    "residual + LayerNorm": "#117733",
    # chapters 3 and 5: FFNs whose activation is not in book.activations
    "ReLU²": "#44AA99",
    "Bilinear": "#777777",
    # chapter 3's ablation of sigmoid's mean and slope
    "σ − ½": "#EE3377",
    "4(σ − ½)": "#994F00",
    "linear FFN": "#762A83",
    "no FFN": "#A6761D",
}


def series_colour(name: str) -> str:
    """Return the hex colour the whole book uses for series ``name``: an activation of
    :mod:`book.activations` or a series of :data:`SERIES_COLOURS` (chapters 1, 4, 5).

    Raises ``TypeError`` if ``name`` is not a string and ``ValueError`` listing the
    valid names if it is unknown.
    """
    if isinstance(name, str) and name in REGISTRY:
        return REGISTRY[name].colour
    return lookup(SERIES_COLOURS, name, "series")


# Figures are drawn at twice the resolution they are shown at (sharp on high-density
# screens): a 6.4-inch figure is 1280 pixels wide, shown 640 CSS pixels wide.
CSS_PX_PER_INCH = 100
PNG_DPI = 2 * CSS_PX_PER_INCH


STYLE: dict[str, object] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#444444",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "font.size": 10,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style globally (each notebook's first cell calls it)."""
    matplotlib.rcParams.update(STYLE)


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 6.4, height: float = 3.6):
    """Return ``(fig, axes)``: a figure outside pyplot's state, so it is shown only once.

    ``axes`` is a single Axes when ``ncols == nrows == 1``, else a flat list.
    """
    check_positive_ints(ncols=ncols, nrows=nrows)
    if width <= 0 or height <= 0:
        raise ValueError(f"width and height must be positive, got {width}, {height}")
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    return fig, axes[0] if len(axes) == 1 else axes


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """Return the PNG bytes of ``fig`` (no metadata, so identical figures give identical bytes)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def agg_png(fig: Figure, palette: bool = True) -> bytes:
    """Return the PNG bytes of ``fig`` drawn on its Agg canvas (attached to the figure
    if it has another) at the figure's own dpi; ``palette``: see :func:`encode_canvas`.

    The interactive figures' path (chapter 0): it skips ``savefig``'s per-call set-up,
    and a figure kept across frames keeps its canvas, so the canvas keeps its renderer.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return encode_canvas(canvas, palette)


def encode_canvas(canvas: FigureCanvasAgg, palette: bool = True) -> bytes:
    """Return the PNG bytes of an Agg canvas already drawn (no metadata: identical pixels
    give identical bytes).

    With ``palette`` the image is reduced to 256 colours (a plot on a white card has few;
    the difference is invisible, tested) and its PNG is about a quarter of the size, which
    keeps pages with many high-resolution frames light.
    """
    if not isinstance(canvas, FigureCanvasAgg):
        raise TypeError(f"canvas must be a FigureCanvasAgg, got {type(canvas).__name__}")
    buffer = io.BytesIO()
    image = PIL.Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    if palette:
        image = image.convert("RGB").quantize(256, method=PIL.Image.Quantize.FASTOCTREE)
    image.save(buffer, format="png")
    return buffer.getvalue()


def img_tag(png: bytes, alt: str, **attrs: str) -> str:
    """Return an ``<img>`` element embedding ``png`` as a data URI, with ``alt`` text."""
    extra = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{html.escape(v)}"' for k, v in attrs.items()
    )
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"{extra}>'


def check_fits(fig: Figure, tolerance_px: float = 1.0) -> None:
    """Raise ``ValueError`` naming every visible text of ``fig`` (titles, axis labels,
    tick labels, legends, annotations) that extends past the figure's edge.

    The figure must have been drawn (its text extents are those of the last draw).
    :func:`show` and every frame of an interactive figure call it, so a clipped title
    or legend fails the build instead of reaching the page.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    outside = []
    for name, box in _text_boxes(fig, renderer):
        if (
            box.x0 < -tolerance_px
            or box.y0 < -tolerance_px
            or box.x1 > width + tolerance_px
            or box.y1 > height + tolerance_px
        ):
            outside.append(
                f"{name[:60]!r} ({box.x0:.0f}..{box.x1:.0f} x {box.y0:.0f}..{box.y1:.0f}"
                f" px in {width} x {height})"
            )
    if outside:
        raise ValueError(
            "text extends past the figure's edge (shorten it, or widen the figure): "
            + "; ".join(outside)
        )


def _text_boxes(fig: Figure, renderer):
    """Yield ``(name, window bbox)`` for every drawn text of ``fig``: figure texts and
    legends, and per axes its texts, titles, legends and each axis (its label and the
    tick labels inside the view; ticks outside it are not drawn)."""
    drawn = [t for t in (fig._suptitle, fig._supxlabel, fig._supylabel) if t is not None]
    for artist in [*drawn, *fig.texts, *fig.legends]:
        yield from _named_box(artist, renderer)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        titles = (ax.title, ax._left_title, ax._right_title)
        for artist in [*titles, *ax.texts, *([ax.legend_] if ax.legend_ else [])]:
            yield from _named_box(artist, renderer)
        for axis in (ax.xaxis, ax.yaxis):
            box = axis.get_tightbbox(renderer)
            if axis.get_visible() and box is not None and box.width > 0:
                yield f"{axis.axis_name} axis of {ax.get_title() or 'an axes'}", box


def _named_box(artist, renderer):
    if not artist.get_visible():
        return
    if isinstance(artist, Text):
        if artist.get_text().strip():
            yield artist.get_text(), artist.get_window_extent(renderer)
    elif isinstance(artist, Legend):
        yield "legend", artist.get_window_extent(renderer)


def display_width(fig: Figure) -> int:
    """Return the width in CSS pixels at which the book shows ``fig``."""
    return round(fig.get_figwidth() * CSS_PX_PER_INCH)


def figure_classes(width: int) -> str:
    """Return the HTML classes of a figure shown ``width`` CSS pixels wide: multi-panel
    figures (wider than 700) keep a legible size on a phone (the book's ``course.css``)."""
    return "book-figure book-figure-wide" if width > 700 else "book-figure"


class FigureImage:
    """A rendered figure with alt text; displays as an accessible image everywhere.

    The bundle holds ``text/html`` (an ``<img>`` with alt text, shown by JupyterLab and the
    built book alike) and ``text/plain``; no separate ``image/png``, which would store
    every figure twice in the committed notebooks. ``width`` is the width in CSS pixels
    (the PNG has twice as many, for high-density screens).
    """

    def __init__(self, png: bytes, alt: str, width: int | None = None):
        self.png = png
        self.alt = alt
        self.width = width

    def _repr_mimebundle_(self, include=None, exclude=None):
        attrs = {"style": "max-width:100%", "class_": "book-figure"}
        if self.width is not None:
            attrs.update(width=str(self.width), class_=figure_classes(self.width))
        return {
            "text/html": img_tag(self.png, self.alt, **attrs),
            "text/plain": f"<figure: {self.alt}>",
        }


def show(fig: Figure, alt: str) -> FigureImage:
    """Return ``fig`` as a :class:`FigureImage` with ``alt`` text (the last line of a cell shows it).

    ``alt`` describes what the figure shows for readers who cannot see it. The image
    has ``PNG_DPI`` pixels per inch and is shown ``CSS_PX_PER_INCH`` CSS pixels per
    inch; raises ``ValueError`` if any text extends past the figure (:func:`check_fits`).
    """
    if not isinstance(alt, str) or len(alt.strip()) < 10:
        raise ValueError("alt must be a sentence describing the figure (10+ characters)")
    fig.set_dpi(PNG_DPI)
    png = agg_png(fig)
    check_fits(fig)
    return FigureImage(png, alt.strip(), display_width(fig))
