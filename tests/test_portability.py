"""The course package imports on every platform: no POSIX-only module at import time."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSIX_ONLY = ("fcntl", "termios", "resource", "pwd", "grp")

SCRIPT = f"""
import importlib, pkgutil, sys
for name in {POSIX_ONLY!r}:
    sys.modules[name] = None  # `import fcntl` now raises ImportError, as on Windows
modules = [m.name for m in pkgutil.iter_modules([{str(ROOT / "book")!r}])]
for m in modules:
    importlib.import_module("book." + m)
print(len(modules))
"""


def test_every_module_of_book_imports_without_posix_only_modules():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.split()[-1]) >= 20  # every module was imported, not none


def test_the_check_catches_a_module_level_posix_import(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "locky.py").write_text("import fcntl\n")
    script = SCRIPT.replace(repr(str(ROOT / "book")), repr(str(tmp_path / "book")))
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode != 0 and "fcntl" in out.stderr
