"""Alias rules attach colloquial names by procedure name; documents carry them."""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.procedure import Procedure
from knowledge.retrieval.aliases import AliasRule, AliasRules
from knowledge.retrieval.documents import build_document
from nlu.lexicon import default_lexicon


def _by_code(procedures: list[Procedure], code: str) -> Procedure:
    return next(p for p in procedures if p.code == code)


def test_shipped_rules_cover_the_common_procedures(procedures: list[Procedure]) -> None:
    rules = AliasRules.load()
    assert "nhập hộ khẩu" in rules.for_name(_by_code(procedures, "1.004222").name)
    assert any("tiền án" in a for a in rules.for_name(_by_code(procedures, "3.000333").name))
    assert "thi bằng lái" in rules.for_name(_by_code(procedures, "3.000346").name)
    # The base procedure gets "làm giấy khai sinh", its foreign-element sibling does not.
    assert "làm giấy khai sinh" in rules.for_name(_by_code(procedures, "1.001193").name)
    assert "làm giấy khai sinh" not in rules.for_name(_by_code(procedures, "2.000528").name)


def test_every_rule_matches_some_procedure(procedures: list[Procedure]) -> None:
    names = [p.name for p in procedures]
    unused = [r.name.pattern for r in AliasRules.load().rules
              if not any(r.applies_to(n) for n in names)]
    assert unused == []


def test_rule_matching_is_diacritic_insensitive_with_exceptions(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yml"
    path.write_text('- name: "khai sinh"\n  unless: "nuoc ngoai"\n  aliases: [giấy khai sinh]\n',
                    "utf-8")
    rules = AliasRules.load(path)
    assert rules.for_name("Thủ tục ĐĂNG KÝ KHAI SINH") == ["giấy khai sinh"]
    assert rules.for_name("Đăng ký khai sinh có yếu tố nước ngoài") == []
    assert AliasRule(re.compile("x"), ("a",)).applies_to("x") is True


def test_document_holds_fields_and_aliases(procedures: list[Procedure]) -> None:
    procedure = _by_code(procedures, "1.001613")
    document = build_document(procedure, ["rút bảo hiểm"], default_lexicon())
    assert procedure.name in document.title_text and "rút bảo hiểm" in document.title_text
    assert document.full_text.startswith(document.title_text)
    assert len(document.full_text) > len(document.title_text)
    written, folded = document.semantic_texts
    assert "rút bảo hiểm" in written and "rut bao hiem" in folded
