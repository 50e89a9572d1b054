"""Is it a petition at all? Khiếu nại and tố cáo follow their own laws and procedures.

The bot calls ``classify_scope`` before filing: a complaint (Luật Khiếu nại 2011) or a denunciation
(Luật Tố cáo 2018) is not filed as a petition; the citizen is guided to the right procedure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from nlu.text import fold_words


class Scope(StrEnum):
    PETITION = "petition"  # phản ánh, kiến nghị
    COMPLAINT = "complaint"  # khiếu nại
    DENUNCIATION = "denunciation"  # tố cáo


# Folded patterns. A denunciation names wrongdoing by a person; a complaint contests a decision or act
# addressed to the citizen. Negations ("không phải khiếu nại") are not counted.
_DENUNCIATION = [
    r"\bto cao\b", r"\btham nhung\b", r"\bnhan hoi lo\b", r"\bdoi hoi lo\b", r"\bhoi lo\b",
    r"\bbao che\b", r"\bung tien moi duoc\b", r"\bdua tien (cho )?can bo\b",
]
_COMPLAINT = [
    r"\bkhieu nai\b", r"\bquyet dinh hanh chinh\b", r"\bhanh vi hanh chinh\b",
    r"\bquyet dinh xu phat\b", r"\bquyet dinh thu hoi dat\b", r"\bquyet dinh ky luat\b",
    r"\bkhong dong y voi quyet dinh\b", r"\bde nghi huy quyet dinh\b",
]
_NEGATION = r"\b(khong phai|chua muon|khong muon|khong)\s+(la\s+)?"

GUIDANCE = {
    Scope.COMPLAINT: (
        "Nội dung này là khiếu nại (không đồng ý với quyết định hoặc việc làm của cơ quan nhà nước), "
        "được giải quyết theo Luật Khiếu nại chứ không qua kênh phản ánh, kiến nghị. "
        "Bạn gửi đơn khiếu nại tới chính cơ quan đã ra quyết định, trong 90 ngày kể từ khi biết "
        "quyết định. Tôi có thể hướng dẫn thủ tục giải quyết khiếu nại nếu bạn muốn."
    ),
    Scope.DENUNCIATION: (
        "Nội dung này là tố cáo (báo cho cơ quan có thẩm quyền biết hành vi vi phạm của người có "
        "chức vụ hoặc cá nhân khác), được giải quyết theo Luật Tố cáo, người tố cáo được giữ bí mật. "
        "Bạn gửi đơn tố cáo có ký tên tới cơ quan quản lý người bị tố cáo hoặc Thanh tra tỉnh. "
        "Tôi có thể hướng dẫn thủ tục giải quyết tố cáo nếu bạn muốn."
    ),
}
PROCEDURE_QUERY = {Scope.COMPLAINT: "giải quyết khiếu nại", Scope.DENUNCIATION: "giải quyết tố cáo"}


@dataclass(frozen=True)
class ScopeResult:
    """What kind of request it is, the words that decided, and what to tell the citizen."""

    scope: Scope
    matched: tuple[str, ...]
    guidance: str | None
    procedure_query: str | None  # what the bot can search the procedure catalogue for


def _hits(folded: str, patterns: list[str]) -> list[str]:
    found = []
    for pattern in patterns:
        for m in re.finditer(pattern, folded):
            before = folded[max(0, m.start() - 20):m.start()]
            if not re.search(_NEGATION + r"$", before):
                found.append(m.group(0).strip())
    return found


def classify_scope(text: str) -> ScopeResult:
    """Tell a petition from a complaint or a denunciation (denunciation wins when both appear)."""
    folded = fold_words(text)
    for scope, patterns in ((Scope.DENUNCIATION, _DENUNCIATION), (Scope.COMPLAINT, _COMPLAINT)):
        hits = _hits(folded, patterns)
        if hits:
            return ScopeResult(scope, tuple(dict.fromkeys(hits)), GUIDANCE[scope], PROCEDURE_QUERY[scope])
    return ScopeResult(Scope.PETITION, (), None, None)
