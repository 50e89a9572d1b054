"""What the bot says about procedures: short Vietnamese texts that fit a phone screen.

Everything shown comes from the parsed catalogue; when a value is missing we say so and point to
the official page instead of guessing. One module per part of an answer: ``card`` (the first
answer), ``papers``, ``terms`` (time limits and fees), ``aspects`` (one section per asked aspect), ``answer``
(a whole reply to a question), ``details`` (the online filing guide).
"""

from bot.replies.card import online_text, procedure_card, where_text
from bot.replies.details import online_guide_text
from bot.replies.papers import all_papers_text, essential_first, papers_text
from bot.replies.terms import fee_and_time_text

__all__ = [
    "all_papers_text", "essential_first", "fee_and_time_text", "online_guide_text",
    "online_text", "papers_text", "procedure_card", "where_text",
]
