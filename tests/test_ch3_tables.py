"""Chapter 3's results tables: their rows, order and argument checks."""

import numpy as np
import pytest

from book import ch3_tables as tables
from book.results import PairedDifference, TunedRate


def _tuned(values, lr=0.1, edge=False):
    return TunedRate(lr=lr, edge=edge, seeds=(0, 1), values=np.array(values), by_lr={})


def _rows(table):
    return [line.split(" | ") for line in table.splitlines()[2:]]


def test_mlp_table_sorts_best_first_and_marks_chance():
    mlp = {
        ("sigmoid", "standard"): _tuned([0.9, 0.9], lr=1.0, edge=True),
        ("tanh", "glorot"): _tuned([0.1, 0.1]),
    }
    table = tables.mlp_table(mlp, [("sigmoid", "standard")])
    assert table.splitlines()[2] == "| tanh | N | 0.1 | 10.0 ± 0.0 |"
    assert (
        table.splitlines()[3]
        == "| sigmoid | standard | 1 (edge) (all rates at chance) | 90.0 ± 0.0 |"
    )
    with pytest.raises(ValueError, match="init"):
        tables.mlp_table({("tanh", "he"): _tuned([0.1, 0.1])})


def test_glorot_table_ranks_ours_and_theirs_with_ties_sharing():
    published = {("tanh", "glorot"): (15.6, 1.64), ("softsign", "standard"): (16.27, 1.64),
                 ("sigmoid", "standard"): (82.61, 2.21)}  # fmt: skip
    ours = {("tanh", "glorot"): 2.0, ("softsign", "standard"): 3.0, ("sigmoid", "standard"): 9.0}
    rows = _rows(tables.glorot_table(ours, published))
    assert [r[0] for r in rows] == ["| tanh N", "| softsign", "| sigmoid"]
    assert [r[2] for r in rows] == ["1.64 (1)", "1.64 (1)", "2.21 (3)"]
    assert rows[1][1] == "3.0 (2)"
    with pytest.raises(ValueError, match="ours"):
        tables.glorot_table({}, published)


def test_count_table_marks_the_grid_edge():
    count = {
        "unigram": dict(k=1.0, edge=True, test=4.5),
        "bigram": dict(k=0.03, edge=False, test=3.25),
    }
    assert _rows(tables.count_table(count)) == [["| unigram", "1 (edge)", "4.500 |"],
                                                ["| bigram", "0.03", "3.250 |"]]  # fmt: skip
    with pytest.raises(ValueError, match="count"):
        tables.count_table({"unigram": {"k": 1.0}})


def test_published_table_gives_differences_to_relu():
    test = {"relu": np.array([1.0, 2.0, 3.0]), "gelu": np.array([1.5, 2.5, 3.5])}
    early, final = {"relu": 2.0, "gelu": 2.25}, {"relu": 1.0, "gelu": 0.875}
    rows = _rows(tables.published_table(["relu", "gelu"], test, early, final, {"relu": 1.0}))
    assert rows[0] == ["| ReLU", "—", "+0.000", "+0.000", "+0.000 |"]
    assert rows[1] == ["| GELU", "+0.500 ± 0.000", "+0.250", "-0.125", "— |"]
    with pytest.raises(ValueError, match="shazeer"):
        tables.published_table(["relu"], test, early, final, {"gelu": 1.0})


def test_shared_rate_table_orders_by_tuned_rank():
    tuned = {"sigmoid": 2, "relu": 1}
    shared = {0.01: {"sigmoid": 1, "relu": 2}, 0.1: {"sigmoid": 2, "relu": 1}}
    table = tables.shared_rate_table(tuned, shared)
    assert table.splitlines()[0] == "| FFN | tuned (validation rank) | rate 0.01 | rate 0.1 |"
    assert _rows(table) == [["| ReLU", "1", "2", "1 |"], ["| sigmoid", "2", "1", "2 |"]]
    with pytest.raises(ValueError, match="shared"):
        tables.shared_rate_table(tuned, {0.01: {"relu": 1}})


def test_tuned_table_names_the_reference_in_its_header():
    tuned = {"relu": _tuned([1.0, 1.0]), "sigmoid": _tuned([2.0, 2.0], lr=1.0, edge=True)}
    values = {"relu": np.array([1.0, 2.0]), "sigmoid": np.array([2.0, 3.5])}
    table = tables.tuned_table(tuned, values, ["relu", "sigmoid"], reference="relu")
    assert table.splitlines()[0].endswith("| minus ReLU, paired by seed |")
    assert _rows(table)[1][1:] == [
        "1 (edge)",
        "2.750 ± 9.530",
        "+1.250 ± 3.177 |",
    ]  # t(0.975, 1) = 12.706
    with pytest.raises(TypeError, match="reference"):
        tables.tuned_table(tuned, values, ["relu"], reference=None)


def test_long_table_adds_the_short_runs_and_the_trigram_row():
    tuned = {"relu": _tuned([1.0, 1.0]), "gelu": _tuned([1.0, 1.0])}
    values = {"relu": np.array([1.0, 2.0]), "gelu": np.array([1.5, 2.5])}
    short = {"relu": np.array([3.0, 4.0]), "gelu": np.array([3.25, 4.25])}
    rows = _rows(tables.long_table(tuned, values, ["relu", "gelu"], short, 2.5))
    assert rows[0][-1] == "— |" and rows[1][-1] == "+0.250 ± 0.000 |"
    assert rows[2] == ["| trigram table", "—", "2.500", "", " |"]
    with pytest.raises(ValueError, match="short"):
        tables.long_table(tuned, values, ["relu", "gelu"], {"relu": short["relu"]}, 2.5)


def test_parameter_table_separates_thousands():
    assert _rows(tables.parameter_table({"swiglu": (171, 32832, 1234567)})) == [
        ["| SwiGLU", "171", "32,832", "1,234,567 |"]
    ]
    with pytest.raises(ValueError, match="counts"):
        tables.parameter_table({"relu": (1, 2)})


def test_gap_lines_and_width_length_lines():
    d = PairedDifference(0.5, 0.25, 0.01, 3, 0.95)
    assert (
        tables.gap_lines({"gelu": [d, d]}, {50: 1})
        == "        GELU minus ReLU: step 50 +0.500 ± 0.250"
    )
    with pytest.raises(ValueError, match="at"):
        tables.gap_lines({"gelu": [d, d]}, {50: 2})
    assert tables.width_length_lines({"gelu": (None, d, d)}) == (
        "        GELU minus ReLU (validation): d = 64 step 200 —; d = 128 step 200 "
        "+0.500 ± 0.250; step 1000 +0.500 ± 0.250"
    )
    with pytest.raises(ValueError, match="split"):
        tables.width_length_lines({"gelu": (d, d)})
