"""BM25 over diacritic-folded syllables and syllable bigrams.

Folding makes "dang ky khai sinh" and "đăng ký khai sinh" the same; bigrams stand in for Vietnamese
words, which are mostly two syllables ("khai sinh", "hộ khẩu"), without a segmenter's cost or errors.
"""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from nlu.lexicon import Lexicon
from nlu.normalize import canonical
from nlu.text import fold, syllables


def terms(text: str, lexicon: Lexicon) -> list[str]:
    """Folded syllables outside question words, and bigrams with at least one such syllable."""
    words = syllables(canonical(text))
    keys = [fold(s) for s in words]
    stop = lexicon.stop_mask(words)
    unigrams = [k for k, s in zip(keys, stop) if not s]
    bigrams = [
        f"{keys[i]}_{keys[i + 1]}"
        for i in range(len(keys) - 1)
        if not (stop[i] and stop[i + 1])
    ]
    return unigrams + bigrams


def content_syllables(query_terms: list[str]) -> frozenset[str]:
    """The single syllables among ``terms`` (bigrams out): what name coverage and confidence use."""
    return frozenset(t for t in query_terms if "_" not in t)


class LexicalIndex:
    """A BM25 index whose rows follow the order of the documents it was built from."""

    def __init__(self, bm25: bm25s.BM25, lexicon: Lexicon) -> None:
        self._bm25 = bm25
        self._lexicon = lexicon

    @classmethod
    def build(cls, texts: list[str], lexicon: Lexicon) -> LexicalIndex:
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index([terms(t, lexicon) for t in texts], show_progress=False)
        return cls(bm25, lexicon)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, lexicon: Lexicon) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0), lexicon)

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the ``terms`` of an (already expanded) query."""
        return self._bm25.get_scores(query_terms)
