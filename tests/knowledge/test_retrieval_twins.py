"""Twins (one procedure at several levels) and calibrated confidence, on the lexical retriever."""

from __future__ import annotations

import pytest

from knowledge.guide import ProcedureGuide
from knowledge.procedure import Level, Procedure
from knowledge.retrieval import Retriever
from knowledge.retrieval.confidence import HYBRID, LEXICAL, Calibration
from knowledge.retrieval.twins import (
    LOCAL_LEVELS,
    Twins,
    asks_for_central_level,
    qualifiers,
    twin_key,
    without_level,
)

PASSPORT_PROVINCE, PASSPORT_CENTRAL = "1.001456", "1.001471"  # Cấp hộ chiếu phổ thông ở trong nước
ID_REISSUE_COMMUNE = "1.014064"  # Cấp lại thẻ căn cước
ID_REISSUE_OTHERS = {"2.001194", "1.000757"}  # … (thực hiện tại cấp tỉnh / trung ương)


def test_level_qualifiers_are_recognised_and_removed() -> None:
    central = "Cấp lại thẻ căn cước (thực hiện tại cấp trung ương)"
    assert qualifiers(central) == ["trung uong"]
    assert qualifiers("Bổ nhiệm và cấp thẻ giám định viên tư pháp cấp tỉnh") == ["tinh"]
    assert qualifiers("Cấp Giấy phép thăm dò khoáng sản (cấp Bộ)") == ["bo"]
    # not qualifiers: a city "trực thuộc Trung ương", the verb "cấp" at the start
    assert qualifiers("Đăng ký hoạt động Trung tâm trọng tài sang tỉnh, thành phố trực thuộc "
                      "trung ương khác") == []
    assert qualifiers("Cấp bổ sung xe tập lái") == []
    assert twin_key(central) == twin_key("Cấp lại thẻ căn cước") == "cap lai the can cuoc"
    assert twin_key("Thủ tục gia hạn nộp thuế") == twin_key("Gia hạn nộp thuế.")
    assert without_level(central) == "cấp lại thẻ căn cước"
    assert without_level("Hỗ trợ dự án liên kết (cấp xã)") == "hỗ trợ dự án liên kết"


def test_central_cues() -> None:
    assert asks_for_central_level("nộp hồ sơ tại Cục Quản lý xuất nhập cảnh được không")
    assert asks_for_central_level("thủ tục ở cấp trung ương")
    assert not asks_for_central_level("làm hộ chiếu ở Lạng Sơn")


def test_collapse_keeps_one_entry_per_group_at_its_best_position() -> None:
    names = ["Cấp X (thực hiện tại cấp trung ương)", "Cấp Y", "Cấp X (thực hiện tại cấp tỉnh)",
             "Cấp X", "Cấp Z (cấp Bộ)"]
    levels = [(Level.MINISTRY,), (Level.COMMUNE,), (Level.PROVINCE,), (Level.COMMUNE,),
              (Level.MINISTRY,)]
    twins = Twins(names, levels)
    ranking = [0, 1, 2, 4, 3]
    # local first, the plain name before the qualified one; Z has no twin and stays as it is
    assert twins.collapse(ranking, LOCAL_LEVELS) == [(3, (2, 0)), (1, ()), (4, ())]
    assert twins.collapse(ranking, LOCAL_LEVELS, central=True) == [(0, (3, 2)), (1, ()), (4, ())]
    assert twins.collapse(ranking, frozenset()) == [(0, (2, 3)), (1, ()), (4, ())]
    assert twins.of(0) == (2, 3) and twins.are_twins(0, 3) and not twins.are_twins(0, 1)


def test_the_provincial_twin_is_offered_and_twins_are_not_ambiguous(
    lexical_retriever: Retriever,
) -> None:
    result = lexical_retriever.search("cấp hộ chiếu phổ thông", k=5)
    first = result.hits[0]
    assert first.code == PASSPORT_PROVINCE and first.twins == (PASSPORT_CENTRAL,)
    codes = [h.code for h in result.hits]
    assert PASSPORT_CENTRAL not in codes and len(set(codes)) == len(codes)
    assert result.confident and not result.ambiguous and result.presents_one


def test_the_commune_entry_is_offered_for_an_id_card(lexical_retriever: Retriever) -> None:
    first = lexical_retriever.search("lam lai cccd bi mat", k=3).hits[0]
    assert first.code == ID_REISSUE_COMMUNE and set(first.twins) == ID_REISSUE_OTHERS


def test_a_question_naming_the_central_level_gets_the_central_twin(
    lexical_retriever: Retriever,
) -> None:
    question = "cấp hộ chiếu phổ thông tại Cục Quản lý xuất nhập cảnh"
    first = lexical_retriever.search(question, k=5).hits[0]
    assert first.code == PASSPORT_CENTRAL and first.twins == (PASSPORT_PROVINCE,)


def test_local_levels_are_a_parameter(
    lexical_retriever: Retriever, procedures: list[Procedure]
) -> None:
    ministry = lexical_retriever.search("cấp hộ chiếu phổ thông", local_levels={Level.MINISTRY})
    assert ministry.hits[0].code == PASSPORT_CENTRAL
    guide = ProcedureGuide(procedures, lexical_retriever, local_levels={Level.MINISTRY})
    guidance = guide.find("cấp hộ chiếu phổ thông")
    assert guidance.best is not None and guidance.best.code == PASSPORT_CENTRAL
    assert [p.code for p in guidance.matches[0].twins] == [PASSPORT_PROVINCE]
    by_code = {p.code: p for p in procedures}
    assert guidance.includes(by_code[PASSPORT_PROVINCE])
    assert guidance.includes(by_code[PASSPORT_CENTRAL])
    assert not guidance.includes(by_code[ID_REISSUE_COMMUNE])
    default = ProcedureGuide(procedures, lexical_retriever).find("cấp hộ chiếu phổ thông", k=3)
    assert default.best is not None and default.best.code == PASSPORT_PROVINCE
    assert default.confident and not default.ambiguous and len(default.matches) == 3


def test_guidance_is_confident_only_when_one_procedure_stands_out(
    lexical_retriever: Retriever, procedures: list[Procedure]
) -> None:
    guide = ProcedureGuide(procedures, lexical_retriever)
    # the three foreign-element marriage procedures are close: a choice, not one answer
    close = guide.find("đăng ký kết hôn với người Lào")
    assert close.ambiguous and not close.confident
    vague = guide.find("công thức nấu phở bò ngon")
    assert not vague.confident and not vague.ambiguous


@pytest.mark.parametrize(
    ("signals", "verdict"),
    [
        ({"name_coverage": 1.0, "gap": 0.2, "content": 5, "cosine": 0.9}, (True, False)),
        ({"name_coverage": 1.0, "gap": 0.02, "content": 5, "cosine": 0.9}, (True, True)),
        ({"name_coverage": 0.5, "gap": 0.2, "content": 5, "cosine": 0.9}, (False, False)),
        ({"name_coverage": 1.0, "gap": 0.2, "content": 1, "cosine": 0.9}, (False, False)),
        ({"name_coverage": 1.0, "gap": 0.2, "content": 5, "cosine": 0.7}, (False, False)),
        ({"name_coverage": 1.0, "gap": 0.2, "content": 5}, (True, False)),  # lexical: no cosine
    ],
)
def test_calibration_verdicts(signals: dict[str, float], verdict: tuple[bool, bool]) -> None:
    assert Calibration(min_name_coverage=0.85, min_gap=0.08).judge(signals) == verdict


def test_lexical_mode_asks_for_a_wider_gap() -> None:
    signals = {"name_coverage": 1.0, "gap": 0.1, "content": 5}
    assert HYBRID.judge(signals) == (True, False)
    assert LEXICAL.judge(signals) == (True, True)
