import nbformat

from book.claims import format_claim
from tests.gpu_check import _outcomes


def _error(ename, evalue):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])


def test_outcomes_separate_held_failed_claims_and_other_errors():
    nb = nbformat.v4.new_notebook()
    held = format_claim("a holds", "0.5") + "\n"
    nb.cells = [
        nbformat.v4.new_code_cell(
            "", outputs=[nbformat.v4.new_output("stream", name="stdout", text=held)]
        ),
        nbformat.v4.new_code_cell(
            "", outputs=[_error("ClaimFailed", "claim does not hold: b is small (evidence: 9.1)")]
        ),
        nbformat.v4.new_code_cell("", outputs=[_error("NameError", "name 'x' is not defined")]),
    ]
    seen, errors = _outcomes(nb)
    assert seen == {"a holds": (True, "0.5"), "b is small": (False, "9.1")}
    assert errors == ["NameError: name 'x' is not defined"]
