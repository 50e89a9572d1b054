"""The one set of Vietnamese text rules: folding, the diacritics check, syllables, stop words."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pytest

from nlu import text
from nlu.text import (
    clean,
    fold,
    fold_words,
    has_diacritics,
    stop_syllables,
    stopwords,
    syllables,
)


def nfd(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value)
    assert decomposed != value  # the case under test really is decomposed
    return decomposed


def test_clean_composes_unicode_and_drops_invisible_characters() -> None:
    assert clean(f"  {nfd('Đăng ký')}\u200b\t khai\x00sinh \n") == "Đăng ký khai sinh"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Đăng ký khai sinh cho con", "dang ky khai sinh cho con"),
        ("ĐỒNG ĐĂNG", "dong dang"),  # đ and Đ, upper case
        ("dang ky", "dang ky"),  # nothing to fold
        ("Hoà, thuỷ; hòa (cấp tỉnh)…", "hoa, thuy; hoa (cap tinh)…"),  # punctuation stays
        ("người Mỹ 😀", "nguoi my 😀"),  # other characters stay
        ("", ""),
    ],
)
def test_fold_lowers_and_removes_every_diacritic(typed: str, expected: str) -> None:
    assert fold(typed) == expected


def test_fold_reads_composed_and_decomposed_alike_and_keeps_offsets() -> None:
    composed = "Trường hợp nào được miễn lệ phí đăng ký?"
    assert fold(nfd(composed)) == fold(composed)
    assert len(fold(composed)) == len(composed)  # callers map folded matches back by offset
    # a combining mark typed after a precomposed letter ("ê" + acute) folds like "ế"
    assert fold("ê\u0301") == fold("ế") == "e"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Đèn ĐƯỜNG hỏng!!", "den duong hong"),
        ("  đường—số 5,  ngõ 3 ", "duong so 5 ngo 3"),
        ("ＣＣＣＤ số ２", "cccd so 2"),  # full-width forms (NFKC) become plain
        ("phòng_họp", "phong hop"),  # "_" separates words
        ("😀 !!", ""),
        (None, ""),
    ],
)
def test_fold_words_keeps_only_ascii_syllables(typed: str | None, expected: str) -> None:
    assert fold_words(typed) == expected


def test_fold_words_reads_composed_and_decomposed_alike() -> None:
    assert fold_words(nfd("Xã Đồng Đăng")) == fold_words("Xã Đồng Đăng") == "xa dong dang"


@pytest.mark.parametrize(
    ("typed", "marked"),
    [
        ("sổ đỏ", True),
        ("so do", False),
        ("SO DO", False),
        ("đi", True),  # đ is a diacritic too
        ("ĐI", True),
        ("e\u0302", True),  # decomposed
        ("ho so 😀", False),  # an emoji is not a diacritic
        ("\u2764\ufe0f", False),  # nor its variation selector (a combining mark)
        ("", False),
        (None, False),
    ],
)
def test_has_diacritics(typed: str | None, marked: bool) -> None:
    assert has_diacritics(typed) is marked


def test_has_diacritics_on_decomposed_input() -> None:
    assert has_diacritics(nfd("cầu"))
    assert has_diacritics(nfd("Đường"))


def test_syllables_are_runs_of_word_characters() -> None:
    assert syllables("Cấp lại CCCD, 2 lần?") == ["Cấp", "lại", "CCCD", "2", "lần"]
    assert syllables("😀 !!") == []


def test_each_use_asks_for_its_own_tags() -> None:
    question = stopwords("question")
    assert {"tôi", "thế nào", "ạ"} <= question
    assert "hồ sơ" not in question and "hồ sơ" in stopwords("aspect")
    assert stopwords("question", "aspect") == question | stopwords("aspect")
    # the lexicon's diacritics rule needs the words as written
    assert "cần" in question and "căn" not in question
    assert {"ho", "so", "nghi", "dan"} <= stop_syllables("petition")
    assert "phan" in stop_syllables("opening") and "phan" not in stop_syllables("petition")
    assert {"truong", "hop"} <= stop_syllables("form")
    assert {"le", "phi", "online"} <= stop_syllables("followup")


def test_every_stop_word_is_clean_lower_case_text() -> None:
    tags = list(text._tagged_stopwords())
    assert {"question", "aspect", "form", "followup", "petition", "opening"} <= set(tags)
    for tag in tags:
        words = stopwords(tag)
        assert words, tag
        assert all(w == clean(w).lower() for w in words), tag
        assert all(s == fold_words(s) for s in stop_syllables(tag)), tag


def test_unknown_or_missing_tags_are_refused() -> None:
    with pytest.raises(ValueError, match="petiton"):
        stopwords("petiton")
    with pytest.raises(ValueError):
        stop_syllables()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("words:\n  tôi: [questio]\n", "unknown tag"),
        ("words:\n  no: [question]\n", "needs quotes"),  # YAML reads a bare no as False
        ("words:\n  tôi: []\n", "needs quotes or tags"),
    ],
)
def test_a_bad_stop_word_file_is_refused(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "stopwords.yml"
    path.write_text("tags:\n  question: Question words.\n" + body, "utf-8")
    with pytest.raises(ValueError, match=problem):
        text._tagged_stopwords(path)


def test_the_module_runs_in_the_rasa_environment(rasa_venv: Path) -> None:
    """Rasa's Python (3.10, rasa and underthesea only) reads the stop words too."""
    root = Path(__file__).resolve().parents[2]
    code = ("from nlu.text import fold, stop_syllables; "
            "print(fold('Đăng KÝ'), sorted(stop_syllables('form')))")
    out = subprocess.run([str(rasa_venv / "bin" / "python"), "-c", code], capture_output=True,
                         text=True, cwd=root, env={"PYTHONPATH": str(root)}, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == f"dang ky {sorted(stop_syllables('form'))}"
