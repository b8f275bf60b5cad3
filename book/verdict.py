"""Build the verdict page, the title question answered in one table.

``python -m book.verdict`` writes ``verdict.md``. Every number on the page is the evidence
of a claim printed in a chapter's stored outputs (nbval checks that those outputs match a
fresh run), found by the start of the claim's statement. A claim that is renamed or gone
stops the page from being built, with a message that names it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from book.ledger import LedgerEntry, book_claims

__all__ = ["Evidence", "Argument", "ARGUMENTS", "find_claim", "render_verdict", "main"]


@dataclass(frozen=True)
class Evidence:
    """One measured number: a short label and the claim (notebook stem and the start of
    its statement) whose evidence gives the number."""

    label: str
    notebook: str
    statement: str


@dataclass(frozen=True)
class Argument:
    """One argument of the explainer, the book's verdict on it and where it is shown."""

    argument: str
    verdict: str
    why: str
    evidence: tuple[Evidence, ...]
    papers: str
    chapter: str  # a document path for {doc}, e.g. "notebooks/01_saturation"


ARGUMENTS: tuple[Argument, ...] = (
    Argument(
        argument="1. Sigmoid saturates: its slope is at most ¼, so gradients vanish "
        "in a deep stack",
        verdict="holds, with a caveat",
        why="In a plain deep stack, yes. The ¼ is a matter of scale, and residual paths "
        "with LayerNorm remove the problem; in a trained transformer sigmoid's units "
        "hardly saturate. Saturation is not why transformers avoid sigmoid.",
        evidence=(
            Evidence(
                "layer 1's gradient over layer 10's at initialisation, plain 10-layer sigmoid MLP",
                "01_saturation",
                "in a 10-layer sigmoid MLP",
            ),
            Evidence(
                "layer 1's gradient over layer 50's at initialisation, 50-layer sigmoid "
                "stack with residual + LayerNorm",
                "01_saturation",
                "with residual + LayerNorm, a 50-layer sigmoid stack",
            ),
            Evidence(
                "saturated FFN units in a trained transformer",
                "03_empirical",
                "sigmoid's FFN units almost never saturate",
            ),
        ),
        papers="The top sigmoid layer saturates and a five-layer sigmoid network "
        "'never escaped this regime' {cite:p}`glorot2010`; sigmoid-like networks can "
        "train deep with an orthogonal, critically scaled initialisation "
        "{cite:p}`pennington2017`.",
        chapter="notebooks/01_saturation",
    ),
    Argument(
        argument="2. Sigmoid is not zero-centred, so updates zig-zag",
        verdict="holds, with a caveat",
        why="ReLU's outputs are never negative either and give the same one-sign "
        "per-example updates; what is sigmoid's own is the size of its mean, which "
        "survives batch averaging as a curvature cost that centring removes. The "
        "explainer's 'zero-centred functions like tanh or GELU' is wrong for GELU, but GELU "
        "is far less off-centre.",
        evidence=(
            Evidence(
                "per-example updates with one sign, sigmoid inputs",
                "02_zero_centred",
                "every per-example weight gradient of a neuron fed by sigmoid",
            ),
            Evidence(
                "top Hessian eigenvalue, sigmoid vs centred sigmoid",
                "02_zero_centred",
                "moving sigmoid's outputs to zero mean divides",
            ),
            Evidence(
                "each activation's mean, N(0, 1) inputs",
                "02_zero_centred",
                "GELU, ReLU and SiLU are not zero-centred either",
            ),
        ),
        papers="Centre the inputs of every layer {cite:p}`lecun1998`; batch averaging "
        "softens the zig-zag {cite:p}`cs231n`.",
        chapter="notebooks/02_zero_centred",
    ),
    Argument(
        argument="3. Sigmoid underperforms in practice",
        verdict="holds",
        why="Last in an MLP and in a transformer FFN, with tuned rates and paired seeds, "
        "and further behind ReLU in a wider model trained five times longer. Most of the "
        "gap is the mean ½: subtracting it closes more than half.",
        evidence=(
            Evidence(
                "character transformer, two budgets (bits/char)",
                "03_empirical",
                "sigmoid's gap to ReLU is larger with the bigger budget",
            ),
            Evidence(
                "gap closed by σ − ½",
                "03_empirical",
                "removing the mean still closes more than half",
            ),
            Evidence(
                "removing the ¼ slope too (4(σ − ½)), 200 steps",
                "03_empirical",
                "removing the small slope too",
            ),
            Evidence(
                "five-layer MLP on digits, test error",
                "03_empirical",
                "sigmoid, with either init, has the highest test error",
            ),
        ),
        papers="Sigmoid worst of the five activation and initialisation settings on all "
        "four data sets {cite:p}`glorot2010`; in a T5 transformer "
        "sigmoid trains but ends behind ReLU and GELU, its gap to ReLU shrinking from 0.109 "
        "to 0.029 with eight times the training, and every gated FFN ahead of every "
        "ungated one {cite:p}`narang2021`. (The explainer's 'early transformers (e.g. "
        "original GPT) used ReLU' is wrong for GPT: GPT-1 used GELU {cite:p}`radford2018`.)",
        chapter="notebooks/03_empirical",
    ),
    Argument(
        argument="4. The output layer needs softmax, not sigmoid",
        verdict="holds, with a caveat",
        why="Independent sigmoids over a vocabulary are not a distribution. Yet a "
        "one-vs-rest head with the prior bias, renormalised, scores test bits/char we "
        "cannot tell from softmax's, and for two classes softmax is sigmoid.",
        evidence=(
            Evidence(
                "one-vs-rest (prior bias) − softmax, test bits/char",
                "04_softmax_output",
                "with the prior bias, the one-vs-rest head cannot be told",
            ),
            Evidence(
                "its output sums",
                "04_softmax_output",
                "yet its raw outputs are not a distribution",
            ),
            Evidence(
                "softmax([a, b])₀ − σ(a − b)",
                "04_softmax_output",
                "softmax([a, b])[0] = sigmoid(a - b)",
            ),
        ),
        papers="Sigmoid losses are used on purpose where a softmax's normalisation is "
        "costly {cite:p}`mikolov2013,zhai2023`.",
        chapter="notebooks/04_softmax_output",
    ),
    Argument(
        argument="5. Sigmoid is rarely used in LLMs, except in gates and old RNNs",
        verdict="outdated",
        why="Every SwiGLU FFN evaluates a sigmoid per hidden unit per token; sigmoid also "
        "routes experts, gates attention and scores pairs in losses: the exception the "
        "explainer allows is in every SwiGLU LLM. It is avoided as the signal, not as a "
        "gate.",
        evidence=(
            Evidence(
                "sigmoids in one LLaMA-sized SwiGLU layer",
                "05_sigmoid_on_purpose",
                "a LLaMA-sized SwiGLU layer evaluates one sigmoid",
            ),
            Evidence(
                "LSTM gradient 39 steps back, forget bias 1 over 0",
                "05_sigmoid_on_purpose",
                "at initialisation, b_f = 1 lets over 100x",
            ),
            Evidence(
                "full softmax vs negative sampling",
                "05_sigmoid_on_purpose",
                "a negative-sampling gradient step needs over 1,000x",
            ),
        ),
        papers="SwiGLU {cite:p}`shazeer2020`, sigmoid expert affinities "
        "{cite:p}`deepseekv3`, gated attention {cite:p}`qiu2025`, SigLIP "
        "{cite:p}`zhai2023`.",
        chapter="notebooks/05_sigmoid_on_purpose",
    ),
)


def find_claim(entries: list[LedgerEntry], notebook: str, statement: str) -> LedgerEntry:
    """Return the one claim of ``notebook`` whose statement starts with ``statement``;
    raise ``LookupError`` naming both when there is none or more than one."""
    hits = [e for e in entries if e.notebook == notebook and e.statement.startswith(statement)]
    if len(hits) != 1:
        raise LookupError(
            f"{len(hits)} claims of {notebook} start with {statement!r}; the verdict page "
            "needs exactly one (was the claim renamed?)"
        )
    return hits[0]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_verdict(entries: list[LedgerEntry], arguments=ARGUMENTS) -> str:
    """Return the Markdown verdict page for ``arguments``, numbers from ``entries``."""
    lines = [
        "(verdict)=",
        "# The verdict",
        "",
        "The explainer gives four reasons why sigmoid is avoided in LLMs and one remark on",
        "where it is still used. This table answers each with what the chapters measured.",
        "Every number in the third column is the evidence of a claim that the build checks",
        "(the [claims ledger](appendices/claims_ledger.md) lists them all); the page is",
        "generated by `python -m book.verdict`, never written by hand.",
        "",
        "**In one sentence:** sigmoid is avoided as the *signal* of a hidden layer, chiefly",
        "because its outputs have mean ½ (in our transformer, removing the ½ closes most of",
        "its gap to ReLU, and removing the ¼ slope as well makes it indistinguishable from",
        "tanh; residual paths with LayerNorm keep deep gradients from vanishing); it stays,",
        "as a *gate*, in every",
        "SwiGLU LLM (LLaMA, Mistral, Qwen, DeepSeek).",
        "",
        "| The explainer's argument | Verdict | What the book measured | What papers found "
        "| Shown in |",
        "| --- | --- | --- | --- | --- |",
    ]
    for arg in arguments:
        measured = "; ".join(
            f"{_cell(ev.label)}: {_cell(find_claim(entries, ev.notebook, ev.statement).evidence)}"
            for ev in arg.evidence
        )
        lines.append(
            f"| {_cell(arg.argument)} | **{_cell(arg.verdict)}**: {_cell(arg.why)} | "
            f"{measured} | {_cell(arg.papers)} | {{doc}}`/{arg.chapter}` |"
        )
    lines += [
        "",
        "Scale: the book's models are small (MLPs on 8×8 digits, two-block character",
        "transformers and a character MLP, hundreds to a few thousand steps, three to five seeds), so the table",
        "gives directions and mechanisms, each beside what the papers found at scale. The",
        "[fact check](appendices/fact_check.md) goes through the explainer sentence by",
        "sentence.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``verdict.md`` under the book root (argv[0], default '.')."""
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else Path(".")
    try:
        entries = book_claims(root)
    except FileNotFoundError as err:
        raise SystemExit(str(err)) from None
    out = root / "verdict.md"
    out.write_text(render_verdict(entries), encoding="utf-8")
    print(f"wrote {out} from {sum(len(a.evidence) for a in ARGUMENTS)} claims")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
