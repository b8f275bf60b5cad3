"""The book build's execution of every notebook matches its stored outputs, as nbval
judges them (``tests/stored_outputs.py``): nbval's check, without executing again.

Needs a finished build (``make book``), as the other tests of ``tests/site`` do.
"""

from __future__ import annotations

import pytest

from tests.stored_outputs import ROOT, build_execution, compare_notebooks, sanitize_patterns

NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("appendices/*.ipynb")])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_builds_execution_matches_the_stored_outputs(path):
    import nbformat

    try:
        executed = build_execution(path)
    except LookupError as e:
        pytest.fail(str(e))
    stored = nbformat.read(path, as_version=4)
    failures = compare_notebooks(stored, executed, sanitize_patterns())
    assert not failures, f"{path.name}: the build's execution differs from the stored outputs\n" + (
        "\n\n".join(failures)
    )
