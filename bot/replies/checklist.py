"""The papers a citizen still lacks after the checklist, each with the procedure that issues it
when the catalogue has one: the list the domain response ``utter_checklist_missing`` shows."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.procedure import Procedure


def missing_papers_text(missing: Sequence[tuple[str, Procedure | None]]) -> str:
    """One bullet per paper name; ``→ xin qua thủ tục …`` under it when a procedure issues it."""
    lines = []
    for name, source in missing:
        lines.append(f"• {name}")
        if source is not None:
            lines.append(f"   → xin qua thủ tục «{source.name}» (mã {source.code})")
    return "\n".join(lines)
