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

from book.activations import lookup

__all__ = [
    "STYLE",
    "OUTPUT_LAYER_COLOURS",
    "output_layer_colour",
    "use_book_style",
    "new_figure",
    "figure_png",
    "agg_png",
    "encode_canvas",
    "img_tag",
    "FigureImage",
    "show",
]

# Curves that are not activations get colours of their own, distinct from every colour
# in book.activations, so that on every figure a colour means one thing. Chapter 4
# compares these two output layers; softmax takes Okabe-Ito's black, the one-vs-rest
# sigmoid head Paul Tol's wine (a red, but not sigmoid's vermillion).
OUTPUT_LAYER_COLOURS: dict[str, str] = {
    "softmax": "#000000",
    "one-vs-rest sigmoid": "#882255",
}


def output_layer_colour(name: str) -> str:
    """Return the hex colour the book uses for output layer ``name`` (chapter 4).

    Raises ``TypeError`` if ``name`` is not a string and ``ValueError`` listing the
    valid names if it is unknown.
    """
    return lookup(OUTPUT_LAYER_COLOURS, name, "output layer")


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
    for name, value in (("ncols", ncols), ("nrows", nrows)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
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


def agg_png(fig: Figure) -> bytes:
    """Return the PNG bytes of ``fig`` drawn on its Agg canvas (attached to the figure
    if it has another) at the figure's own dpi.

    The interactive figures' path (chapter 0): it skips ``savefig``'s per-call set-up,
    and a figure kept across frames keeps its canvas, so the canvas keeps its renderer.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return encode_canvas(canvas)


def encode_canvas(canvas: FigureCanvasAgg) -> bytes:
    """Return the PNG bytes of an Agg canvas already drawn (no metadata: identical pixels
    give identical bytes)."""
    if not isinstance(canvas, FigureCanvasAgg):
        raise TypeError(f"canvas must be a FigureCanvasAgg, got {type(canvas).__name__}")
    buffer = io.BytesIO()
    image = PIL.Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    image.save(buffer, format="png")
    return buffer.getvalue()


def img_tag(png: bytes, alt: str, **attrs: str) -> str:
    """Return an ``<img>`` element embedding ``png`` as a data URI, with ``alt`` text."""
    extra = "".join(f' {k.replace("_", "-")}="{html.escape(v)}"' for k, v in attrs.items())
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"{extra}>'


class FigureImage:
    """A rendered figure with alt text; displays as an accessible image everywhere.

    The bundle holds ``text/html`` (an ``<img>`` with alt text, shown by JupyterLab and the
    built book alike) and ``text/plain``; no separate ``image/png``, which would store
    every figure twice in the committed notebooks.
    """

    def __init__(self, png: bytes, alt: str):
        self.png = png
        self.alt = alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/html": img_tag(self.png, self.alt, style="max-width:100%"),
            "text/plain": f"<figure: {self.alt}>",
        }


def show(fig: Figure, alt: str) -> FigureImage:
    """Return ``fig`` as a :class:`FigureImage` with ``alt`` text (the last line of a cell shows it).

    ``alt`` describes what the figure shows for readers who cannot see it.
    """
    if not isinstance(alt, str) or len(alt.strip()) < 10:
        raise ValueError("alt must be a sentence describing the figure (10+ characters)")
    return FigureImage(figure_png(fig), alt.strip())
