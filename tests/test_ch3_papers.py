"""Chapter 3's published numbers name the book's variants and keep the papers' order."""

from book import transformer as tf
from book.activations import display_name
from book.ch3_papers import GLOROT, NARANG, NARANG_ELU_SELU_FINAL, NARANG_SELU, SHAZEER


def test_the_tables_name_known_variants_and_settings():
    assert set(NARANG) <= set(tf.FFN_VARIANTS) and set(SHAZEER) <= set(NARANG)
    for act, init in GLOROT:
        display_name(act)  # raises for an unknown activation
        assert init in ("glorot", "standard")


def test_values_as_printed_in_the_papers():
    assert GLOROT[("sigmoid", "standard")] == (82.61, 2.21)
    assert NARANG["sigmoid"] == (2.291, 1.867) and SHAZEER["swiglu"] == 1.944
    # sigmoid is last of the nine early losses, and SeLU's early loss is worse still
    assert max(NARANG, key=lambda v: NARANG[v][0]) == "sigmoid"
    assert NARANG["sigmoid"][0] < NARANG_SELU and min(NARANG_ELU_SELU_FINAL) > 1.867
