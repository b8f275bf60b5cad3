"""The live front end of :mod:`book.explore`: an anywidget in a running kernel.

The widget's JavaScript (``book/explore_frames.js``, the same module the static book
inlines) builds the controls, keeps every frame it has shown and asks the kernel only
for a frame it has not seen: ``{"want": n}``, answered by ``{"frame": n, "alt": ...}``
with the PNG as a binary buffer (or ``{"error": ..., "want": n}``). The synced state
holds the title and the controls, never a PNG. Each new frame calls the figure's jitted
``compute`` with arrays of fixed dtype and shape (no recompilation) and redraws; a
revisited frame is shown by the browser at once.

Executed notebooks are saved without the widget's view and state
(:func:`strip_widgets`, run by ``make execute``): a notebook opened without a kernel
then shows the static figure. Introduced in chapter 0.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from book.explore_static import FRAMES_JS, control_spec
from book.plots import figure_classes

__all__ = [
    "FRAMES_JS",
    "WIDGET_VIEW_MIME",
    "FigureWidget",
    "enable_colab_widgets",
    "live_widget",
    "strip_widgets",
    "strip_notebook_files",
]

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"

_colab_enabled = False


def enable_colab_widgets() -> bool:
    """In Google Colab, turn on the widget manager that renders ipywidgets 8; return
    whether this call turned it on (False outside Colab and after the first call).

    Colab's built-in manager draws ipywidgets 7; the course's widget (an anywidget) needs
    8, which Colab renders once ``google.colab.output.enable_custom_widget_manager()`` has
    run in the session.
    """
    global _colab_enabled
    if _colab_enabled or "google.colab" not in sys.modules:
        return False
    importlib.import_module("google.colab.output").enable_custom_widget_manager()
    _colab_enabled = True
    return True


class FigureWidget(anywidget.AnyWidget):
    """The live interactive figure: controls and frames in the browser, frames rendered
    by the kernel on request (``book/explore_frames.js``); chapter 0.

    ``fig`` is a :class:`book.explore.Explorer` (anything with its ``title``,
    ``sliders``, ``default_indices``, ``display_width`` and ``render``). The last
    ``cache_size`` frames rendered are kept, so a second browser view of the figure
    does not render them again.
    """

    _esm = FRAMES_JS
    title = traitlets.Unicode("").tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    options = traitlets.List(traitlets.List(traitlets.Unicode())).tag(sync=True)
    choice = traitlets.List(traitlets.Bool()).tag(sync=True)
    defaults = traitlets.List(traitlets.Int()).tag(sync=True)
    width = traitlets.Int(640).tag(sync=True)
    classes = traitlets.Unicode("book-figure").tag(sync=True)

    def __init__(self, fig: Any, *, cache_size: int = 32):
        missing = [
            a
            for a in ("title", "sliders", "default_indices", "display_width", "render")
            if not hasattr(fig, a)
        ]
        if missing:
            raise TypeError(f"fig must be an interactive figure (book.explore); it lacks {missing}")
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
            raise ValueError(f"cache_size must be a positive int, got {cache_size!r}")
        spec = control_spec(fig)
        width = int(fig.display_width)
        super().__init__(title=fig.title, width=width, classes=figure_classes(width), **spec)
        self._fig = fig
        self._sizes = tuple(len(o) for o in spec["options"])
        self._cache: OrderedDict[int, tuple[bytes, str]] = OrderedDict()
        self._cache_size = cache_size
        self.on_msg(self._on_message)

    @property
    def frame_count(self) -> int:
        """The number of frames over the slider grid."""
        return math.prod(self._sizes)

    def indices_of(self, n: int) -> tuple[int, ...]:
        """Return the slider indices of frame ``n`` (row-major, as the JavaScript numbers
        frames); raises ``ValueError`` if ``n`` is not a frame number."""
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < self.frame_count:
            raise ValueError(
                f"want must be a frame number from 0 to {self.frame_count - 1}, got {n!r}"
            )
        indices = []
        for size in reversed(self._sizes):
            n, i = divmod(n, size)
            indices.append(i)
        return tuple(reversed(indices))

    def frame(self, n: int) -> tuple[bytes, str]:
        """Return the PNG and alt text of frame ``n``, rendered or from the cache."""
        if n in self._cache:
            self._cache.move_to_end(n)
            return self._cache[n]
        rendered = self._fig.render(self.indices_of(n))
        self._cache[n] = rendered
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return rendered

    def answer(self, content: object) -> tuple[dict, list[bytes]]:
        """Return the reply to a message from the browser and its buffers: the frame it
        wants, ``({"frame": n, "alt": alt}, [png])``, or ``({"error": text, "want": n},
        [])`` for a request that is not a frame number or a frame that fails to render
        (the message is shown under the figure; the kernel goes on)."""
        want = content.get("want") if isinstance(content, dict) else None
        try:
            if not isinstance(content, dict) or "want" not in content:
                raise ValueError(f"a frame request is {{'want': n}}, got {content!r}")
            png, alt = self.frame(want)
        except Exception as error:  # any failure is reported to the page, not raised
            text = f"{type(error).__name__}: {error}"
            return {"error": text, "want": want if isinstance(want, int) else None}, []
        return {"frame": want, "alt": alt}, [png]

    def _on_message(self, _widget: object, content: object, _buffers: list) -> None:
        reply, buffers = self.answer(content)
        self.send(reply, buffers=buffers)


def live_widget(fig: Any) -> FigureWidget:
    """Return the live widget of ``fig`` (:class:`FigureWidget`); in Colab, turn on
    the widget manager it needs first."""
    enable_colab_widgets()
    return FigureWidget(fig)


def strip_widgets(notebook: dict) -> int:
    """Remove the widget views from the outputs of ``notebook`` (an nbformat dict, changed
    in place) and its saved widget state; return how many views were removed.

    The other representations of an output (the static figure's ``text/html``) stay, so
    a notebook opened without a kernel shows them, and nbval, which does not compare
    widget views, still compares them with a fresh run.
    """
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError("notebook must be a notebook dict with a 'cells' list")
    removed = 0
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if isinstance(data, dict) and WIDGET_VIEW_MIME in data:
                del data[WIDGET_VIEW_MIME]
                removed += 1
    notebook.get("metadata", {}).pop("widgets", None)
    return removed


def strip_notebook_files(paths: list[str | Path]) -> dict[str, int]:
    """Strip widget views and state (:func:`strip_widgets`) from the notebook files
    ``paths``, rewriting only those that change; return the views removed per file."""
    import nbformat

    if isinstance(paths, (str, Path)):
        raise TypeError("paths must be a list of notebook paths, not one path")
    counts = {}
    for path in map(Path, paths):
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        had_state = "widgets" in notebook.get("metadata", {})
        counts[str(path)] = strip_widgets(notebook)
        if counts[str(path)] or had_state:
            nbformat.write(notebook, path)
    return counts


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "strip":
        raise SystemExit("usage: python -m book.explore_live strip NOTEBOOK...")
    for name, count in strip_notebook_files(sys.argv[2:]).items():
        print(f"{name}: {count} widget view(s) removed")
