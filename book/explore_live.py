"""The live front end of :mod:`book.explore`: ipywidgets controls in a running kernel.

Each move of a control calls the figure's jitted ``compute`` with arrays of fixed dtype
and shape (no recompilation) and redraws. Introduced in chapter 0.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from book.plots import img_tag

if TYPE_CHECKING:
    from book.explore import Explorer

__all__ = ["live_widget"]


def live_widget(fig: Explorer):
    """Return the ipywidgets panel of ``fig``: its title, controls and figure."""
    import ipywidgets as widgets

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
