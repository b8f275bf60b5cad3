"""Stored results are found in a checkout (book/stored.py); after a pip install:
tests/test_fresh_environment.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import book
from book.stored import result_file, results_dir

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_reads_its_results_folder():
    assert results_dir() == ROOT / "results"
    assert result_file("ch5_moe.jsonl") == ROOT / "results" / "ch5_moe.jsonl"


@pytest.mark.parametrize("name", ["../pyproject.toml", "results/ch5_moe.jsonl", ""])
def test_a_path_is_not_a_file_name(name):
    with pytest.raises(ValueError, match="plain file name"):
        result_file(name)


def test_an_unknown_file_lists_the_stored_ones():
    with pytest.raises(ValueError, match="ch5_moe.jsonl"):
        result_file("ch9_nothing.jsonl")
    with pytest.raises(TypeError, match="name must be"):
        result_file(Path("ch5_moe.jsonl"))


def test_the_package_says_it_is_the_course():
    assert book.COURSE == "why-sigmoid-in-llms" and book.__version__
