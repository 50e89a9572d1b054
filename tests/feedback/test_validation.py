"""One rule for a petition's text: the service and the chat form refuse the same inputs, with the
same message quoting the same limits."""

from __future__ import annotations

import pytest

from feedback.service import FeedbackError, PetitionInput
from feedback.validation import (
    DESCRIPTION_TOO_LONG, DESCRIPTION_TOO_SHORT, INFO_EMPTY, MAX_DESCRIPTION_CHARS,
    MIN_DESCRIPTION_CHARS, description_problem, info_problem,
)

SHORT = ["", "   ", "ok", "😀😀😀", "?!?!?!?!?!?!", "a b c d e f g h i"]  # 9 letters at most
ENOUGH = ["đèn đường hỏng", "den duong hong", "Mất nước 3 ngày"]


def test_the_messages_quote_the_limits() -> None:
    assert str(MIN_DESCRIPTION_CHARS) in DESCRIPTION_TOO_SHORT
    assert str(MAX_DESCRIPTION_CHARS) in DESCRIPTION_TOO_LONG


@pytest.mark.parametrize("text", SHORT)
def test_too_short(text: str) -> None:
    assert description_problem(text) == DESCRIPTION_TOO_SHORT


@pytest.mark.parametrize("text", ENOUGH)
def test_just_enough(text: str) -> None:
    assert description_problem(text) is None


def test_length_limit_is_inclusive() -> None:
    assert description_problem("a" * MAX_DESCRIPTION_CHARS) is None
    assert description_problem("a" * (MAX_DESCRIPTION_CHARS + 1)) == DESCRIPTION_TOO_LONG


def test_added_information_may_be_short_or_a_photo_alone() -> None:
    assert info_problem("số 12", has_photo=False) is None
    assert info_problem("  ", has_photo=False) == INFO_EMPTY
    assert info_problem("", has_photo=True) is None
    assert info_problem("a" * (MAX_DESCRIPTION_CHARS + 1), has_photo=True) == DESCRIPTION_TOO_LONG


@pytest.mark.parametrize("text", [*SHORT, *ENOUGH, "x" * (MAX_DESCRIPTION_CHARS + 1)])
def test_the_service_applies_the_same_rule(service, text: str) -> None:
    expected = description_problem(text)
    if expected is None:
        assert service.validate(PetitionInput(description=text))
    else:
        with pytest.raises(FeedbackError) as refused:
            service.validate(PetitionInput(description=text))
        assert str(refused.value) == expected
