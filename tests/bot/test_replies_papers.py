"""The papers replies built from real catalogue records: real papers only, the ones everyone needs
first, the law's labels and order, and one chat bubble (Zalo: 2,000 characters) for every
procedure of the catalogue."""

from __future__ import annotations

import re

import pytest

from bot.replies import all_papers_text, essential_first, papers_text
from bot.replies.papers import MAX_PAPERS_SHOWN, NEXT_STEP, NO_LIST_NEXT_STEP, REPLY_LIMIT, bare_name
from knowledge.procedure import PaperKind

# A paper's line in the full list: the law's label ("a)", "2.", "(iv)" → "iv)") or "–".
PAPER_LINE = re.compile(r"^(?:\d+(?:\.\d+)*[a-zđ]?\.|[a-zđ]+(?:\.?\d+)*\)|–) ")


def _bullets(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines()[1:] if line.startswith("• ")]


def _paper_lines(text: str) -> list[str]:
    """Lines listing a paper, before the notes and the footer (headings end with a colon)."""
    body = text.split("\nLưu ý:\n")[0]
    return [line for line in body.splitlines()
            if PAPER_LINE.match(line) and not line.endswith(":")]


def test_the_marriage_form_is_among_the_first_papers(catalogue) -> None:
    # 2.000806: the source puts the declaration 31st of 32 items, after 20-odd notes.
    card = papers_text(catalogue["2.000806"])
    first = _bullets(card)[:2]
    assert any(line.startswith("Tờ khai đăng ký kết hôn") for line in first), card
    assert "Cá nhân có quyền lựa chọn" not in card and "Giá trị sử dụng" not in card


def test_birth_registration_starts_with_its_form(catalogue) -> None:
    card = papers_text(catalogue["1.001193"])
    assert _bullets(card)[0].startswith("Tờ khai đăng ký khai sinh")
    assert "Trường hợp giấy tờ tùy thân" not in card


def test_notes_are_not_counted_as_papers(catalogue) -> None:
    procedure = catalogue["2.000806"]
    distinct = {bare_name(p).lower() for p in procedure.required_papers}
    hidden = int(re.search(r"… và (\d+) giấy tờ khác", papers_text(procedure))[1])
    assert hidden == len(distinct) - MAX_PAPERS_SHOWN
    assert len(procedure.papers) - len(procedure.required_papers) > hidden  # notes left out


def test_essential_first_keeps_papers_only(catalogue) -> None:
    papers = catalogue["1.001193"].papers
    ordered = essential_first(papers)
    assert all(p.is_paper for p in ordered)
    assert len(ordered) == len([p for p in papers if p.kind is not PaperKind.NOTE])
    names = [bare_name(p).lower() for p in ordered]
    assert names.index(next(n for n in names if n.startswith("giấy chứng sinh"))) < names.index(
        next(n for n in names if "bỏ rơi" in n))


def test_full_list_keeps_the_laws_labels_in_order(catalogue) -> None:
    # 1.004478 lists c), b), a), d) in the source
    text = all_papers_text(catalogue["1.004478"])
    assert [line[:2] for line in _paper_lines(text)] == ["a)", "b)", "c)", "d)"]
    assert _paper_lines(text)[0].startswith("a) Đơn đề nghị công bố mở cảng cá")
    assert text.endswith(NEXT_STEP)


def test_full_list_splits_papers_handed_in_and_shown(catalogue) -> None:
    text = all_papers_text(catalogue["2.000806"])
    submit, show = text.index("Giấy tờ phải nộp"), text.index("Giấy tờ xuất trình")
    passport = text.index("Hộ chiếu/Thẻ căn cước")
    declaration = text.index("Tờ khai đăng ký kết hôn")
    assert submit < declaration < show < passport
    notes = text.split("\nLưu ý:\n")[1]
    assert "Giá trị sử dụng" in notes and "Tờ khai" not in notes
    assert len(text) <= REPLY_LIMIT


def test_a_table_that_lists_no_paper_says_so(catalogue) -> None:
    procedure = catalogue["2.001201"]  # "không quy định"
    assert "chưa ghi rõ" in papers_text(procedure)
    assert all_papers_text(procedure).endswith(NO_LIST_NEXT_STEP)  # no checklist to offer


@pytest.fixture(scope="module")
def replies(catalogue) -> dict[str, tuple[str, str]]:
    return {code: (papers_text(p), all_papers_text(p)) for code, p in catalogue.items()}


def test_every_papers_reply_fits_one_chat_bubble(replies) -> None:
    too_long = {code: max(len(card), len(full)) for code, (card, full) in replies.items()
                if max(len(card), len(full)) > REPLY_LIMIT}
    assert not too_long


def test_every_full_list_counts_each_paper_once_and_ends_with_the_next_step(
        catalogue, replies) -> None:
    for code, (_, full) in replies.items():
        procedure = catalogue[code]
        if not procedure.required_papers:
            assert full.endswith(NO_LIST_NEXT_STEP), code
            continue
        assert full.endswith(NEXT_STEP), code
        listed = len(_paper_lines(full))
        more = re.search(r"^… và (\d+) giấy tờ khác\.$", full, re.MULTILINE)
        left = int(more[1]) if more else 0
        assert listed + left == len(procedure.required_papers), code
        if more:  # a cut list says where the whole list is
            assert procedure.url in full, code
