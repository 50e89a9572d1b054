import unicodedata

from nlu.normalize import canonical, clean, fold, folded, has_diacritics


def test_clean_composes_unicode_and_drops_invisible_characters() -> None:
    decomposed = unicodedata.normalize("NFD", "Đăng ký")
    assert decomposed != "Đăng ký"
    assert clean(f"  {decomposed}\u200b\t khai\x00sinh \n") == "Đăng ký khai sinh"


def test_old_and_new_tone_placement_compare_equal() -> None:
    assert canonical("Hoà bình") == canonical("Hòa bình") == "hòa bình"
    assert canonical("thuỷ lợi") == canonical("thủy lợi")
    assert canonical("KHOẺ") == "khỏe"


def test_fold_removes_every_diacritic_including_d_bar() -> None:
    assert fold("Đăng ký khai sinh cho con") == "Dang ky khai sinh cho con"
    assert folded("Tôi muốn ĐĂNG KÝ khai sinh") == folded("toi muon dang ky khai sinh")


def test_has_diacritics() -> None:
    assert has_diacritics("sổ đỏ")
    assert not has_diacritics("so do")


def test_empty_and_emoji_only_input_survive() -> None:
    assert canonical("") == ""
    assert folded("😀🙏") == "😀🙏"
