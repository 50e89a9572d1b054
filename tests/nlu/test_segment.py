from nlu.segment import segment_words


def test_words_keep_offsets_into_the_original_text() -> None:
    text = "Tôi muốn đăng ký khai sinh cho con"
    spans = segment_words(text)
    assert [s.text for s in spans] == ["Tôi", "muốn", "đăng ký", "khai sinh", "cho", "con"]
    for span in spans:
        assert text[span.start : span.end] == span.text


def test_keys_are_folded_so_diacritics_do_not_matter() -> None:
    keys = {s.key for s in segment_words("dang ky khai sinh cho con")}
    assert "khai_sinh" in keys
    assert {s.key for s in segment_words("Khai sinh")} == {"khai_sinh"}


def test_offsets_survive_extra_spaces_and_punctuation() -> None:
    text = "  mất   CCCD,  làm lại ở đâu?"
    for span in segment_words(text):
        assert text[span.start : span.end] == span.text


def test_blank_input_has_no_words() -> None:
    assert segment_words("") == []
    assert segment_words("   \n") == []
