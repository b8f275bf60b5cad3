"""The repository URL lives in one place, ``repository.url`` in ``_config.yml``.

The launch and repository buttons derive from it; each notebook's first cell installs the
course package from it with a guarded ``%pip install "git+<url>"``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "appendices").glob("*.ipynb")
)
PIP_LINE = re.compile(r'%pip install -q "git\+(?P<url>[^"]+)"')
GUARD = (
    "try:\n"
    "    from book import COURSE  # the course's shared code (installed by `make`)\n"
    "except ImportError:  # e.g. Colab or a bare Jupyter: install it from the repository\n"
)


def repository_url() -> str:
    """Return ``repository.url`` from ``_config.yml``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"]


def first_code_cell(path: Path) -> str:
    """Return the source of the first code cell of the notebook at ``path``."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = next(c["source"] for c in cells if c["cell_type"] == "code")
    return source if isinstance(source, str) else "".join(source)


def test_repository_url_is_an_https_github_repository():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repository_url())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_installs_the_package_from_repository_url(path):
    source = first_code_cell(path)
    assert source.startswith(GUARD), "the first cell starts with the guarded install"
    urls = PIP_LINE.findall(source)
    assert urls == [repository_url()], f"{path.name} installs from {urls}"


def test_the_pattern_catches_a_different_url():
    cell = GUARD + '    %pip install -q "git+https://github.com/someone/else"\n'
    assert PIP_LINE.findall(cell) != [repository_url()]
