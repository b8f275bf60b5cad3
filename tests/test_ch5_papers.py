import numpy as np
import pytest

from book import ch5_papers as p5
from book.results import PairedDifference

SEP = PairedDifference(-0.2, 0.1, 0.01, 3, 0.95)  # separated, sigmoid lower
NOT_SEP = PairedDifference(0.05, 0.1, 0.4, 3, 0.95)


def exact(**changes):
    args = dict(
        per_token=11008,
        hidden=11008,
        glu_gap=0.0,
        gtu_ratio=0.31,
        far_ratio=1234.0,
        best_acc={0.0: np.array([0.25, 0.27]), 1.0: np.array([0.9, 0.5, 0.95])},
        cosine=0.97,
        softmax_gap=1e-8,
        flops_ratio=5000.0,
        n_capped=64000,
        cap_max=29.9999,
        same_top=True,
    )
    return p5.exact_rows(**(args | changes))


def test_exact_rows_give_each_verdict_from_its_own_numbers():
    rows = exact()
    assert [r[3] for r in rows] == [
        "exact",
        "exact",
        "agrees",
        "works as used; identity exact",
        "agrees",
        "exact",
    ]
    assert "1,234x more gradient" in rows[2][2] and "3 seeds" in rows[2][2]
    assert "median 0.90" in rows[2][2] and "∂h/∂a = σ(g) exactly" in rows[1][2]
    changed = exact(per_token=2, flops_ratio=10.0, same_top=False, cosine=0.5)
    assert [changed[i][3] for i in (0, 4, 5)] == ["differs", "smaller saving", "differs"]
    assert changed[3][3].startswith("weak recovery")
    with pytest.raises(ValueError, match="best_acc must hold"):
        exact(best_acc={1.0: np.ones(3)})


def test_moe_rows_read_balance_from_the_per_seed_loads():
    summary = {
        v: {"mom_raw": np.array(m), "max_over_mean": (np.mean(m), 0.1)}
        for v, m in {
            "softmax": [2.0, 2.2],
            "sigmoid": [2.1, 2.3],
            "softmax_bias": [1.1, 1.2],
            "sigmoid_bias": [1.0, 1.1],
        }.items()
    }
    good = {"sigmoid": 3, "softmax": 1}
    rows = p5.moe_rows(
        summary, closer=5, n_draws=5, good=good, balance_gap=SEP, vs_soft={"x": NOT_SEP}
    )
    assert rows[0][3] == "agrees, for either router"
    assert rows[1][3] == "sigmoid easier to balance frozen; sigmoid balances better in training"
    assert rows[1][2].endswith("test loss not separated")
    summary["softmax_bias"]["mom_raw"] = np.array([1.0, 2.1])  # overlaps softmax's
    rows = p5.moe_rows(summary, closer=3, n_draws=5, good=good, balance_gap=NOT_SEP, vs_soft={})
    assert rows[0][3] == "not reproduced"
    assert rows[1][3] == "frozen: sigmoid not clearly easier; not separated in training"
    with pytest.raises(TypeError, match="balance_gap must be a PairedDifference"):
        p5.moe_rows(summary, closer=3, n_draws=5, good=good, balance_gap=0.1, vs_soft={})


def test_attention_rows_and_the_siglip_row():
    rows = p5.attention_rows(
        tuned_gap=NOT_SEP,
        gated_test=np.array([1.0, 1.1, 1.2]),
        soft_test=np.array([1.3, 1.4, 1.5]),
        soft_lr=0.003,
        hi=0.03,
        gated_at_hi=SEP,
        mean_val={
            ("softmax", 0.003): 1.0,
            ("softmax", 0.03): 1.5,
            ("gated", 0.003): 1.0,
            ("gated", 0.03): 0.9,
        },
        high_rate_ok=True,
        ratios={0.003: (0.9, 1.1)},
        no_sink=True,
    )
    assert [r[3] for r in rows] == [
        "consistent (not separated)",
        "agrees in direction",
        "not testable: no sink formed",
    ]
    assert "-0.300 ± 0.000" in rows[1][2] and "softmax +0.500, gated -0.100" in rows[1][2]
    assert "×0.90 (lr 0.003)" in rows[2][2]
    row = p5.siglip_row({4: SEP, 8: NOT_SEP}, [4, 8])
    assert "-0.200 to +0.050" in row[2] and "SigLIP ahead at no batch, CLIP at B = 4" in row[2]
    with pytest.raises(ValueError, match="batches must not be empty"):
        p5.siglip_row({4: SEP}, [])
