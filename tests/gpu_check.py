"""Run the chapters on an accelerator and report each claim that holds or fails.

``make gpu-check`` runs this script. The stored outputs of the notebooks are produced
on CPU (``JAX_PLATFORMS=cpu``, checked by nbval); this script executes each notebook
on whatever device JAX finds (a GPU or TPU), keeps going past a failed claim, and
prints every claim with its evidence next to the stored CPU evidence. Without an
accelerator it says so and exits 0. Exit status 1 when a claim fails or is not reached.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAILED = re.compile(r"claim does not hold: (?P<statement>.+) \(evidence: (?P<evidence>.+)\)$")


def _stored(nb_path: Path) -> dict[str, str]:
    from book.ledger import claims_in_notebook

    return {e.statement: e.evidence for e in claims_in_notebook(nb_path)}


def _outcomes(nb: dict) -> tuple[dict[str, tuple[bool, str]], list[str]]:
    from book.ledger import _CLAIM_LINE

    seen: dict[str, tuple[bool, str]] = {}
    errors = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                text = out["text"] if isinstance(out["text"], str) else "".join(out["text"])
                for line in text.splitlines():
                    m = _CLAIM_LINE.match(line)
                    if m:
                        seen[m["statement"]] = (True, m["evidence"])
            elif out.get("output_type") == "error":
                m = FAILED.match(out.get("evalue", ""))
                if out.get("ename") == "ClaimFailed" and m:
                    seen[m["statement"]] = (False, m["evidence"])
                else:
                    errors.append(f"{out.get('ename')}: {out.get('evalue', '')[:200]}")
    return seen, errors


def main() -> int:
    import jax
    import nbformat
    from nbclient import NotebookClient

    devices = jax.devices()
    print(f"JAX devices: {devices}")
    if all(d.platform == "cpu" for d in devices):
        print("no accelerator found: nothing to check (nbval checks the CPU outputs)")
        return 0
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "appendices").glob("*.ipynb")
    )
    if len(sys.argv) > 1:
        notebooks = [n for n in notebooks if any(a in n.name for a in sys.argv[1:])]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in notebooks:
            work = Path(tmp) / src.parent.name
            work.mkdir(exist_ok=True)
            dst = work / src.name
            shutil.copy(src, dst)
            nb = nbformat.read(dst, as_version=4)
            start = time.perf_counter()
            NotebookClient(
                nb, timeout=900, allow_errors=True, resources={"metadata": {"path": str(work)}}
            ).execute()
            seconds = time.perf_counter() - start
            seen, errors = _outcomes(json.loads(nbformat.writes(nb)))
            stored = _stored(src)
            print(f"\n== {src.parent.name}/{src.name} ({seconds:.0f} s on {devices[0].platform})")
            for statement, cpu_evidence in stored.items():
                if statement in seen:
                    holds, evidence = seen[statement]
                    mark = "holds" if holds else "FAILS"
                    bad += not holds
                    print(
                        f"  {mark}: {statement}\n     here: {evidence}\n     CPU:  {cpu_evidence}"
                    )
                else:
                    bad += 1
                    print(f"  NOT REACHED: {statement}\n     CPU:  {cpu_evidence}")
            for statement in seen.keys() - stored.keys():
                holds, evidence = seen[statement]
                print(f"  {'holds' if holds else 'FAILS'} (new wording): {statement} ({evidence})")
                bad += not holds
            for error in errors:
                print(f"  cell error: {error}")
    print(f"\n== {bad} claim(s) failed or not reached on {devices[0].platform}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
