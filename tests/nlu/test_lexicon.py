"""The abbreviation lexicon: expansions, the diacritics rule, and question stopwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.lexicon import Lexicon, default_lexicon, occurs


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
        ("chồng tôi là người Nhật Bản", "nước ngoài"),
        ("lay chong nguoi Han Quoc", "nước ngoài"),
    ],
)
def test_question_terms_are_expanded(lexicon: Lexicon, text: str, expected: str) -> None:
    assert expected in lexicon.expansions(text)
    assert lexicon.expand(text).startswith(text)


def test_diacritics_must_agree_or_be_absent(lexicon: Lexicon) -> None:
    assert lexicon.expansions("sơ đồ thửa đất") == []
    # country names that are also everyday words stay out: mỹ phẩm, pháp luật, "lao dong"
    for text in ("mỹ phẩm", "tư vấn pháp luật", "hợp đồng lao dong", "người anh trai"):
        assert "nước ngoài" not in lexicon.expansions(text)
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
    stopwords = tmp_path / "stop.txt"
    stopwords.write_text("ạ\nxin hỏi\n", "utf-8")
    lexicon = Lexicon.load(abbreviations, stopwords)
    assert lexicon.expansions("UBND phường") == ["ủy ban nhân dân", "xã"]
    assert lexicon.expansions("UBND phường", query=False) == ["ủy ban nhân dân"]
    assert lexicon.stop_mask(["xin", "hoi", "a"]) == [True, True, True]
