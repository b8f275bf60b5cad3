"""The static front end of :mod:`book.explore`: an interactive figure with no kernel.

:func:`static_html` renders precomputed frames over the slider grid into one HTML
block, with the course's figure module (``book/explore_frames.js``, the live widget's
JavaScript too) inlined in a ``<script type="module">``: it builds the native controls
(``<input type="range">``, ``<select>``) and shows the frame they name, taking it from
the page; nothing is loaded from elsewhere. With ``all_frames=False`` it holds the
default frame alone, without controls or script, which keeps committed notebooks
light; the book build renders every frame. Introduced in chapter 0.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from book.plots import figure_classes, img_tag

__all__ = ["FRAMES_JS", "control_spec", "static_html", "preview_html"]

FRAMES_JS: str = Path(__file__).with_name("explore_frames.js").read_text(encoding="utf-8")
if "</script" in FRAMES_JS.lower() or "<!--" in FRAMES_JS:
    raise ValueError("explore_frames.js must not contain '</script' or '<!--' (it is inlined)")


PREVIEW_NOTE = (
    "<p><em>Static preview at the default setting; the built book and a live "
    "kernel show the interactive version.</em></p>"
)
# The parts of static_html(fig, all_frames=True) that preview_html keeps or drops.
_ALL_FRAMES = re.compile(
    r'(<div class="book-explore" id="[^"]*">\n<p><strong>.*?</strong></p>)\n'
    r'(<div class="book-explore-frames">)\n(.*)\n</div>\n</div>\n'
    r'<script type="module">\n.*</script>',
    re.S,
)


def control_spec(fig: Any) -> dict:
    """Return the controls of ``fig`` as the figure module reads them: slider ``labels``,
    the value texts of each slider (``options``), whether each is a ``choice`` (a
    ``<select>``) and the ``defaults`` (indices). Used by both front ends (chapter 0)."""
    return {
        "labels": [s.label for s in fig.sliders],
        "options": [[s.text(i) for i in range(len(s.values))] for s in fig.sliders],
        "choice": [bool(s.is_choice) for s in fig.sliders],
        "defaults": list(fig.default_indices),
    }


def static_html(fig: Any, *, all_frames: bool) -> str:
    """Return the kernel-free HTML of ``fig``: its frames (row-major over the slider
    grid, each ``<img data-frame=n data-axes=...>``) and the inlined figure module that
    builds the controls and shows the frame they name.

    ``all_frames=False`` renders the default frame alone, without controls or script.
    Raises ``TypeError`` if ``all_frames`` is not a bool.
    """
    if not isinstance(all_frames, bool):
        raise TypeError(f"all_frames must be True or False, got {all_frames!r}")
    uid = fig.uid()
    default = fig.default_indices
    parts = [
        f'<div class="book-explore" id="{uid}">',
        f"<p><strong>{html.escape(fig.title)}</strong></p>",
    ]
    if not all_frames:
        parts.append(PREVIEW_NOTE)
    parts.append('<div class="book-explore-frames">')
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
    parts += ["</div>", "</div>"]
    if all_frames:
        # JSON in a script: "</" would end it, so every "<" is escaped.
        spec = json.dumps(control_spec(fig)).replace("<", "\\u003c")
        parts.append(
            f'<script type="module">\n{FRAMES_JS}\nmountStatic("{uid}", {spec});\n</script>'
        )
    return "\n".join(parts)


def preview_html(all_frames_html: str) -> str:
    """Return what ``static_html(fig, all_frames=False)`` gives, computed from the
    all-frame HTML of the same figure: the default frame alone (renumbered 0), the
    preview note, no controls or script.

    The book build renders every frame and committed notebooks hold one, so this is how
    the build's execution is compared with the stored outputs (``tests/stored_outputs.py``).
    Raises ``TypeError`` for a non-string and ``ValueError`` for HTML that is not an
    interactive figure's all-frame rendering.
    """
    if not isinstance(all_frames_html, str):
        raise TypeError(f"all_frames_html must be a str, got {type(all_frames_html).__name__}")
    m = _ALL_FRAMES.fullmatch(all_frames_html)
    if m is None:
        raise ValueError("all_frames_html is not static_html(fig, all_frames=True) output")
    shown = [t for t in re.findall(r"<img\b[^>]*>", m[3]) if 'style="display:none;' not in t]
    if len(shown) != 1:
        raise ValueError(f"all_frames_html must show exactly one frame, it shows {len(shown)}")
    default = re.sub(r' data-frame="\d+"', ' data-frame="0"', shown[0], count=1)
    return "\n".join([m[1], PREVIEW_NOTE, m[2], default, "</div>", "</div>"])
