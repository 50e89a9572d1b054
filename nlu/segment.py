"""Word segmentation with character offsets into the original text.

underthesea's ``word_tokenize`` returns words but not where they are; Rasa needs offsets for
entities and highlighting. We re-locate each word's syllables in the original string, so the
offsets stay right even when underthesea normalises a token.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlu.normalize import folded
from nlu.text import clean
from nlu.underthesea_lean import word_tokenize


@dataclass(frozen=True)
class WordSpan:
    """One segmented word: its text as typed, its offsets, and its matching key."""

    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """Diacritic-folded, lower-case form with syllables joined by "_" (one feature a word)."""
        return folded(self.text).replace(" ", "_")


def segment_words(text: str) -> list[WordSpan]:
    """Split text into underthesea words, each with its [start, end) offsets in ``text``."""
    if not text or not text.strip():
        return []
    spans: list[WordSpan] = []
    cursor = 0
    for word in word_tokenize(clean(text), use_token_normalize=False):
        start = end = None
        for syllable in word.split():
            found = text.find(syllable, cursor)
            if found < 0:
                continue
            if start is None:
                start = found
            end = cursor = found + len(syllable)
        if start is not None and end is not None:
            spans.append(WordSpan(text[start:end], start, end))
    return spans
