"""The live front end of :mod:`book.explore`: ipywidgets controls in a running kernel.

Each move of a control calls the figure's jitted ``compute`` with arrays of fixed dtype
and shape (no recompilation) and redraws. Introduced in chapter 0.
"""

from __future__ import annotations

import html
import importlib
import sys
from typing import Any

from book.plots import img_tag

__all__ = ["enable_colab_widgets", "live_widget"]

_colab_enabled = False


def enable_colab_widgets() -> bool:
    """In Google Colab, turn on the widget manager that renders ipywidgets 8; return
    whether this call turned it on (False outside Colab and after the first call).

    Colab's built-in manager draws ipywidgets 7; the course needs 8, which Colab renders
    once ``google.colab.output.enable_custom_widget_manager()`` has run in the session.
    """
    global _colab_enabled
    if _colab_enabled or "google.colab" not in sys.modules:
        return False
    importlib.import_module("google.colab.output").enable_custom_widget_manager()
    _colab_enabled = True
    return True


def live_widget(fig: Any):
    """Return the ipywidgets panel of ``fig``: its title, controls and figure."""
    import ipywidgets as widgets

    enable_colab_widgets()

    controls = []
    for s in fig.sliders:
        options = [(s.text(i), s.values[i]) for i in range(len(s.values))]
        common = dict(
            options=options,
            value=s.values[s.default_index],
            description=s.label,
            style={"description_width": "initial"},
        )
        if s.is_choice:
            controls.append(widgets.Dropdown(**common))
        else:
            controls.append(widgets.SelectionSlider(continuous_update=False, **common))
    # The figure is an HTML widget holding an <img>: updating its value sends no display
    # messages, so executing the notebook headless stores nothing but the bundle.
    image = widgets.HTML()

    def redraw(_change=None):
        values = {s.name: c.value for s, c in zip(fig.sliders, controls, strict=True)}
        png, alt = fig.render(fig.indices(values))
        image.value = img_tag(png, alt, width=str(fig.display_width), style="max-width:100%")

    for c in controls:
        c.observe(redraw, names="value")
    redraw()
    return widgets.VBox(
        [widgets.HTML(f"<b>{html.escape(fig.title)}</b>"), widgets.HBox(controls), image]
    )
