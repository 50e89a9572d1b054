"""Papers, levels, result and legal basis of real records, checked against the source text."""

from __future__ import annotations

from knowledge.procedure import Level


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
    from knowledge.catalogue.parse_papers import parse_paper_text

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
