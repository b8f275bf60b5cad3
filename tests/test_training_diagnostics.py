"""Tests of book.training_diagnostics: update-to-data ratios, layer histograms, traced SGD."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import nets
from book import training_diagnostics as td

STACK = nets.init_deep_stack(jax.random.key(0), 6, 5, 3, 4, "glorot")


def test_ratio_of_a_known_update_is_log10_of_its_scale():
    # An update of 1e-3 times the weights has std 1e-3 * std(W): log10 ratio exactly -3.
    update = jax.tree_util.tree_map(lambda a: 1e-3 * a, STACK)
    ratio = np.asarray(td.update_to_data_ratio(update, STACK))
    assert ratio.shape == (5,)  # first, 3 hidden, out
    np.testing.assert_allclose(ratio, -3.0, atol=1e-5)


def test_ratio_is_per_layer():
    scales = jnp.array([1e-1, 1e-2, 1e-4])
    update = {
        "first": {"W": 1e-2 * STACK["first"]["W"], "b": STACK["first"]["b"]},
        "hidden": {"W": scales[:, None, None] * STACK["hidden"]["W"], "b": STACK["hidden"]["b"]},
        "out": {"W": 10.0 * STACK["out"]["W"], "b": STACK["out"]["b"]},
    }
    np.testing.assert_allclose(
        np.asarray(td.update_to_data_ratio(update, STACK)), [-2, -1, -2, -4, 1], atol=1e-5
    )


def test_ratio_rejects_mismatched_shapes_and_non_stacks():
    other = nets.init_deep_stack(jax.random.key(1), 6, 7, 3, 4)
    with pytest.raises(ValueError, match="same shapes"):
        td.update_to_data_ratio(other, STACK)
    with pytest.raises(ValueError, match="update must be a deep stack"):
        td.update_to_data_ratio([STACK["first"]], STACK)


def test_histograms_count_each_layer_and_clip_the_tails():
    values = jnp.array([[0.1, 0.2, 0.7, 5.0], [-3.0, 0.6, 0.9, 0.95]])
    shares = np.asarray(td.layer_histograms(values, jnp.array([0.0, 0.5, 1.0])))
    np.testing.assert_allclose(shares, [[0.5, 0.5], [0.25, 0.75]])


def test_histograms_reject_bad_edges_and_missing_layer_axis():
    with pytest.raises(ValueError, match="edges"):
        td.layer_histograms(jnp.ones((2, 3)), jnp.array([1.0]))
    with pytest.raises(ValueError, match="layer axis"):
        td.layer_histograms(jnp.ones(3), jnp.array([0.0, 1.0]))


def test_stack_trace_matches_deep_stack_forward_and_nudges_give_dl_dh():
    x = jax.random.normal(jax.random.key(2), (7, 6))
    logits, hidden = td.stack_trace(STACK, x, 1, ["sigmoid", "tanh"])
    expected = nets.deep_stack_forward(STACK, x, 4, 1, ["sigmoid", "tanh"])
    np.testing.assert_allclose(np.asarray(logits), np.asarray(expected), rtol=1e-5, atol=1e-6)
    assert hidden.shape == (4, 7, 5)
    # dL/dh of the last hidden layer for L = sum(logits) is the row sums of W_out.
    dh = jax.grad(lambda n: td.stack_trace(STACK, x, 1, ["sigmoid", "tanh"], n)[0].sum())(
        jnp.zeros_like(hidden)
    )
    np.testing.assert_allclose(
        np.asarray(dh[-1]), np.broadcast_to(STACK["out"]["W"].sum(1), (7, 5)), rtol=1e-5
    )


def test_sgd_with_diagnostics_records_every_step_and_learns():
    x = jax.random.normal(jax.random.key(3), (64, 6))
    y = (x[:, 0] > 0).astype(jnp.int32)
    records = td.sgd_with_diagnostics(
        STACK,
        x,
        y,
        activation_index=1,
        selection=("sigmoid", "tanh"),
        learning_rate=0.3,
        steps=60,
        batch_size=16,
        key=jax.random.key(4),
    )
    assert records["ratio"].shape == (60, 5)
    assert records["activations"].shape == (60, 4, td.EDGES["activations"].size - 1)
    np.testing.assert_allclose(np.asarray(records["gradients"].sum(-1)), 1.0, rtol=1e-5)
    assert float(records["loss"][-10:].mean()) < float(records["loss"][:10].mean())


def test_sgd_with_diagnostics_rejects_bad_counts():
    kw = dict(
        activation_index=0,
        selection=("sigmoid",),
        learning_rate=0.1,
        batch_size=4,
        key=jax.random.key(0),
    )
    with pytest.raises(ValueError, match="steps must be a positive int"):
        td.sgd_with_diagnostics(STACK, jnp.ones((4, 6)), jnp.zeros(4, jnp.int32), steps=0, **kw)
    with pytest.raises(ValueError, match="batch_size"):
        td.sgd_with_diagnostics(
            STACK, jnp.ones((4, 6)), jnp.zeros(4, jnp.int32), steps=2, **{**kw, "batch_size": 0}
        )


def test_plot_layers_shades_from_pale_to_the_colour():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import to_rgb
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    lines = td.plot_layers(ax, np.arange(3), np.ones((4, 3)), "#CC3311", ls="--")
    assert len(lines) == 4 and lines[0].get_linestyle() == "--"
    np.testing.assert_allclose(to_rgb(lines[-1].get_color()), to_rgb("#CC3311"))
    # paler means closer to white: a larger sum of the channels
    assert sum(to_rgb(lines[0].get_color())) > sum(to_rgb(lines[-1].get_color()))
    with pytest.raises(ValueError, match="one column per value of x"):
        td.plot_layers(ax, np.arange(2), np.ones((4, 3)), "#CC3311")


def test_draw_histograms_draws_a_line_per_layer_and_stack():
    from matplotlib.figure import Figure

    fig = Figure()
    bins = {k: e.size - 1 for k, e in td.EDGES.items()}
    records = {k: np.ones((2, 3, n)) / n for k, n in bins.items()}
    td.draw_histograms(fig, records, {"a": ("#CC3311", "-"), "b": ("#0077BB", "--")}, 5)
    assert len(fig.axes) == 4
    assert all(len(ax.lines) == 3 for ax in fig.axes)
    assert fig.axes[0].get_title() == "a, step 5"
    with pytest.raises(ValueError, match="one stack per row"):
        td.draw_histograms(Figure(), records, {"a": ("#CC3311", "-")}, 5)


STYLES = {"sigmoid": ("#cc0000", "-"), "tanh": ("#0000cc", "-"), "twin": ("#cc0000", "--")}


def test_update_ratio_figure_draws_one_line_per_layer_per_stack():
    ratios = np.zeros((3, 4, 5))  # stacks, steps, layers
    ratios[0] = np.arange(5) - 8.0  # sigmoid: layer 1 at -8, output layer at -4
    ratios[1:] = -3.0
    fig, alt = td.update_ratio_figure(ratios, STYLES)
    assert len(fig.axes) == 3
    assert [len(ax.lines) for ax in fig.axes] == [6, 6, 6]  # 5 layers + the -3 line
    assert [ax.get_title() for ax in fig.axes] == list(STYLES)
    assert fig.axes[0].get_ylim() == (-9, -1)
    assert "from about -8 for layer 1 to about -4" in alt
    assert "between -3.0 and -3.0" in alt
    with pytest.raises(ValueError, match="one stack per style"):
        td.update_ratio_figure(ratios[:2], STYLES)


def test_watch_summary_reports_the_first_and_last_step():
    ratio = np.zeros((1, 60, 4))
    ratio[0, 0] = [-5.0, -4.0, -3.0, -2.0]
    ratio[0, -1] = [-6.0, -4.5, -3.0, -2.0]
    loss = np.concatenate([np.full(50, 2.0), np.full(10, 1.0)])[None]
    line = td.watch_summary({"ratio": ratio, "loss": loss}, ["sigmoid"], 3)
    assert line == (
        "     sigmoid: ratio at step 0 / last, layer 1 -5.0 / -6.0, layer 3 -3.0 / -3.0; "
        "loss, first / last 50 steps 2.00 / 1.80"  # (40 x 2 + 10 x 1) / 50
    )
    with pytest.raises(ValueError, match="depth must be an int from 1 to 4"):
        td.watch_summary({"ratio": ratio, "loss": loss}, ["sigmoid"], 5)
    with pytest.raises(ValueError, match="names"):
        td.watch_summary({"ratio": ratio, "loss": loss}, ["a", "b"], 3)
