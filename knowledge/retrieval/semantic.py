"""Dense retrieval: sentence-transformers embeddings in a faiss inner-product index.

Each procedure is embedded twice, as written and diacritic-folded: e5 matches a question typed
without diacritics much better against folded text. A procedure scores its better variant.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from knowledge.retrieval.onnx_encoder import ONNX_FILE, Q4_FILE, OnnxEncoder

# Encoding time grows with length (~0.35 ms a token on two cores): a 260-token question took 120 ms.
# Cut at 128: hit@1, hit@5 and mrr@10 unchanged on all three evaluation sets; the lexical indexes
# read the question whole.
QUERY_MAX_TOKENS = 128
# The first of these exports the model folder has is run (see ``onnx_encoder``).
EXPORTS = (Q4_FILE, ONNX_FILE)
# One ONNX Runtime thread: on two cores shared with Rasa, a second thread that spins waiting for
# work made a question's p95 2–6× slower (bench/encoder.py); a question is one small batch anyway.
THREADS = 1


def resolve_model(model: str | None) -> str | None:
    """The model to use; None or "none" means lexical only."""
    return None if not model or model.lower() == "none" else model


class Encoder:
    """A sentence-transformers model with the e5 "query: " / "passage: " prompts when it has them.

    A local folder with an ONNX export (``knowledge.retrieval.onnx_encoder``, made at set-up) runs
    on ONNX Runtime instead: the same vectors, in half the time — on its compact 4-bit export
    when there is one (a sixth of the weights' memory, faster, cosine 0.9999). ``exports``: the
    files to try, in order (paths inside the folder, or absolute); by default ``EXPORTS``.
    """

    def __init__(
        self, model: str, onnx: bool = True, exports: tuple[Path, ...] | None = None,
        threads: int = THREADS,
    ) -> None:
        self.name = model
        self._onnx = None
        for export in (exports or EXPORTS) if onnx else ():
            self._onnx = OnnxEncoder.for_folder(model, export, threads)
            if self._onnx is not None:
                break
        self._model = None
        if self._onnx is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)

    @property
    def backend(self) -> str:
        return "onnxruntime" if self._onnx is not None else "sentence-transformers"

    @property
    def export(self) -> Path | None:
        """The ONNX file run, None on sentence-transformers."""
        return self._onnx.file if self._onnx is not None else None

    def _encode(
        self, texts: list[str], kind: str, progress: bool, max_tokens: int | None = None
    ) -> np.ndarray:
        if self._onnx is not None:
            prompt = self._onnx.prompts.get(kind, "")
            prompted = [prompt + text for text in texts]
            return self._onnx.encode(prompted, progress=progress, max_tokens=max_tokens)
        prompt = kind if kind in (self._model.prompts or {}) else None
        vectors = self._model.encode(
            texts, prompt_name=prompt, normalize_embeddings=True, batch_size=32,
            show_progress_bar=progress, convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        """Question vectors; on ONNX Runtime a question is cut at ``QUERY_MAX_TOKENS``."""
        return self._encode(texts, "query", progress=False, max_tokens=QUERY_MAX_TOKENS)

    def passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, "passage", progress=progress)


class SemanticIndex:
    """Vectors of ``variants`` texts per document, stored variant-major in one flat faiss index."""

    def __init__(self, index: faiss.Index, n_documents: int) -> None:
        self._index = index
        self.n_documents = n_documents

    @classmethod
    def build(
        cls, texts: list[tuple[str, ...]], encoder: Encoder, progress: bool = False
    ) -> SemanticIndex:
        variants = len(texts[0])
        flat = [doc[v] for v in range(variants) for doc in texts]
        vectors = encoder.passages(flat, progress=progress)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index, len(texts))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, n_documents: int) -> SemanticIndex:
        return cls(faiss.read_index(str(path)), n_documents)

    def scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine of every document (best of its variants) to one normalised query vector."""
        total = self._index.ntotal
        sims, rows = self._index.search(query_vector.reshape(1, -1), total)
        flat = np.empty(total, dtype=np.float32)
        flat[rows[0]] = sims[0]
        return flat.reshape(-1, self.n_documents).max(axis=0)
