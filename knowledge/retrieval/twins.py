"""Twins: one procedure published at several levels of government under several codes.

"Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên" exists as a commune procedure, a provincial
one "(thực hiện tại cấp tỉnh)" and a central one "(thực hiện tại cấp trung ương)"; "Cấp giấy phép
thăm dò khoáng sản (cấp Bộ)" and "(cấp Tỉnh)". Their names differ only by a level qualifier, so the
question cannot tell them apart, and they need not be told apart: a citizen of the province goes to
the variant the province (or the commune) handles. ``Twins`` groups the catalogue by name without
the level qualifier, knows which members are local, and collapses a ranking to one entry per
group: the local variant, unless the question asks for the central level ("trung ương", "Cục Quản
lý xuất nhập cảnh"), with the other members attached. Offering the same procedure twice would waste
a place in the list and make a clear answer look ambiguous.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from knowledge.procedure import Level
from nlu.lexicon import occurs
from nlu.normalize import canonical, folded
from nlu.text import fold

# The levels a provincial deployment handles itself: the default of the chat (Lạng Sơn).
LOCAL_LEVELS: frozenset[Level] = frozenset({Level.PROVINCE, Level.COMMUNE})

_LEVEL = r"(tinh|xa|huyen|trung uong|bo)"
# "(thực hiện tại cấp tỉnh)", "(cấp Trung ương)" anywhere; "… cấp tỉnh", "… - cấp Trung ương" at the
# end. Only these forms: "thành phố trực thuộc Trung ương" or "cán bộ cấp xã" are not qualifiers.
_QUALIFIER_IN_BRACKETS = re.compile(r"\(\s*(?:thuc hien\s+)?(?:tai\s+)?cap\s+" + _LEVEL + r"\s*\)")
_QUALIFIER_AT_END = re.compile(
    r"[\s,;:\-–]*(?:thuc hien\s+)?(?:tai\s+)?cap\s+" + _LEVEL + r"[\s.;]*$"
)
_PREFIX = re.compile(r"^thu tuc\s+")
_NON_WORD = re.compile(r"[^\w]+")
_CENTRAL = {"trung uong", "bo"}
# A question naming the central level or a central department asks for the central twin.
CENTRAL_CUES = ("trung ương", "cấp bộ", "cục")


def qualifiers(name: str) -> list[str]:
    """The level qualifiers a procedure name states (folded: "tinh", "trung uong"…)."""
    key = folded(name)
    found = _QUALIFIER_IN_BRACKETS.findall(key)
    end = _QUALIFIER_AT_END.search(_QUALIFIER_IN_BRACKETS.sub(" ", key).strip())
    return found + ([end.group(1)] if end else [])


def without_level(name: str) -> str:
    """The name (canonical form) without its level qualifiers: "cấp hộ chiếu phổ thông ở trong
    nước" for "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"."""
    text = canonical(name)
    key = fold(text)
    if len(key) != len(text):  # folding changed lengths: spans would not line up
        return text
    for pattern in (_QUALIFIER_IN_BRACKETS, _QUALIFIER_AT_END):
        spans = [m.span() for m in pattern.finditer(key)]
        for start, end in reversed(spans):
            text, key = text[:start] + " " + text[end:], key[:start] + " " + key[end:]
        text, key = text.strip(), key.strip()
    return text


def twin_key(name: str) -> str:
    """The name without level qualifiers, a leading "Thủ tục" and punctuation."""
    key = _QUALIFIER_IN_BRACKETS.sub(" ", folded(name))
    key = _QUALIFIER_AT_END.sub("", key.strip())
    key = _PREFIX.sub("", key.strip())
    return _NON_WORD.sub(" ", key).strip()


def asks_for_central_level(question: str) -> bool:
    """True when the question names the central level ("trung ương", "cấp bộ", "Cục …")."""
    text = canonical(question)
    return any(occurs(cue, text) for cue in CENTRAL_CUES)


class Twins:
    """Groups of procedures that are the same procedure at other levels, and which are local."""

    def __init__(
        self, names: Sequence[str], levels: Sequence[Iterable[Level]] | None = None
    ) -> None:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(names):
            groups[twin_key(name)].append(i)
        self._group = [tuple(groups[twin_key(name)]) for name in names]
        levels = levels if levels is not None else [() for _ in names]
        found = [set(qualifiers(name)) for name in names]
        # A name that says "trung ương" / "cấp bộ" is the central variant whatever its levels say
        # (one such procedure is filed under the provincial level in the catalogue).
        self._levels = [
            frozenset({Level.MINISTRY}) if _CENTRAL & q else frozenset(lv)
            for q, lv in zip(found, levels)
        ]
        self._qualified = [bool(q) for q in found]

    def of(self, document: int) -> tuple[int, ...]:
        """The other members of ``document``'s group (empty when it has no twin)."""
        return tuple(i for i in self._group[document] if i != document)

    def are_twins(self, a: int, b: int) -> bool:
        return a != b and b in self._group[a]

    def is_local(self, document: int, local_levels: frozenset[Level]) -> bool:
        """Handled at one of ``local_levels`` (a central-named variant: at the ministry level)."""
        return bool(self._levels[document] & local_levels)

    def collapse(
        self,
        ranking: Sequence[int],
        local_levels: frozenset[Level],
        central: bool = False,
    ) -> list[tuple[int, tuple[int, ...]]]:
        """One entry per group, at the position of its best-ranked member: ``(chosen, others)``.

        The chosen member is a local variant (a central one when ``central``; without
        ``local_levels``, the best-ranked member). Among several local variants the one whose name
        states no level comes first ("Cấp lại thẻ căn cước", the commune's, before "… (thực hiện
        tại cấp tỉnh)"), then the best-ranked: the question cannot tell them apart, so the choice
        is the catalogue's plain entry rather than whichever scored a hair higher. ``others`` are
        the rest of the group, in the same order of preference. A twin found further down the
        ranking, or not retrieved at all, is still the same procedure and is chosen all the same.
        """
        rank = {document: position for position, document in enumerate(ranking)}
        last = len(ranking)
        out: list[tuple[int, tuple[int, ...]]] = []
        seen: set[tuple[int, ...]] = set()
        for document in ranking:
            group = self._group[document]
            if group in seen:
                continue
            seen.add(group)
            if len(group) == 1:
                out.append((document, ()))
                continue

            def preference(member: int) -> tuple[bool, bool, int]:
                if not local_levels:
                    return False, False, rank.get(member, last)
                other_side = self.is_local(member, local_levels) == central
                return other_side, self._qualified[member], rank.get(member, last)

            members = sorted(group, key=preference)
            out.append((members[0], tuple(members[1:])))
        return out
