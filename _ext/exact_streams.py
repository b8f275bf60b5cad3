"""Sphinx extension: printed text renders the same however the kernel split it.

myst-nb's ``nb_merge_streams`` shows a cell's printed text as one block, but it strips
each stream message's trailing whitespace and adds a newline before joining them
(``myst_nb.core.utils.coalesce_streams``, myst-nb 1.4). So ``print("shapes:", x)``,
whose two writes the kernel sends as one message or, now and then, as two (it flushes on
a timer), renders as one line or as two: a re-executed notebook's page could differ from
the last build's for no reason in the notebook. This extension joins the messages of each
stream exactly first (their texts concatenated, as nbval and Jupyter's front ends do),
then hands the outputs to myst-nb's merge, which then sees one message per stream.
``.ci/interrupted_build.py`` compares a rebuilt site with the first byte for byte, which
is how the difference showed. Listed in ``_config.yml`` under ``sphinx.local_extensions``.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["join_streams", "setup"]


def join_streams(outputs: list) -> list:
    """Return ``outputs`` with every stream output appended, text exactly, to the first
    output of its stream (``stdout``, ``stderr``); other outputs keep their order. The
    given outputs are not modified."""
    joined, streams = [], {}
    for output in outputs:
        if output.get("output_type") == "stream":
            name = output.get("name")
            if name in streams:
                streams[name]["text"] += output.get("text", "")
                continue
            output = copy.deepcopy(output)
            streams[name] = output
        joined.append(output)
    return joined


def setup(app) -> dict[str, Any]:
    """Put :func:`join_streams` in front of myst-nb's stream merge; returns the metadata."""
    import myst_nb.core.render as render

    merge = render.coalesce_streams
    if not getattr(merge, "joins_streams_exactly", False):

        def coalesce_streams(outputs):
            return merge(join_streams(outputs))

        coalesce_streams.joins_streams_exactly = True
        render.coalesce_streams = coalesce_streams
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
