"""Name coverage re-ranking: a procedure's longer siblings do not outrank it."""

from __future__ import annotations

import numpy as np

from knowledge.retrieval.lexical import content_syllables, terms
from knowledge.retrieval.rerank import NameCoverage
from nlu.lexicon import default_lexicon

NAMES = [
    "Đăng ký kết hôn có yếu tố nước ngoài",
    "Đăng ký kết hôn",
    "Cấp giấy chứng nhận quyền sử dụng đất",
    "Đăng ký khai sinh",
]


def syllables(question: str) -> frozenset[str]:
    return content_syllables(terms(question, default_lexicon()))


def coverage() -> NameCoverage:
    aliases = [[], [], ["sổ đỏ"], []]
    return NameCoverage(NAMES, default_lexicon(), aliases)


def test_unstated_qualifiers_lower_coverage() -> None:
    names = coverage()
    query = syllables("tôi muốn đăng ký kết hôn")
    assert names.coverage(query, 1) == 1.0
    assert names.coverage(query, 0) < 0.5


def test_an_alias_counts_as_a_name() -> None:
    names = coverage()
    assert names.coverage(syllables("làm sổ đỏ"), 2) == 1.0


def test_rerank_prefers_the_plain_sibling_and_keeps_scores_in_range() -> None:
    names = coverage()
    fused = np.array([1.0, 0.95, 0.1, 0.0], dtype=np.float32)  # the longer sibling slightly ahead
    reranked = names.rerank(fused, syllables("đăng ký kết hôn"))
    assert int(np.argmax(reranked)) == 1
    assert reranked.max() <= 1.0 and reranked.min() >= 0.0
