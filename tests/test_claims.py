import jax.numpy as jnp
import numpy as np
import pytest

from book.claims import ClaimFailed, claim


def test_claim_that_holds_prints_tick_statement_and_evidence(capsys):
    claim("two is more than one", 2 > 1, "2 > 1")
    assert capsys.readouterr().out == "\u2714 two is more than one (evidence: 2 > 1)\n"


@pytest.mark.parametrize("holds", [np.bool_(True), jnp.array(True), True])
def test_claim_accepts_python_numpy_and_jax_booleans(holds, capsys):
    claim("holds", holds, "ok")
    assert "holds" in capsys.readouterr().out


def test_claim_that_fails_raises_with_statement_and_evidence(capsys):
    with pytest.raises(ClaimFailed, match=r"one is more than two \(evidence: 1 < 2\)"):
        claim("one is more than two", 1 > 2, "1 < 2")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "args, error",
    [
        (("", True, "e"), TypeError),
        (("s", True, ""), TypeError),
        (("s", jnp.array([True, False]), "e"), TypeError),
        (("s", 0.5, "e"), TypeError),
        (("two\nlines", True, "e"), ValueError),
    ],
)
def test_claim_rejects_bad_arguments(args, error):
    with pytest.raises(error):
        claim(*args)
