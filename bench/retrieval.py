"""Retrieval figures for docs/benchmarks.md, all measured in one run on this machine.

    HF_HUB_OFFLINE=1 python bench/retrieval.py [--model var/models/multilingual-e5-small]

Rows: the baseline (BM25 over underthesea-tokenised procedure names), each part of our retriever
alone, rank fusion against min-max fusion, min-max fusion without the name-coverage re-ranking,
the lexical-only mode, the full hybrid (both shipped modes re-rank), the hybrid with the
question encoded by PyTorch instead of ONNX Runtime, and the ONNX exports for the catalogue and
the question (fp32, the compact 4-bit one, int8 dynamic quantisation). Sets: the portal dev
questions, our own held-out questions and the relabelled portal questions (held out: labelled before any retrieval
change was measured on them). Latency is per query after warm-up.
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
import time
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
from knowledge.retrieval.aliases import AliasRules  # noqa: E402
from knowledge.retrieval.documents import build_document  # noqa: E402
from knowledge.retrieval.onnx_encoder import ONNX_FILE, Q4_FILE  # noqa: E402
from knowledge.retrieval.semantic import Encoder, SemanticIndex  # noqa: E402

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


def exports(full: Retriever, procedures: list, model: str, tmp: Path) -> dict[str, Retriever]:
    """The hybrid with (index, question) pairs of ONNX exports: fp32, the shipped compact 4-bit
    one, and int8 dynamic quantisation (per output channel, MatMul and Gather, made here). Both
    indexes are built here: the stored one may come from either export."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8 = tmp / "model_int8.onnx"
    quantize_dynamic(Path(model) / ONNX_FILE, int8, op_types_to_quantize=["MatMul", "Gather"],
                     per_channel=True, weight_type=QuantType.QInt8)
    encoders = {name: Encoder(model, exports=(file,))
                for name, file in (("fp32", ONNX_FILE), ("q4", Q4_FILE), ("int8", int8))}
    rules = AliasRules.load()
    texts = [build_document(p, rules.for_name(p.name), full.lexicon).semantic_texts
             for p in procedures]
    indexes = {}
    for name in ("fp32", "q4"):
        started = time.perf_counter()
        indexes[name] = SemanticIndex.build(texts, encoders[name])
        print(f"{name} index built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    variants = {}
    # int8 for the index too lost more (30 Nov 2026: dev hit@5 0.794 → 0.755), not rebuilt here
    for index, question in (("fp32", "fp32"), ("fp32", "q4"), ("q4", "q4"), ("fp32", "int8")):
        variant = copy.copy(full)
        variant.semantic, variant.encoder = indexes[index], encoders[question]
        variants[f"index {index}, question {question}"] = variant
    return variants


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
    tmp = tempfile.TemporaryDirectory(prefix="motcua-int8-")
    for label, variant in exports(full, procedures, model, Path(tmp.name)).items():
        rankers[f"e5 alone, ONNX {label}"] = by_parts(variant, ("semantic",))
        rankers[f"hybrid, ONNX {label}"] = (
            lambda q, r=variant: [h.code for h in r.search(q, 10).hits]
        )
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
