"""Name coverage: how much of a candidate's *name* the question asks about.

BM25 and embeddings score how much of the question a procedure contains, so a longer sibling
("Đăng ký kết hôn có yếu tố nước ngoài", "… cấp bộ", "… đối với công ty cổ phần") scores as high as
the plain procedure the citizen meant, and often higher. The reverse direction separates them: the
IDF-weighted share of the name's syllables that the question mentions. Qualifiers the question never
states lower it. Colloquial aliases (``knowledge/data/aliases.yml``) are names too: a procedure
counts its best-covered name or alias ("làm sổ đỏ" covers the alias "sổ đỏ" fully). It only
re-orders the best candidates of the fused ranking, so it cannot pull in a procedure that merely
has a short name.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np

from knowledge.retrieval.lexical import content_syllables, terms
from nlu.lexicon import Lexicon

# Weight of name coverage against the fused score (both 0–1): the best mrr@10 on our own held-out
# questions over 0.05–0.5 (name-only coverage); not chosen on the portal dev questions.
NAME_COVERAGE_WEIGHT = 0.25
CANDIDATES = 50  # the fused ranking's best, re-ordered


class NameCoverage:
    """IDF-weighted syllables of each procedure's name and aliases (abbreviations expanded,
    question words out); IDF over the catalogue's names."""

    def __init__(
        self, names: list[str], lexicon: Lexicon, aliases: list[list[str]] | None = None
    ) -> None:
        self._lexicon = lexicon
        self._names = [self._syllables(n) for n in names]
        aliases = aliases or [[] for _ in names]
        self._aliases = [[self._syllables(a) for a in found] for found in aliases]
        self._index()

    def _index(self) -> None:
        counts = Counter(t for name in self._names for t in name)
        total = len(self._names) + 1
        self._idf = {t: math.log(total / (c + 0.5)) for t, c in counts.items()}
        self._unseen_idf = math.log(total / 0.5)  # a syllable only aliases have

    def save(self, path: Path) -> None:
        """The syllable sets as JSON, so loading skips the lexicon (seconds for the catalogue)."""
        rows = [
            [sorted(name), [sorted(a) for a in aliases]]
            for name, aliases in zip(self._names, self._aliases)
        ]
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, lexicon: Lexicon) -> NameCoverage:
        rows = json.loads(path.read_text(encoding="utf-8"))
        coverage = cls.__new__(cls)
        coverage._lexicon = lexicon
        coverage._names = [frozenset(name) for name, _ in rows]
        coverage._aliases = [[frozenset(a) for a in aliases] for _, aliases in rows]
        coverage._index()
        return coverage

    def _syllables(self, text: str) -> frozenset[str]:
        return content_syllables(terms(self._lexicon.expand(text, query=False), self._lexicon))

    def _share(self, name: frozenset[str], query_terms: frozenset[str]) -> float:
        weight = self._idf.get
        mass = sum(weight(t, self._unseen_idf) for t in name)
        if mass <= 0:
            return 0.0
        return sum(weight(t, self._unseen_idf) for t in name & query_terms) / mass

    def coverage(self, query_terms: frozenset[str], document: int) -> float:
        """Share (0–1) of the IDF mass of the name, or of its best-covered alias, that the
        question mentions."""
        return max(
            self._share(name, query_terms)
            for name in (self._names[document], *self._aliases[document])
        )

    def rerank(self, fused: np.ndarray, query: frozenset[str]) -> np.ndarray:
        """``fused`` with the best candidates' scores blended with their name coverage (0–1);
        ``query``: the expanded question's content syllables (``lexical.content_syllables``)."""
        candidates = np.argsort(-fused, kind="stable")[:CANDIDATES]
        # Every score is divided by the same 1 + weight, so the rest stay below the candidates.
        out = (fused / (1 + NAME_COVERAGE_WEIGHT)).astype(np.float32)
        for i in candidates:
            blended = fused[i] + NAME_COVERAGE_WEIGHT * self.coverage(query, int(i))
            out[i] = blended / (1 + NAME_COVERAGE_WEIGHT)
        return out
