"""Score fusion. Min-max fusion keeps how far ahead the best candidate is, which rank fusion
throws away; the two score scales (BM25, cosine) are made comparable per query."""

from __future__ import annotations

import numpy as np


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scores mapped onto [0, 1] for this query; all zeros when every score is equal."""
    low, high = float(scores.min()), float(scores.max())
    if high - low <= 1e-12:
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - low) / (high - low)).astype(np.float32)


def fuse(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of min-max normalised score lists (weights of the lists present, renormalised)."""
    total = sum(weights[name] for name in scores)
    return sum(weights[name] / total * minmax(values) for name, values in scores.items())
