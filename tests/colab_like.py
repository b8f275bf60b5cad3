"""Run every chapter in a Colab-like environment: ``make colab-like`` (needs the network).

With ``--floors`` (``make lowest-versions``) every runtime dependency of ``pyproject.toml``
is pinned at its lowest allowed version instead (JAX 0.4.30, NumPy 1.26, ...).

Colab's runtime pins an old IPython stack (IPython 7.34, ipykernel 5.5.6) that the course
package must not upgrade. This builds a new virtual environment under
``_build/colab-like`` with that stack, ipywidgets at the package's floor (8.1.0), the
lock's numerical libraries (JAX, NumPy, SciPy, Matplotlib, optax, scikit-learn, tqdm), and
the course package installed from a wheel of this checkout; then executes every notebook,
copied to a temporary folder outside the repository, on that environment's kernel, and
prints the versions used and each notebook's time. Exits 1 if any notebook fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
ENV = ROOT / "_build" / "colab-like"
PINS = ["ipython==7.34.0", "ipykernel==5.5.6", "ipywidgets==8.1.0"]
FROM_LOCK = ["jax", "jaxlib", "numpy", "scipy", "matplotlib", "optax", "scikit-learn", "tqdm"]
KERNEL = "colab-like"


def locked(names: list[str]) -> list[str]:
    """Return the ``name==version`` lines of ``requirements.txt`` for ``names``."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = f"{name.strip()}=={version.strip()}"
    missing = [n for n in names if n not in pins]
    if missing:
        raise SystemExit(f"requirements.txt has no pin for {missing}")
    return [pins[n] for n in names]


def floors() -> list[str]:
    """Return ``name==floor`` for every runtime dependency of ``pyproject.toml`` (plus
    jaxlib at JAX's floor, which pip would otherwise take at its newest)."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = []
    for dep in deps:
        m = re.match(r"^([A-Za-z0-9_.-]+)>=([0-9.]+)", dep)
        if not m:
            raise SystemExit(f"no floor in dependency {dep!r}")
        pins.append(f"{m[1]}=={m[2]}")
        if m[1] == "jax":
            pins.append(f"jaxlib=={m[2]}")
    return pins


def run(*cmd: str | Path) -> str:
    out = subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True)
    return out.stdout


def build_env(pins: list[str]) -> Path:
    """Create the environment with ``pins`` installed; return its python."""
    shutil.rmtree(ENV, ignore_errors=True)
    run(sys.executable, "-m", "venv", ENV)
    py = ENV / "bin" / "python"
    pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run(*pip, *pins)
    with tempfile.TemporaryDirectory() as wheels:
        run(py, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT)
        run(*pip, "--no-deps", *Path(wheels).glob("*.whl"))
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' in-tree build folder
    run(py, "-m", "ipykernel", "install", "--prefix", ENV, "--name", KERNEL)
    return py


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--floors", action="store_true", help="every dependency at its floor")
    args = parser.parse_args()
    t0 = time.perf_counter()
    py = build_env(floors() if args.floors else [*PINS, *locked(FROM_LOCK)])
    print(f"environment built in {time.perf_counter() - t0:.0f} s:")
    print(
        run(
            py,
            "-c",
            "from importlib.metadata import version as v; print(', '.join(f'{n} {v(n)}' for n "
            "in ['ipython', 'ipykernel', 'ipywidgets', 'jupyter_client', 'jax', 'jaxlib', 'optax', "
            "'numpy', 'scipy', 'matplotlib', 'scikit-learn', 'tqdm', 'why-sigmoid-course']))",
        ).strip()
    )
    os.environ["JUPYTER_PATH"] = str(ENV / "share" / "jupyter")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    failed = []
    with tempfile.TemporaryDirectory() as work:
        for src in notebooks:
            dst = Path(work) / src.name
            shutil.copy(src, dst)
            nb = nbformat.read(dst, as_version=4)
            t = time.perf_counter()
            try:
                NotebookClient(
                    nb, kernel_name=KERNEL, timeout=900, resources={"metadata": {"path": work}}
                ).execute()
                print(f"{src.name}: ran to the end in {time.perf_counter() - t:.0f} s", flush=True)
            except Exception as err:  # report every notebook, then fail
                failed.append(src.name)
                print(f"{src.name}: FAILED after {time.perf_counter() - t:.0f} s: {err}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
