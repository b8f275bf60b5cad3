"""Interactive figures that work in a live kernel and in the static book, from one call.

``explore(compute, draw, sliders)`` returns an :class:`Explorer`: the sliders, one
jitted ``compute`` (called with the slider values as arrays of fixed dtype and shape,
so moving a slider never recompiles; ``Explorer.traces`` counts compilations) and the
``draw`` function. It has two front ends, both in one display bundle, and one
JavaScript module (``book/explore_frames.js``) that both run:
:mod:`book.explore_live` (an anywidget, for a running kernel: the browser asks the
kernel for each frame it has not shown yet and keeps the frames it has) and
:mod:`book.explore_static` (precomputed frames in the page, for readers without one).

Whether the static version holds every frame or the default one alone is the
``all_frames`` argument of :func:`explore`. Its default is the build's setting,
``BOOK_STATIC_FRAMES=all`` in the environment of the process (the book build sets it;
it is read once, when this module is imported); committed notebooks hold one frame.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from book.plots import CSS_PX_PER_INCH, agg_png, check_fits, display_width

__all__ = ["Slider", "slider", "choice", "Frame", "Explorer", "explore", "MAX_STATIC_FRAMES"]

MAX_STATIC_FRAMES = 150
# Frames are drawn at 1.5x the resolution they are shown at (CSS_PX_PER_INCH): a
# 6.4 x 3.6-inch frame is 960 x 540 pixels, shown 640 CSS pixels wide. Static figures
# (book.plots.show) get 2x; frames come by the dozen, so they trade some sharpness
# for page weight.
FRAME_DPI = 150
# The build's setting (see the module docstring), read once at import, not at display.
ALL_FRAMES_BY_DEFAULT = os.environ.get("BOOK_STATIC_FRAMES", "") == "all"


@dataclass(frozen=True)
class Slider:
    """One control: a name (the keyword ``compute`` receives), its values, a label.

    Numeric sliders pass their value to ``compute`` as a float32 (or int32 when all
    values are integers) scalar; choice sliders pass the index of the chosen option
    as an int32 scalar, so ``compute`` can ``lax.switch`` on it.
    """

    name: str
    values: tuple
    label: str
    default_index: int
    is_choice: bool

    @property
    def dtype(self):
        if self.is_choice or all(isinstance(v, numbers.Integral) for v in self.values):
            return jnp.int32
        return jnp.float32

    def as_array(self, index: int) -> jax.Array:
        value = index if self.is_choice else self.values[index]
        return jnp.asarray(value, dtype=self.dtype)

    def text(self, index: int) -> str:
        value = self.values[index]
        return value if isinstance(value, str) else f"{value:g}"


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"slider name must be a Python identifier, got {name!r}")
    return name


def _default_index(values: tuple, default: object, name: str) -> int:
    if default is None:
        return len(values) // 2
    if default not in values:
        raise ValueError(
            f"default for slider {name!r} must be one of {list(values)}, got {default!r}"
        )
    return values.index(default)


def slider(
    name: str, values: Sequence[float], *, label: str | None = None, default: float | None = None
) -> Slider:
    """Return a numeric :class:`Slider` over the finite, strictly increasing ``values``."""
    _check_name(name)
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | np.ndarray):
        raise ValueError(f"values of slider {name!r} must be a sequence of numbers")
    values = tuple(v.item() if isinstance(v, np.generic) else v for v in values)
    if len(values) == 0:
        raise ValueError(f"slider {name!r} has an empty range of values")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ValueError(f"slider {name!r} values must be numbers, got {v!r}")
        if not math.isfinite(v):
            raise ValueError(f"slider {name!r} values must be finite, got {v!r}")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(f"slider {name!r} values must be strictly increasing")
    return Slider(name, values, label or name, _default_index(values, default, name), False)


def choice(
    name: str, options: Sequence[str], *, label: str | None = None, default: str | None = None
) -> Slider:
    """Return a choice control over the distinct strings ``options`` (passed as an index)."""
    _check_name(name)
    if isinstance(options, str) or not isinstance(options, Sequence):
        raise ValueError(f"options of choice {name!r} must be a sequence of strings")
    options = tuple(options)
    if len(options) == 0:
        raise ValueError(f"choice {name!r} has no options")
    if not all(isinstance(o, str) for o in options) or len(set(options)) != len(options):
        raise ValueError(f"choice {name!r} options must be distinct strings, got {options!r}")
    return Slider(name, options, label or name, _default_index(options, default, name), True)


@dataclass(frozen=True)
class Frame:
    """One rendered frame: its PNG, alt text, and the pixel box ``(x0, y0, x1, y1)``
    of each axes as drawn (from the top left), which is the same for every frame of a
    figure (the static book's browser test compares them)."""

    png: bytes
    alt: str
    axes: tuple[tuple[int, int, int, int], ...]


class Explorer:
    """An interactive figure: a live widget in Jupyter, precomputed frames in HTML.

    ``update(**values)`` renders the figure for the given slider values (option
    strings for choices) and returns its PNG bytes; ``traces`` counts how many times
    ``compute`` was traced (compiled). ``static_html`` and ``widget`` are its two front
    ends; displayed in Jupyter it offers both.
    """

    def __init__(
        self, compute, draw, sliders, *, title, alt, width=6.4, height=3.6, all_frames=False
    ):
        self._draw = draw
        self.all_frames = all_frames
        self.sliders = tuple(sliders)
        self.title = title
        self._alt = alt
        self._size = (width, height)
        self._figure: Figure | None = None  # one figure and canvas, redrawn for each frame
        self.traces = 0

        def counted(*args):
            self.traces += 1  # Python side effect: runs only while tracing.
            return compute(**{s.name: a for s, a in zip(self.sliders, args, strict=True)})

        self._compute = jax.jit(counted)

    # -- rendering -----------------------------------------------------------------
    def indices(self, values: dict) -> tuple[int, ...]:
        unknown = set(values) - {s.name for s in self.sliders}
        if unknown:
            valid = ", ".join(s.name for s in self.sliders)
            raise ValueError(f"unknown slider(s) {sorted(unknown)}; valid: {valid}")
        indices = []
        for s in self.sliders:
            if s.name not in values:
                indices.append(s.default_index)
            elif values[s.name] in s.values:
                indices.append(s.values.index(values[s.name]))
            else:
                raise ValueError(f"{s.name}={values[s.name]!r} is not one of {list(s.values)}")
        return tuple(indices)

    def render(self, indices: tuple[int, ...]) -> tuple[bytes, str]:
        """Return the PNG and alt text of the frame at slider ``indices``."""
        frame = self.render_frame(indices)
        return frame.png, frame.alt

    def render_frame(self, indices: tuple[int, ...]) -> Frame:
        """Return the :class:`Frame` at slider ``indices``.

        Raises ``ValueError`` if a text of the frame extends past the figure's edge
        (:func:`book.plots.check_fits`), so a clipped label fails the build.
        """
        result, shown = self._compute_at(indices)
        fig = self.draw_frame(result, shown)
        png = agg_png(fig)
        check_fits(fig)
        height = fig.canvas.get_width_height()[1]
        boxes = tuple(
            tuple(round(v) for v in (b.x0, height - b.y1, b.x1, height - b.y0))
            for b in (ax.get_window_extent() for ax in fig.axes)
        )
        alt = self._alt(shown) if callable(self._alt) else self._alt
        return Frame(png, alt, boxes)

    def _compute_at(self, indices: tuple[int, ...]) -> tuple[object, dict]:
        arrays = [s.as_array(i) for s, i in zip(self.sliders, indices, strict=True)]
        result = jax.device_get(self._compute(*arrays))
        shown = {s.name: s.values[i] for s, i in zip(self.sliders, indices, strict=True)}
        return result, shown

    def draw_frame(self, result: object, shown: dict) -> Figure:
        """Clear the figure, call ``draw`` on it, place its axes and return it (not yet
        rendered).

        Every frame is drawn on the same figure and Agg canvas, so the canvas keeps its
        renderer and the renderer its cache of typeset mathtext (the ``10^{-k}`` tick
        labels of log axes): after the first frame they are not typeset again. The
        layout is computed once, by constrained layout on the default frame, and every
        frame puts its axes at those positions: the plot does not jump while a slider
        moves, and a frame's pixels do not depend on the frames drawn before it (tested).
        Raises ``ValueError`` if ``draw`` makes a different number of axes than it
        made for the default frame.
        """
        if self._figure is None:
            self._figure = Figure(figsize=self._size, layout="constrained", dpi=FRAME_DPI)
            # wider padding than constrained layout's default (3/72 inch): room for the
            # tick labels of other frames, which may be wider than the default frame's
            self._figure.get_layout_engine().set(w_pad=0.1, h_pad=0.06)
            FigureCanvasAgg(self._figure)  # attaches itself; agg_png draws on it
            self._figure.clear()
            self._draw(self._figure, *self._compute_at(self.default_indices))
            self._figure.canvas.draw()  # constrained layout places the axes
            self._positions = [ax.get_position(original=True) for ax in self._figure.axes]
            self._figure.set_layout_engine("none")
        self._figure.clear()
        self._draw(self._figure, result, shown)
        axes = self._figure.axes
        if len(axes) != len(self._positions):
            raise ValueError(
                f"draw made {len(axes)} axes at {shown} but {len(self._positions)} at the "
                "default setting: every frame of an interactive figure must draw the "
                "same axes"
            )
        for ax, position in zip(axes, self._positions, strict=True):
            ax.set_position(position)
        return self._figure

    @property
    def display_width(self) -> int:
        """The width in CSS pixels at which the figure is shown."""
        return (
            display_width(self._figure) if self._figure else round(self._size[0] * CSS_PX_PER_INCH)
        )

    def update(self, **values) -> bytes:
        """Return the PNG of the figure at ``values`` (defaults for sliders not given)."""
        return self.render(self.indices(values))[0]

    def frame_indices(self, all_frames: bool) -> list[tuple[int, ...]]:
        """Return the slider-index tuples rendered into the static HTML, row-major."""
        if not all_frames:
            return [self.default_indices]
        return list(itertools.product(*(range(len(s.values)) for s in self.sliders)))

    @property
    def default_indices(self) -> tuple[int, ...]:
        return tuple(s.default_index for s in self.sliders)

    def uid(self) -> str:
        """A deterministic HTML id (the same figure gets the same id on every run)."""
        spec = json.dumps([self.title, [[s.name, list(s.values)] for s in self.sliders]])
        return "explore-" + hashlib.sha1(spec.encode()).hexdigest()[:10]

    # -- the two front ends ----------------------------------------------------------
    def static_html(self, all_frames: bool | None = None) -> str:
        """Return the kernel-free HTML (:func:`book.explore_static.static_html`);
        ``all_frames`` defaults to the figure's setting."""
        from book.explore_static import static_html

        return static_html(self, all_frames=self.all_frames if all_frames is None else all_frames)

    def widget(self):
        """Return the live widget (:func:`book.explore_live.live_widget`)."""
        from book.explore_live import live_widget

        return live_widget(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Return the display bundle: the static HTML, and the live widget's view
        with its metadata (Colab's widget manager) when anywidget is installed."""
        bundle = {
            "text/plain": f"<interactive figure: {self.title}>",
            "text/html": self.static_html(),
        }
        try:
            live = self.widget()._repr_mimebundle_()
        except ImportError:  # no anywidget or ipywidgets: the static version alone
            return bundle
        data, metadata = live if isinstance(live, tuple) else (live or {}, {})
        view = "application/vnd.jupyter.widget-view+json"
        if view not in data:
            return bundle
        bundle[view] = data[view]
        return (bundle, metadata) if metadata else bundle


def explore(
    compute: Callable[..., object],
    draw: Callable[..., None],
    sliders: Sequence[Slider],
    *,
    title: str,
    alt: str | Callable[[dict], str],
    width: float = 6.4,
    height: float = 3.6,
    all_frames: bool | None = None,
) -> Explorer:
    """Return an :class:`Explorer`: an interactive figure for Jupyter and the static book.

    ``compute(**arrays)`` is jitted once and must be traceable for every slider
    value (use masks and ``lax.switch``, not Python branches on the values);
    ``draw(fig, result, values)`` draws ``result`` on a fresh matplotlib figure;
    ``alt`` is the figure's alt text, or a function of the slider values giving it;
    ``all_frames``: whether the static version holds every frame (default: the build's
    setting, see the module docstring).
    Raises ``ValueError`` for duplicate slider names or a grid of more than
    ``MAX_STATIC_FRAMES`` frames. Introduced in chapter 0, used in every chapter.
    """
    if not callable(compute) or not callable(draw):
        raise TypeError("compute and draw must be callables")
    sliders = tuple(sliders)
    if not sliders or not all(isinstance(s, Slider) for s in sliders):
        raise ValueError("sliders must be a non-empty sequence made with slider() or choice()")
    names = [s.name for s in sliders]
    if len(set(names)) != len(names):
        raise ValueError(f"slider names must be distinct, got {names}")
    frames = math.prod(len(s.values) for s in sliders)
    if frames > MAX_STATIC_FRAMES:
        raise ValueError(
            f"{frames} frames over the slider grid; the static book allows at most "
            f"{MAX_STATIC_FRAMES}: use fewer slider values"
        )
    if not isinstance(title, str) or not title.strip():
        raise ValueError("title must be a non-empty str")
    if not (callable(alt) or (isinstance(alt, str) and alt.strip())):
        raise ValueError("alt must be a non-empty str or a function of the slider values")
    if all_frames is None:
        all_frames = ALL_FRAMES_BY_DEFAULT
    if not isinstance(all_frames, bool):
        raise TypeError(f"all_frames must be True, False or None, got {all_frames!r}")
    return Explorer(
        compute,
        draw,
        sliders,
        title=title,
        alt=alt,
        width=width,
        height=height,
        all_frames=all_frames,
    )
