"""Chapter 3's results tables, as Markdown strings the chapter displays.

Each function takes results the chapter has already computed (tuned rates, per-seed
arrays, published numbers) and returns one table built with
:func:`book.results.markdown_table`; none of them runs or tunes anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from book import results
from book.activations import display_name
from book.ch3_figures import label

__all__ = [
    "mlp_table",
    "glorot_table",
    "count_table",
    "published_table",
    "shared_rate_table",
    "tuned_table",
    "long_table",
    "parameter_table",
    "gap_lines",
    "width_length_lines",
]

INIT = {"glorot": "N", "standard": "standard"}


def _check_mapping(value: object, name: str) -> None:
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"{name} must be a non-empty mapping")


def _setting(group: tuple) -> str:
    """``("tanh", "glorot")`` -> ``"tanh N"``; the standard init adds nothing."""
    return display_name(group[0]) + (" N" if group[1] == "glorot" else "")


def mlp_table(mlp: Mapping, at_chance: Sequence[tuple] = ()) -> str:
    """Return chapter 3's table of the deep MLPs: activation, init, tuned rate and test
    error % (95% CI), best first; settings in ``at_chance`` are marked as such.

    ``mlp`` maps ``(activation, init)`` to a :class:`book.results.TunedRate` of test
    errors (fractions), one per seed.
    """
    _check_mapping(mlp, "mlp")
    if any(g[1] not in INIT for g in mlp):
        raise ValueError(f"mlp keys must be (activation, init) with init in {list(INIT)}")
    rows = [
        [
            display_name(act),
            INIT[init],
            results.rate_label(t) + (" (all rates at chance)" if (act, init) in at_chance else ""),
            results.mean_interval(100 * t.values, digits=1),
        ]
        for (act, init), t in sorted(mlp.items(), key=lambda kv: kv[1].values.mean())
    ]
    header = ["activation", "init", "tuned rate", "test error % (95% CI)"]
    return results.markdown_table(header, rows)


def glorot_table(ours: Mapping, published: Mapping) -> str:
    """Return chapter 3's table of our test error % beside Glorot & Bengio's, with ranks.

    ``ours`` maps each ``(activation, init)`` of ``published`` to our mean test error
    (%); ``published`` maps it to their (Shapeset, MNIST) errors. Rows are in our order;
    ranks are 1 for the lowest, tied values sharing the best rank.
    """
    _check_mapping(published, "published")
    missing = [g for g in published if g not in ours]
    if missing:
        raise ValueError(f"ours lacks the settings {missing}")
    rank = results.ranks({g: ours[g] for g in published})
    rank_mnist = results.ranks({g: mnist for g, (_, mnist) in published.items()})
    rows = [
        [
            _setting(g),
            f"{ours[g]:.1f} ({rank[g]})",
            f"{published[g][1]:.2f} ({rank_mnist[g]})",
            f"{published[g][0]:.2f}",
        ]
        for g in sorted(published, key=ours.get)
    ]
    header = ["setting", "ours, digits (rank)", "Glorot MNIST (rank)", "Glorot Shapeset"]
    return results.markdown_table(header, rows)


def count_table(count: Mapping) -> str:
    """Return chapter 3's table of the count baselines: name, smoothing k chosen on
    validation (marked ``(edge)`` at the grid's end) and test bits/char.

    ``count`` maps a name to ``{"k": float, "edge": bool, "test": float}``.
    """
    _check_mapping(count, "count")
    if any(not {"k", "edge", "test"} <= set(c) for c in count.values()):
        raise ValueError("each entry of count needs the keys 'k', 'edge' and 'test'")
    header = ["count table", "smoothing k (chosen on validation)", "test bits/char"]
    rows = [
        [name, f"{c['k']:g}" + (" (edge)" if c["edge"] else ""), f"{c['test']:.3f}"]
        for name, c in count.items()
    ]
    return results.markdown_table(header, rows)


def _vs_relu(table: Mapping, v: str) -> str:
    return f"{table[v] - table['relu']:+.3f}" if v in table else "—"


def published_table(ranked: Sequence[str], test: Mapping, early: Mapping, final: Mapping,
                    shazeer: Mapping) -> str:  # fmt: skip
    """Return chapter 3's table of each variant's difference to ReLU: ours paired by seed
    (from ``test``, per-seed bits/char), then Narang's ``early`` and ``final`` losses and
    ``shazeer``'s (each ``{variant: loss}``, "—" where a paper lacks the variant).
    """
    _check_mapping(test, "test")
    for name, table in (("test", test), ("early", early), ("final", final), ("shazeer", shazeer)):
        if "relu" not in table:
            raise ValueError(f"{name} must hold 'relu', the reference")
    rows = [
        [
            label(v),
            "—" if v == "relu" else str(results.paired_difference(test[v], test["relu"])),
            _vs_relu(early, v),
            _vs_relu(final, v),
            _vs_relu(shazeer, v),
        ]
        for v in ranked
    ]
    header = [
        "FFN",
        "ours, 200 steps (bits/char)",
        "Narang, 65k steps (nats/token)",
        "Narang, 524k steps (nats/token)",
        "Shazeer, 65k steps (nats/token)",
    ]
    return results.markdown_table(header, rows)


def shared_rate_table(tuned_rank: Mapping, shared: Mapping) -> str:
    """Return chapter 3's table of each variant's validation rank when tuned beside its
    rank at every shared rate, in tuned order.

    ``tuned_rank`` maps a variant to its rank; ``shared`` maps each rate to ``{variant:
    rank}`` at that rate.
    """
    _check_mapping(tuned_rank, "tuned_rank")
    _check_mapping(shared, "shared")
    if any(set(r) != set(tuned_rank) for r in shared.values()):
        raise ValueError("every rate of shared must rank the variants of tuned_rank")
    header = ["FFN", "tuned (validation rank)"] + [f"rate {lr:g}" for lr in shared]
    rows = [
        [label(v), tuned_rank[v]] + [shared[lr][v] for lr in shared]
        for v in sorted(tuned_rank, key=tuned_rank.get)
    ]
    return results.markdown_table(header, rows)


def tuned_table(tuned: Mapping, values: Mapping, order: Sequence[str], reference: str) -> str:
    """Return chapter 3's table of FFN variants at their tuned rates: tuned rate, test
    bits/char (95% CI) and the difference to ``reference``, paired by seed.

    ``tuned`` maps a variant to its :class:`book.results.TunedRate`; ``values`` to its
    test bits/char, one per seed (:func:`book.results.tuned_rows` checks both).
    """
    if not isinstance(reference, str):
        raise TypeError(f"reference must be an FFN variant's name, got {reference!r}")
    header = ["FFN", "tuned rate", "test bits/char (95% CI)"]
    header.append(f"minus {label(reference)}, paired by seed")
    rows = results.tuned_rows(tuned, values, order, label=label, reference=reference)
    return results.markdown_table(header, rows)


def long_table(
    tuned: Mapping, values: Mapping, order: Sequence[str], short: Mapping, trigram: float
) -> str:
    """Return chapter 3's table of the longer, wider runs: tuned rate, test bits/char at
    1,000 steps (95% CI), the paired difference to ReLU there and at 200 steps (from
    ``short``, per-seed test bits/char of the d = 64 runs), and a last row for the
    ``trigram`` table's test bits/char.
    """
    _check_mapping(short, "short")
    missing = [v for v in order if v not in short]
    if missing or "relu" not in short:
        raise ValueError(f"short must hold 'relu' and every variant of order; missing {missing}")
    rows = results.tuned_rows(tuned, values, order, label=label, reference="relu")
    for row, v in zip(rows, order, strict=True):
        diff = results.paired_difference(short[v], short["relu"])
        row.append("—" if v == "relu" else str(diff))
    rows.append(["trigram table", "—", f"{trigram:.3f}", "", ""])
    header = [
        "FFN",
        "tuned rate",
        "test bits/char at 1,000 steps (95% CI)",
        "minus ReLU, 1,000 steps",
        "minus ReLU, 200 steps (d = 64)",
    ]
    return results.markdown_table(header, rows)


def parameter_table(counts: Mapping) -> str:
    """Return chapter 3's table of each FFN variant's hidden size, FFN weights per block
    and whole-model parameter count (thousands separated), from ``counts``, which maps a
    variant to those three integers.
    """
    _check_mapping(counts, "counts")
    if any(len(c) != 3 for c in counts.values()):
        raise ValueError("counts must map each variant to (hidden, ffn weights, total)")
    table = [[label(v), h, f"{f:,}", f"{t:,}"] for v, (h, f, t) in counts.items()]
    header = ["FFN", "hidden size", "FFN weights per block", "whole model"]
    return results.markdown_table(header, table)


def gap_lines(gap: Mapping, at: Mapping) -> str:
    """Return chapter 3's lines of each variant's validation gap to ReLU at chosen steps.

    ``gap`` maps a variant to one :class:`book.results.PairedDifference` per recorded
    step; ``at`` maps a step to its column. One line per variant, e.g. ``"GELU minus
    ReLU: step 50 +0.120 ± 0.010, ..."``, the names right-aligned.
    """
    _check_mapping(gap, "gap")
    _check_mapping(at, "at")
    n = min(len(d) for d in gap.values())
    if any(not 0 <= c < n for c in at.values()):
        raise ValueError(f"at must map steps to columns in [0, {n}), got {dict(at)}")
    return "\n".join(
        f"{label(v):>12} minus ReLU: " + ", ".join(f"step {s} {gap[v][c]}" for s, c in at.items())
        for v in gap
    )


def width_length_lines(split: Mapping) -> str:
    """Return chapter 3's lines of each variant's validation gap to ReLU at d = 64 and
    step 200, at d = 128 and step 200, and at d = 128 and step 1,000.

    ``split`` maps a variant to those three :class:`book.results.PairedDifference`, the
    first ``None`` where the d = 64 runs lack the variant (shown as "—").
    """
    _check_mapping(split, "split")
    if any(len(s) != 3 for s in split.values()):
        raise ValueError("split must map each variant to three paired differences")
    return "\n".join(
        f"{label(v):>12} minus ReLU (validation): d = 64 step 200 "
        f"{s[0] or '—'}; d = 128 step 200 {s[1]}; step 1000 {s[2]}"
        for v, s in split.items()
    )
