"""Retrieval figures for docs/benchmarks.md, all measured in one run on this machine.

    HF_HUB_OFFLINE=1 python bench/retrieval.py [--model var/models/multilingual-e5-small]

Rows: the baseline (BM25 over underthesea-tokenised procedure names), each part of our retriever
alone, rank fusion against min-max fusion, min-max fusion without the name-coverage re-ranking,
the lexical-only mode, the full hybrid (both shipped modes re-rank), and the hybrid with the
question encoded by PyTorch instead of ONNX Runtime. Sets: the portal dev questions, our own
held-out questions and the relabelled portal questions (held out: labelled before any retrieval
change was measured on them). Latency is per query after warm-up.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bm25s  # noqa: E402
import numpy as np  # noqa: E402
import typer  # noqa: E402
from underthesea import word_tokenize  # noqa: E402

from knowledge.retrieval import Retriever  # noqa: E402
from knowledge.retrieval import retriever as hybrid  # noqa: E402
from knowledge.catalogue import load_shipped_catalogue  # noqa: E402
from knowledge.retrieval.evaluate import evaluate, read_questions  # noqa: E402
from knowledge.retrieval.fusion import fuse  # noqa: E402
from knowledge.retrieval.semantic import Encoder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "portal dev": ROOT / "knowledge/data/eval/portal_questions_dev.jsonl",
    "own held-out": ROOT / "knowledge/data/eval/own_questions_heldout.jsonl",
    "portal relabelled": ROOT / "knowledge/data/eval/portal_questions_relabelled.jsonl",
}
Ranker = Callable[[str], list[str]]


def baseline(codes: list[str], names: list[str]) -> Ranker:
    """BM25 over underthesea word tokens of the procedure names (the issue's starting point)."""

    def tokens(text: str) -> list[str]:
        return [w.lower() for w in word_tokenize(text)]

    bm25 = bm25s.BM25()
    bm25.index([tokens(n) for n in names], show_progress=False)
    return lambda q: [codes[i] for i in np.argsort(-bm25.get_scores(tokens(q)))[:10]]


def rank_fusion(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Reciprocal rank fusion (k = 60), the alternative to min-max fusion."""
    fused = np.zeros_like(next(iter(scores.values())), dtype=np.float64)
    for name, values in scores.items():
        ranks = np.argsort(np.argsort(-values))
        fused += weights[name] / (60 + ranks)
    return fused


def by_parts(retriever: Retriever, parts: tuple[str, ...], rrf: bool = False) -> Ranker:
    def rank(question: str) -> list[str]:
        scores = {k: v for k, v in retriever.scores(question).items() if k in parts}
        fused = rank_fusion(scores, hybrid.WEIGHTS) if rrf else fuse(scores, hybrid.WEIGHTS)
        return [retriever.codes[i] for i in np.argsort(-fused)[:10]]

    return rank


def main(model: str = typer.Option("var/models/multilingual-e5-small")) -> None:
    procedures = load_shipped_catalogue()
    index_dir = ROOT / "var/index/retrieval"
    full = Retriever.load_or_build(procedures, index_dir, model=model, progress=True)
    lexical = Retriever.load_or_build(procedures, index_dir, model="none")
    on_pytorch = copy.copy(full)
    on_pytorch.encoder = Encoder(model, onnx=False)
    rankers: dict[str, Ranker] = {
        "baseline: BM25 over names (underthesea words)": baseline(full.codes, full.names),
        "title BM25 alone (folded syllables + bigrams)": by_parts(full, ("title",)),
        "full-text BM25 alone": by_parts(full, ("full",)),
        "e5 embeddings alone": by_parts(full, ("semantic",)),
        "hybrid, reciprocal rank fusion": by_parts(full, ("title", "full", "semantic"), rrf=True),
        "lexical min-max fusion, no name-coverage re-rank": by_parts(lexical, ("title", "full")),
        "hybrid min-max fusion, no name-coverage re-rank": by_parts(
            full, ("title", "full", "semantic")
        ),
        "**lexical-only mode** (min-max + name coverage)": lambda q: [
            h.code for h in lexical.search(q, 10).hits
        ],
        "**hybrid** (min-max + name coverage), shipped": lambda q: [
            h.code for h in full.search(q, 10).hits
        ],
        "hybrid as shipped, question encoded by PyTorch (sentence-transformers)": lambda q: [
            h.code for h in on_pytorch.search(q, 10).hits
        ],
    }
    questions = {name: read_questions(path) for name, path in SETS.items()}
    print("| method | set | n | hit@1 | hit@5 | mrr@10 | p50 ms | p95 ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, rank in rankers.items():
        for set_name, items in questions.items():
            m = evaluate(rank, items)
            print(f"| {label} | {set_name} | {m['n']} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | "
                  f"{m['mrr@10']:.3f} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} |")


if __name__ == "__main__":
    typer.run(main)
