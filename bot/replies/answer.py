"""An :class:`~knowledge.answer.Answer` as a chat message: the asked fact first, in a few lines,
then the next step as buttons. Honest when unsure: several candidates are offered, never one
presented as certain; a question the catalogue does not answer is said to be unanswered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.replies.aspects import LABELS, aspect_text, one_line
from bot.replies.papers import REPLY_LIMIT, all_papers_text
from bot.replies.card import procedure_card
from bot.replies.text import procedure_title, shorten
from knowledge.answer import Answer, Aspect
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.procedure import Procedure

MAX_CHARS = REPLY_LIMIT  # one bubble on every channel (Zalo's limit; Telegram allows 4,096)
NOTHING_FOUND = (
    "Tôi chưa tìm thấy thủ tục phù hợp. Bạn hãy kể rõ hơn việc cần làm, "
    "ví dụ: «làm lại căn cước bị mất» hoặc «đăng ký kết hôn»."
)
CLARIFY = "Tôi chưa chắc bạn cần thủ tục nào. Bạn chọn đúng thủ tục bên dưới, hoặc kể rõ hơn việc cần làm."
NOT_IN_CATALOGUE = (
    "Danh mục thủ tục không nói rõ điều bạn hỏi, nên tôi không trả lời để tránh sai. "
    "Bạn có thể nhắn «gặp cán bộ» để hỏi cán bộ, hoặc gửi phản ánh, kiến nghị."
)
ASK_WHICH = "Bạn đang hỏi về thủ tục nào? Hãy kể ngắn gọn việc cần làm, ví dụ: «lệ phí đăng ký kết hôn»."
NEXT_STEP = "Bạn cần biết thêm gì? Chọn bên dưới hoặc nhắn câu hỏi."
FOLLOW_UPS = (Aspect.PAPERS, Aspect.FEE, Aspect.TIME, Aspect.WHERE, Aspect.ONLINE)
ASPECT_INTENTS = {aspect: f"ask_{aspect.value}" for aspect in Aspect}  # the domain's intents
MAX_BUTTONS = 5
HUMAN_BUTTON = {"title": "Gặp cán bộ", "payload": "/request_human"}


@dataclass(frozen=True)
class Reply:
    """One chat message: text and quick-reply buttons (title, payload)."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def choose_payload(code: str) -> str:
    """A button payload that sends intent ask_procedure with the chosen code, skipping the NLU."""
    return "/ask_procedure" + json.dumps({"procedure_code": code})


def aspect_payload(aspect: Aspect) -> str:
    return f"/{ASPECT_INTENTS[aspect]}"


def render(answer: Answer, overlay: ProvincialOverlay | None = None) -> Reply:
    """The message for ``answer`` (see :class:`~knowledge.answer.Answer` for its shapes)."""
    if answer.procedure is not None:
        return _about(answer, answer.procedure, overlay)
    if answer.candidates:
        return _choose(answer, overlay)
    return Reply(NOTHING_FOUND if answer.names_a_topic else ASK_WHICH)


def _about(answer: Answer, procedure: Procedure, overlay: ProvincialOverlay | None) -> Reply:
    if not answer.aspects and not answer.passage_question:
        return Reply(fit(procedure_card(procedure, overlay), procedure), _follow_ups(procedure, ()))
    title = f"📄 {procedure_title(procedure.name, procedure.code)}"
    if answer.aspects == (Aspect.PAPERS,):  # the whole list, which brings its own next step
        lines = [all_papers_text(procedure, head=title), *_quotes(answer)]
        return Reply(fit("\n".join(lines), procedure), _follow_ups(procedure, answer.aspects))
    lines = [title]
    alone = len(answer.aspects) == 1
    lines += [aspect_text(procedure, aspect, overlay, alone=alone) for aspect in answer.aspects]
    if answer.passages:
        lines += _quotes(answer)
    elif answer.unanswered_passage:
        lines.append(NOT_IN_CATALOGUE)
    lines.append(NEXT_STEP)
    buttons = _follow_ups(procedure, answer.aspects)
    if answer.unanswered_passage:
        buttons = [HUMAN_BUTTON, *buttons][:MAX_BUTTONS]
    return Reply(fit("\n".join(lines), procedure), buttons)


def _choose(answer: Answer, overlay: ProvincialOverlay | None) -> Reply:
    """Several candidates, each with the asked facts and what its own text says, to compare."""
    lines = [CLARIFY]
    quotes = {p.code: p for p in answer.passages}
    shown: set[str] = set()
    for number, procedure in enumerate(answer.candidates, start=1):
        lines.append(f"{number}. {procedure_title(procedure.name, procedure.code)}")
        if number == 1:  # the likeliest in full, the others in one line each
            lines += [aspect_text(procedure, aspect, overlay, alone=False) for aspect in answer.aspects]
        else:
            lines += [f"   • {one_line(procedure, aspect, overlay)}" for aspect in answer.aspects[:2]]
        quote = quotes.get(procedure.code)
        if quote is not None and quote.text not in shown:  # twins often share a sentence
            shown.add(quote.text)
            lines.append(f"   • Danh mục ghi: «{shorten(quote.text, 220)}»")
    return Reply(fit("\n".join(lines), None), choice_buttons(answer.candidates))


def choice_buttons(procedures: Iterable[Procedure]) -> list[dict[str, str]]:
    """One button per procedure; a tap sends its code, skipping the NLU."""
    return [{"title": shorten(p.name, 60), "payload": choose_payload(p.code)} for p in procedures]


def _quotes(answer: Answer) -> list[str]:
    if not answer.passages:
        return []
    return ["Danh mục ghi:", *(f"«{shorten(p.text, 420)}»" for p in answer.passages)]


def _follow_ups(procedure: Procedure, answered: tuple[Aspect, ...]) -> list[dict[str, str]]:
    """The usual next questions not answered yet, then the whole card."""
    buttons = [
        {"title": LABELS[a], "payload": aspect_payload(a)} for a in FOLLOW_UPS if a not in answered
    ][: MAX_BUTTONS - bool(answered)]
    if answered:
        buttons.append({"title": "Xem đủ thông tin", "payload": choose_payload(procedure.code)})
    return buttons


def fit(text: str, procedure: Procedure | None) -> str:
    """Cut a reply that would not fit one bubble, pointing to the official page for the rest."""
    if len(text) <= MAX_CHARS:
        return text
    more = f"\n… (xem đủ tại {procedure.url})" if procedure is not None and procedure.url else "\n…"
    return text[: MAX_CHARS - len(more)].rsplit("\n", 1)[0] + more
