"""The static front end of :mod:`book.explore`: an interactive figure with no kernel.

:func:`static_html` renders precomputed frames over the slider grid into one HTML
block, with native controls (``<input type="range">``, ``<select>``) switched by a
small inline script with no external dependency. With ``all_frames=False`` it holds
the default frame alone, which keeps committed notebooks light; the book build
renders every frame. Introduced in chapter 0.
"""

from __future__ import annotations

import html
import json
from typing import Any

from book.plots import figure_classes, img_tag

__all__ = ["static_html"]


def _controls(fig: Any) -> list[str]:
    parts = ['<div class="book-explore-controls" style="display:flex;flex-wrap:wrap;gap:1em">']
    for k, s in enumerate(fig.sliders):
        label = html.escape(s.label)
        if s.is_choice:
            opts = "".join(
                f'<option value="{i}"{" selected" if i == s.default_index else ""}>'
                f"{html.escape(o)}</option>"
                for i, o in enumerate(s.values)
            )
            parts.append(f'<label>{label} <select data-k="{k}">{opts}</select></label>')
        else:
            parts.append(
                f'<label>{label} <input type="range" data-k="{k}" min="0" '
                f'max="{len(s.values) - 1}" step="1" value="{s.default_index}"> '
                f"<output>{html.escape(s.text(s.default_index))}</output></label>"
            )
    parts.append("</div>")
    return parts


def static_html(fig: Any, *, all_frames: bool) -> str:
    """Return the kernel-free HTML of ``fig``: its frames and controls, and the script
    that shows the frame the controls name (frames in row-major slider order).

    ``all_frames=False`` renders the default frame alone, without controls.
    """
    if not isinstance(all_frames, bool):
        raise TypeError(f"all_frames must be True or False, got {all_frames!r}")
    uid = fig.uid()
    default = fig.default_indices
    parts = [
        f'<div class="book-explore" id="{uid}">',
        f"<p><strong>{html.escape(fig.title)}</strong></p>",
    ]
    if all_frames:
        parts += _controls(fig)
    else:
        parts.append(
            "<p><em>Static preview at the default setting; the built book and a live "
            "kernel show the interactive version.</em></p>"
        )
    for n, idx in enumerate(fig.frame_indices(all_frames)):
        frame = fig.render_frame(idx)
        hidden = "" if idx == default else "display:none;"
        parts.append(
            img_tag(
                frame.png,
                frame.alt,
                data_frame=str(n),
                data_axes=json.dumps(frame.axes, separators=(",", ":")),
                width=str(fig.display_width),
                class_=figure_classes(fig.display_width),
                style=hidden + "max-width:100%",
            )
        )
    parts.append("</div>")
    if all_frames:
        labels = [[s.text(i) for i in range(len(s.values))] for s in fig.sliders]
        parts.append(_SCRIPT.replace("UID", uid).replace("LABELS", json.dumps(labels)))
    return "\n".join(parts)


_SCRIPT = """<script>
(function () {
  var root = document.getElementById("UID");
  var labels = LABELS;
  var controls = root.querySelectorAll("[data-k]");
  var frames = root.querySelectorAll("img[data-frame]");
  function show() {
    var index = 0;
    controls.forEach(function (c) {
      var k = Number(c.dataset.k);
      index = index * labels[k].length + Number(c.value);
      var out = c.parentNode.querySelector("output");
      if (out) { out.textContent = labels[k][Number(c.value)]; }
    });
    frames.forEach(function (f) { f.style.display = Number(f.dataset.frame) === index ? "" : "none"; });
  }
  controls.forEach(function (c) { c.addEventListener("input", show); c.addEventListener("change", show); });
  show();
})();
</script>"""
