"""The abbreviation lexicon: expansions, the diacritics rule, and question stopwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.lexicon import COUNTRIES, ForeignNames, Lexicon, default_lexicon, occurs


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lam lai CCCD bi mat", "căn cước công dân"),
        ("Tôi muốn đổi GPLX", "giấy phép lái xe"),
        ("xin cấp sổ đỏ", "giấy chứng nhận quyền sử dụng đất"),
        ("so do bi mat", "giấy chứng nhận quyền sử dụng đất"),
        ("chuyển hộ khẩu về quê", "thường trú"),
        ("rút BHXH một lần", "bảo hiểm xã hội"),
        ("đăng ký ĐKKD", "đăng ký kinh doanh"),
        ("chồng tôi là người Nhật Bản", "yếu tố nước ngoài"),
        ("lay chong nguoi Han Quoc", "yếu tố nước ngoài"),
    ],
)
def test_question_terms_are_expanded(lexicon: Lexicon, text: str, expected: str) -> None:
    assert expected in lexicon.expansions(text)
    assert lexicon.expand(text).startswith(text)


def test_diacritics_must_agree_or_be_absent(lexicon: Lexicon) -> None:
    assert lexicon.expansions("sơ đồ thửa đất") == []
    # country names that are also everyday words stay out: mỹ phẩm, pháp luật, "lao dong"
    for text in ("mỹ phẩm", "tư vấn pháp luật", "hợp đồng lao dong", "người anh trai"):
        assert "yếu tố nước ngoài" not in lexicon.expansions(text)
    assert occurs("sổ đỏ", "so do") and occurs("sổ đỏ", "sổ đỏ")
    assert not occurs("sổ đỏ", "sơ đồ")
    assert not occurs("sổ đỏ", "sổ đỏng")  # whole words only


def test_catalogue_text_gets_abbreviations_but_not_colloquial_words(lexicon: Lexicon) -> None:
    catalogue = "Giải quyết hưởng chế độ TNLĐ, BNN"
    assert {"tai nạn lao động", "bệnh nghề nghiệp"} <= set(lexicon.expansions(catalogue, query=False))
    assert lexicon.expansions("hộ khẩu", query=False) == []
    assert lexicon.expansions("hộ khẩu", query=True) == ["thường trú"]


def test_stopwords_respect_diacritics(lexicon: Lexicon) -> None:
    words = "tôi muốn làm căn cước như thế nào".split()
    assert lexicon.stop_mask(words) == [True, True, True, False, False, True, True, True]
    assert lexicon.is_stopword("can") and lexicon.is_stopword("cần")
    assert not lexicon.is_stopword("căn")


def test_lexicon_reads_its_files(tmp_path: Path) -> None:
    abbreviations = tmp_path / "abbr.tsv"
    abbreviations.write_text("# comment\nubnd\tủy ban nhân dân\nphường\txã\tquery\n", "utf-8")
    lexicon = Lexicon.load(abbreviations, stop={"ạ", "xin hỏi"})
    assert lexicon.expansions("UBND phường") == ["ủy ban nhân dân", "xã"]
    assert lexicon.expansions("UBND phường", query=False) == ["ủy ban nhân dân"]
    assert lexicon.stop_mask(["xin", "hoi", "a"]) == [True, True, True]


@pytest.mark.parametrize(
    "text",
    [
        "chồng tôi là người Mỹ",
        "chong toi la nguoi my",
        "vợ quốc tịch Hàn Quốc",
        "lấy chồng Hàn",
        "bạn gái tôi là người Lào",
        "con lai Nhật",
        "tôi ở Đài Loan về",
        "sang Nhật làm việc 3 năm",
        "bố cháu là người Thụy Điển",
        "mẹ cháu quốc tịch Trung Quốc",
        "chồng là công dân Ô-xtrây-li-a",
        "kết hôn với người Campuchia",
        "vợ tôi người Nga",
        "chồng người Đức",
        "quốc tịch Anh",
        "sinh con ở Úc",
        "lấy vợ người Philippines",
        "kết hôn với người Ấn Độ",
        "chồng tôi là người Pháp",
        "người Ai Cập",
        "ly hôn với chồng Việt kiều",
        "người nước ngoài",
        "NGƯỜI MỸ",
        "nguoi han quoc",
        "sang Braxin định cư",
        "vợ người Ba Lan",
    ],
)
def test_a_foreign_country_or_nationality_is_a_foreign_element(lexicon: Lexicon, text: str) -> None:
    assert lexicon.foreign is not None and lexicon.foreign.mentions(text), text
    assert lexicon.expand(text).endswith("nước ngoài")


@pytest.mark.parametrize(
    "text",
    [
        "quốc tịch Việt Nam",
        "người Việt Nam",
        "mua mỹ phẩm",
        "tư vấn về pháp luật",
        "người lao động",
        "nguoi lao dong",
        "người anh trai",
        "anh Đức đi làm",
        "tôi ở Mỹ Tho",
        "người Lào Cai",
        "ở Đức Trọng",
        "người Thái",  # an ethnic group of Việt Nam
        "cập nhật thông tin",
        "chủ nhật nghỉ",
        "đất thổ cư",
        "gia hạn thời hạn",
        "làm lại căn cước",
        "ai cấp giấy phép",  # "ai cap" is not Ai Cập
        "ở đài phát thanh",
        "đồng ý",
    ],
)
def test_everyday_words_and_vietnamese_places_are_not_foreign(lexicon: Lexicon, text: str) -> None:
    assert lexicon.foreign is not None and not lexicon.foreign.mentions(text), (
        lexicon.foreign.found(text)
    )


def test_country_list_covers_the_world() -> None:
    lines = [line for line in COUNTRIES.read_text("utf-8").splitlines()
             if line.strip() and not line.startswith(("#", "!"))]
    assert len(lines) >= 190  # about 200 countries and territories, one a line
    names = {name.lstrip("~") for line in lines for name in line.split("|")}
    for name in ("hoa kỳ", "mỹ", "hàn quốc", "hàn", "trung quốc", "đài loan", "nhật bản",
                 "nhật", "pháp", "đức", "úc", "ô-xtrây-li-a", "lào", "campuchia"):
        assert name in names, name


def test_risky_names_need_their_context(tmp_path: Path) -> None:
    countries = tmp_path / "countries.txt"
    countries.write_text("# test\nhoa kỳ|~mỹ\n~~anh|anh quốc\n!mỹ tho\n", "utf-8")
    foreign = ForeignNames.load(countries)
    assert foreign.found("ở Hoa Kỳ") == ["hoa kỳ"]
    assert foreign.found("người Mỹ") == ["mỹ"] and not foreign.mentions("mỹ thuật")
    assert not foreign.mentions("người mỹ tho")  # a blanked phrase, even in lower case
    assert not foreign.mentions("người Mỹ Hào")  # a capital after the name: a longer place name
    assert foreign.mentions("nước Anh") and not foreign.mentions("người anh")
    assert not Lexicon.load(countries=None).expansions("người Mỹ")  # detection is optional
