from nlu.normalize import canonical, folded


def test_old_and_new_tone_placement_compare_equal() -> None:
    assert canonical("Hoà bình") == canonical("Hòa bình") == "hòa bình"
    assert canonical("thuỷ lợi") == canonical("thủy lợi")
    assert canonical("KHOẺ") == "khỏe"


def test_folded_is_the_canonical_form_without_diacritics() -> None:
    assert folded("Tôi muốn ĐĂNG KÝ khai sinh") == folded("toi muon dang ky khai sinh")
    assert folded("  Hoà\u200b bình ") == "hoa binh"


def test_empty_and_emoji_only_input_survive() -> None:
    assert canonical("") == ""
    assert folded("😀🙏") == "😀🙏"
