"""The course package runs a notebook in an environment holding only what it declares.

A new virtual environment gets the closure of ``pyproject.toml``'s runtime dependencies
(staged offline from the installed distributions of ``.venv``, file by file from their
RECORDs) and the package built from this checkout; every module of the package must
import there and find its results files, and the primer and chapter 3 (which reads the
stored results), copied to a temporary folder outside the repository, are executed with
nbclient on that environment's kernel and must run to the end. This is what Binder,
Colab and ``pip install`` give a reader, without the network. (``make colab-like``
executes every chapter that way, with the network, outside ``make test``.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# the primer (where a reader starts) and chapter 3 (which reads the stored results)
NOTEBOOKS = [ROOT / "notebooks" / n for n in ("00_jax_primer.ipynb", "03_empirical.ipynb")]
TEST_ONLY = ["pytest", "nbval", "ruff", "jupyter_book", "hypothesis", "playwright"]


def runtime_closure(requirements: list[str]) -> dict[str, metadata.Distribution]:
    """Return the installed distributions that ``requirements`` need, transitively.

    Raises AssertionError when one is missing or its version is outside the range.
    """
    found: dict[str, metadata.Distribution] = {}
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        dist = metadata.distribution(req.name)
        assert dist.version in req.specifier, f"{req.name} {dist.version} not in {req}"
        key = canonicalize_name(req.name)
        new_extras = [e for e in req.extras if (key, e) not in found]
        if key in found and not new_extras:
            continue
        found[key] = dist
        for e in new_extras:
            found[(key, e)] = dist  # type: ignore[index]
        for sub in dist.requires or []:
            sub_req = Requirement(sub)
            for e in [""] + sorted(req.extras):
                todo.append((sub_req, e))
    return {k: v for k, v in found.items() if isinstance(k, str)}


def _stage(dists: dict[str, metadata.Distribution], site: Path) -> int:
    """Hard-link (or copy) every file of ``dists`` under ``site``; return the count."""
    count = 0
    for dist in dists.values():
        for f in dist.files or []:
            if f.parts[0] == ".." or f.suffix == ".pyc":
                continue  # scripts outside site-packages; bytecode is rebuilt
            src, dst = Path(dist.locate_file(f)), site / f
            if not src.is_file():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
            count += 1
    return count


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory) -> Path:
    """Return the interpreter of a new environment: runtime closure + the course package."""
    tmp = tmp_path_factory.mktemp("fresh")
    env = tmp / "env"
    subprocess.run([sys._base_executable, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    closure = runtime_closure(deps)
    assert not {canonicalize_name(n) for n in TEST_ONLY} & closure.keys()
    assert _stage(closure, site) > 1000
    # build from a copy of the package's sources, so nothing is written into the checkout
    source = tmp / "source"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copytree(ROOT / "book", source / "book", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "results", source / "results", ignore=shutil.ignore_patterns("*.lock"))
    wheels = tmp / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-index", "--no-build-isolation", "-w", wheels, source],
        check=True,
    )
    (wheel,) = wheels.glob("why_sigmoid_course-*.whl")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel], check=True
    )
    subprocess.run([python, "-m", "pip", "check"], check=True)  # the closure is consistent
    return python


def test_runtime_closure_follows_extras_and_markers():
    closure = runtime_closure(["jax>=0.4.30"])
    assert {"jax", "jaxlib", "numpy"} <= closure.keys()
    with pytest.raises(AssertionError, match="not in"):
        runtime_closure(["numpy<1"])


def test_only_runtime_packages_and_the_installed_course(fresh_python):
    probe = (
        "import importlib.util as u, book.claims;"
        f"print(book.claims.__file__); print([m for m in {TEST_ONLY!r} if u.find_spec(m)])"
    )
    out = subprocess.run(
        [fresh_python, "-c", probe], check=True, capture_output=True, text=True, cwd="/"
    ).stdout.splitlines()
    assert Path(out[0]).is_relative_to(fresh_python.parents[1])  # not the checkout
    assert out[1] == "[]"


def test_the_installed_course_ships_every_results_file(fresh_python):
    stored = sorted(p.name for p in (ROOT / "results").iterdir() if p.suffix in (".json", ".jsonl"))
    probe = (
        "import sys; from book.stored import result_file as f; [print(f(n)) for n in sys.argv[1:]]"
    )
    out = subprocess.run(
        [fresh_python, "-c", probe, *stored], check=True, capture_output=True, text=True, cwd="/"
    ).stdout.split()
    for name, found in zip(stored, out, strict=True):
        assert Path(found).is_relative_to(fresh_python.parents[1])  # not the checkout
        assert Path(found).read_bytes() == (ROOT / "results" / name).read_bytes(), name


def test_every_module_of_the_installed_course_imports(fresh_python):
    modules = sorted("book." + p.stem for p in (ROOT / "book").glob("*.py") if p.stem != "__init__")
    probe = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]; print('ok')"
    out = subprocess.run(
        [fresh_python, "-c", probe, *modules], capture_output=True, text=True, cwd="/"
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
    assert len(modules) > 40


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_to_the_end_outside_the_repository(fresh_python, tmp_path, notebook):
    kernels = tmp_path / "jupyter" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    argv = [str(fresh_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "fresh", "language": "python"}
    (kernels / "kernel.json").write_text(json.dumps(spec))
    work = tmp_path / "reader"
    work.mkdir()
    shutil.copy(notebook, work / notebook.name)
    assert not work.is_relative_to(ROOT)
    nb = nbformat.read(work / notebook.name, as_version=4)
    env = {
        "PATH": f"{fresh_python.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "JUPYTER_PATH": str(tmp_path / "jupyter"),
        "JAX_PLATFORMS": "cpu",
        "PYTHONHASHSEED": "0",
    }
    old = {k: os.environ.get(k) for k in [*env, "PYTHONPATH", "VIRTUAL_ENV"]}
    try:
        os.environ.pop("PYTHONPATH", None)
        os.environ.pop("VIRTUAL_ENV", None)
        os.environ.update(env)
        client = NotebookClient(
            nb, kernel_name="fresh", timeout=600, resources={"metadata": {"path": str(work)}}
        )
        client.execute()  # raises CellExecutionError at the first failing cell
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)
    printed = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert "\u2714" in printed  # its claims ran and held
    assert sysconfig.get_paths()["purelib"] not in printed
