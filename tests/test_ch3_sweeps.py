"""Chapter 3's stored sweeps are read and checked by name."""

import pytest

from book.ch3_sweeps import read_sweep


def test_read_sweep_reads_the_stored_deep_mlp_runs():
    runs = read_sweep("ch3_deep_mlp")["runs"]
    assert {r["config"]["activation"] for r in runs} >= {"sigmoid", "tanh", "softsign"}
    assert all(r["config"]["init"] in ("glorot", "standard") for r in runs)


def test_read_sweep_refuses_a_bad_name():
    with pytest.raises(TypeError, match="name"):
        read_sweep(3)
    with pytest.raises(ValueError):
        read_sweep("no_such_sweep")
