"""Papers, levels, result and legal basis of real records, checked against the source text."""

from __future__ import annotations

import unicodedata

from knowledge.catalogue.codec import from_dict, to_dict
from knowledge.catalogue.parse_papers import parse_paper_text, refine_section
from knowledge.catalogue.text import clean
from knowledge.procedure import Level, Paper, PaperKind


def test_birth_registration_sections_and_counts(catalogue):
    papers = catalogue["1.001193"].papers
    first = papers[0]
    assert first.group == "Giấy tờ phải nộp"
    assert first.name.startswith("- Trường hợp trẻ em bị bỏ rơi")
    assert (first.originals, first.copies) == (1, None)
    # "…thì không phải nộp bản giấy.0 bản chính"
    assert papers[2].originals == 0
    presented = [p for p in papers if p.group == "Giấy tờ phải xuất trình"]
    assert presented and presented[1].name.startswith("- Giấy tờ có giá trị chứng minh thông tin về cư trú")


def test_original_and_copy_counts():
    # 2.001999: "- Bản sao hợp lệ Giấy chứng nhận đăng ký mã số thuế;0 bản chính,1 bản sao"
    papers = parse_paper_text(
        "--Tên giấy tờMẫu đơn, tờ khaiSố lượng- Bản sao hợp lệ Giấy chứng nhận đăng ký mã số thuế;"
        "0 bản chính,1 bản sao- Bản sao hợp lệ Giấy đăng ký kinh doanh của hộ kinh doanh;0 bản chính,1 bản sao"
    )
    assert [(p.originals, p.copies) for p in papers] == [(0, 1), (0, 1)]
    assert papers[0].name == "- Bản sao hợp lệ Giấy chứng nhận đăng ký mã số thuế"
    assert papers[0].group is None


def test_attached_form_is_split_from_the_name(catalogue):
    # 1.000752: "…theo mẫu tại Phụ lục XIII ban hành kèm theo Thông tư số 56/2025/TT-NHNN.Phụ lục XIII.docx1 bản chính"
    paper = next(p for p in catalogue["1.000752"].papers if p.form)
    assert paper.form == "Phụ lục XIII.docx"
    assert paper.name.endswith("Thông tư số 56/2025/TT-NHNN.")
    assert paper.originals == 1


def test_defence_papers_rows(catalogue):
    # ghi_chu "Bản chính: 1\nBản sao: 0"; so_luong holds the form file "5-PHLCII.doc"
    papers = catalogue["1.013124"].papers
    assert (papers[0].originals, papers[0].copies) == (1, 0)
    assert papers[1].form == "5-PHLCII.doc"


def test_levels_result_and_legal_basis(catalogue):
    p = catalogue["1.001193"]
    assert p.levels == (Level.COMMUNE,)
    assert p.result == "Giấy khai sinh"
    assert p.legal_basis[0] == (
        "Thông tư Hướng dẫn về phí và lệ phí thuộc thẩm quyền quyết định của Hội đồng nhân dân "
        "tỉnh, thành phố trực thuộc Trung ương (85/2019/TT-BTC)"
    )
    assert "Luật 60/2014/QH13" in p.legal_basis
    assert catalogue["1.004222"].competent_agency == "Công an cấp Xã"


def test_result_without_portal_furniture(catalogue):
    # 2.000012: "Xác nhận thông quanMã: KQ.G12.000327Từ khóaKhông có thông tinMô tả…", "Cấp xã"
    p = catalogue["2.000012"]
    assert p.result == "Xác nhận thông quan"
    assert p.levels == (Level.COMMUNE,)


# --- Kinds, labels and the law's order ------------------------------------------------------

TABLE = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"


def _named(papers, start: str) -> Paper:
    """The item starting with ``start`` (the source mixes composed and decomposed diacritics)."""
    return next(p for p in papers
                if unicodedata.normalize("NFC", p.name).lstrip("-+* ").startswith(start))


def test_marriage_papers_are_told_apart_from_notes(catalogue):
    # 2.000806 lists 32 items: a "Lưu ý" section, rules inside the paper sections, a heading
    # ("… các giấy tờ sau:") and the declaration form in an untitled section at the very end.
    p = catalogue["2.000806"]
    notes = [x for x in p.papers if x.group == "Lưu ý"]
    assert notes and all(x.kind is PaperKind.NOTE for x in notes)
    assert _named(p.papers, "Tờ khai đăng ký kết hôn").kind is PaperKind.SUBMIT
    for note in ("Giá trị sử dụng của giấy tờ", "Trường hợp giấy tờ tùy thân sử dụng là",
                 "Người có yêu cầu đăng ký kết hôn thực hiện việc nộp/xuất trình"):
        assert _named(p.papers, note).kind is PaperKind.NOTE, note
    assert _named(p.papers, "Hộ chiếu/Thẻ căn cước").kind is PaperKind.SHOW
    assert len(p.required_papers) == len(p.papers_to_submit) + len(p.papers_to_show)
    assert len(p.required_papers) + len(p.paper_notes) == len(p.papers)
    assert len(p.paper_notes) > len(p.required_papers)  # most of the 32 items are notes


def test_a_case_heading_groups_the_papers_after_it(catalogue):
    papers = catalogue["2.000806"].papers
    heading = _named(papers, "Ngoài giấy tờ nêu trên, tùy từng trường hợp")
    assert heading.kind is PaperKind.NOTE
    after = papers[papers.index(heading) + 1 :]
    cases = [x for x in after if x.group and x.group.startswith("Ngoài giấy tờ nêu trên")]
    assert [x.kind for x in cases[:3]] == [PaperKind.SUBMIT] * 3
    assert cases[0].name.startswith("- Công dân Việt Nam là công chức")
    assert _named(papers, "Giấy xác nhận của tổ chức y tế").group == "Giấy tờ phải nộp"


def test_birth_registration_rules_are_notes(catalogue):
    p = catalogue["1.001193"]
    assert _named(p.papers, "Trường hợp giấy tờ tùy thân sử dụng là").kind is PaperKind.NOTE
    assert _named(p.papers, "Cá nhân có quyền lựa chọn").kind is PaperKind.NOTE
    assert _named(p.papers, "Giấy chứng sinh").kind is PaperKind.SUBMIT
    # A conditional paper is still a paper: "Trường hợp trẻ em bị bỏ rơi thì phải có biên bản…"
    assert _named(p.papers, "Trường hợp trẻ em bị bỏ rơi").kind is PaperKind.SUBMIT


def test_scrambled_labels_are_put_back_in_the_laws_order(catalogue):
    # 1.004478 lists c), b), a), d); the application (a) comes first again.
    p = catalogue["1.004478"]
    assert [x.label for x in p.papers] == ["a", "b", "c", "d"]
    assert p.papers[0].name.startswith("a) Đơn đề nghị công bố mở cảng cá")
    source = clean(p.papers_text)
    assert all(clean(x.text) in source for x in p.papers)  # each item keeps its own text


def test_letters_under_a_numbered_item_follow_it():
    text = TABLE + "".join(
        f"{item}1 bản chính" for item in (
            "c) Văn bản thứ ba", "2. Văn bản chứng minh mục đích, bao gồm:", "a) Văn bản thứ nhất",
            "1. Đơn đề nghị theo mẫu", "b) Văn bản thứ hai"))
    assert [p.label for p in parse_paper_text(text)] == ["1", "2", "a", "b", "c"]


def test_a_label_used_twice_leaves_the_order_alone():
    # Two lists merged into one section (one per case): which a) goes where is unknowable.
    names = ("b) Biên bản họp", "a) Điều lệ", "b) Quyết định", "a) Điều lệ")
    papers = [Paper(name) for name in names]
    assert [p.name for p in refine_section(papers, None)] == [p.name for p in papers]


def test_roman_labels_are_not_letters():
    papers = [Paper(f"({label}) Giấy tờ {label}") for label in ("iv", "v", "i", "ii", "iii")]
    assert [p.label for p in refine_section(papers, None)] == ["i", "ii", "iii", "iv", "v"]


def test_defence_rows_are_classified_too(catalogue):
    shown = catalogue["1.013577"].papers[0]  # "Giấy tờ phải xuất trình: Một trong các loại…"
    assert shown.kind is PaperKind.SHOW
    # "Thành phần hồ sơ 2: Giấy chứng tử…": the ministry numbers its items in words
    assert [x.label for x in catalogue["1.013141"].papers] == ["1", "2", "3", "4"]


def test_a_source_saying_no_papers_has_none(catalogue):
    # 2.001201: the whole table is "không quy định"
    p = catalogue["2.001201"]
    assert p.papers and not p.required_papers


def test_old_constructor_calls_still_make_papers():
    paper = Paper("Đơn đề nghị", None, 1, None, "Giấy tờ phải nộp", "Đơn đề nghị1 bản chính")
    assert paper.kind is PaperKind.SUBMIT and paper.label is None and paper.is_paper


def test_papers_round_trip_through_the_store_format(catalogue):
    for code in ("2.000806", "1.004478", "1.013577"):
        p = catalogue[code]
        assert from_dict(to_dict(p)) == p


def test_rows_stored_before_kinds_are_classified_again(catalogue):
    data = to_dict(catalogue["1.004478"])
    # as stored before: the source's scrambled order, no kind, no label
    by_label = {row["label"]: row for row in data["papers"]}
    data["papers"] = [{k: v for k, v in by_label[label].items() if k not in ("kind", "label")}
                      for label in ("c", "b", "a", "d")]
    papers = from_dict(data).papers
    assert [x.label for x in papers] == ["a", "b", "c", "d"]
    assert all(x.kind is PaperKind.SUBMIT for x in papers)
    notes = to_dict(catalogue["2.000806"])
    notes["papers"] = [{k: v for k, v in row.items() if k not in ("kind", "label")}
                       for row in notes["papers"]]
    loaded = from_dict(notes)
    noted = [x for x in loaded.papers if x.group == "Lưu ý"]
    assert noted and all(x.kind is PaperKind.NOTE for x in noted)
    assert _named(loaded.papers, "Tờ khai đăng ký kết hôn").kind is PaperKind.SUBMIT
