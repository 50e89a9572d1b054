"""When the retriever may present one procedure as *the* answer.

Two verdicts, from signals that do not depend on how a question is worded:

- ``confident``: the best procedure fits. The question must name most of it: its *name coverage*
  (``rerank.NameCoverage``: the IDF-weighted share of the procedure's name, or of its best-covered
  alias, that the question mentions) is at least ``min_name_coverage``. The question must also say
  something (two content syllables), and in hybrid mode the best hit must be close in meaning
  (cosine ≥ ``min_cosine``, a floor for unrelated chatter rather than a tuned threshold).
- ``ambiguous``: another procedure is almost as good. Its fused score is within ``min_gap`` of the
  best one. Twins (the same procedure at another level, ``twins``) are collapsed before this is
  measured, so they never make a result ambiguous.

The chat presents one procedure only when the result is confident and not ambiguous; otherwise it
offers the candidates. ``motcua eval retrieval`` reports how often that happens
(``confident_share``) and how often the presented procedure is a correct one
(``confident_precision``).

How the thresholds were chosen: a sweep on the 102 portal dev questions
(``portal_questions_dev.jsonl``) with the ranking as shipped (twins collapsed, foreign-element
expansion), over name coverage 0.6–1.0 and gap 0–0.22. Each cell: strict precision of "confident
and not ambiguous" (the top code is one of the listed codes) / the same counting a twin of a listed
code as correct / how many of the 102 questions it presents one procedure for.

    hybrid    gap ≥     0.06          0.07          0.08          0.09          0.10
    coverage ≥ 0.80     0.81/0.84/32  0.86/0.89/28  0.85/0.89/27  0.87/0.91/23  0.85/0.90/20
               0.85     0.83/0.87/30  0.88/0.92/26  0.88/0.92/25  0.86/0.91/22  0.84/0.89/19
               0.90     0.82/0.86/28  0.88/0.92/24  0.87/0.91/23  0.85/0.90/20  0.82/0.88/17

    lexical   gap ≥     0.13          0.14          0.15          0.16          0.17
    coverage ≥ 0.80     0.85/0.85/20  0.89/0.89/18  0.89/0.89/18  0.87/0.87/15  0.91/0.91/11
               0.85     0.84/0.84/19  0.88/0.88/17  0.88/0.88/17  0.87/0.87/15  0.91/0.91/11
               0.90     0.82/0.82/17  0.87/0.87/15  0.87/0.87/15  0.85/0.85/13  0.89/0.89/ 9

Each mode's point is the centre of a plateau where every neighbour also reaches 0.85, not the best
cell: a hundred questions give each cell an error of about ±0.07, so a peak would be noise.
Hybrid (0.85, 0.08): 22 of 25 correct (0.88); the misses are a twin at another level (the
commune's "Cấp đổi thẻ căn cước" where the portal lists the provincial and central ones), "trình
báo mất hộ chiếu" for a lost passport, and the procedure that cancels a dissolution decision for a
question about dissolving a company. Lexical-only mode (no embedding model) has other score
scales and needs a wider gap: (0.85, 0.15), 15 of 17. Below these gaps precision falls to
0.70–0.80 whatever the coverage.

Checked once afterwards, on sets not used for any choice: own held-out questions 0.97 precision
(35 of 36 presented, share 0.53; the old rule: 0.90 at 0.56), relabelled portal questions 1.00
(13 of 44, share 0.30; the old rule: 0.92 at 0.55). The old rule was right only about half the
time on real questions held back by others, so the new one trades share for precision on purpose.

The rule is deliberately simple: leave-one-out logistic regressions on up to three signals did no
better. Signals looked at and left out: the share of the question found in the full text (no
better than chance on these long questions; it was the old confidence rule, with 0.63 precision on
the same set), the cosine itself, agreement of the indexes' own best hits, the gap to the fifth
hit, the number of candidates within 0.1 of the best.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    """Thresholds of the two verdicts (see the module's documentation)."""

    min_name_coverage: float
    min_gap: float
    min_content_syllables: int = 2  # one syllable ("tên", "xe") is too vague to act on
    min_cosine: float = 0.80  # hybrid only: a floor for unrelated questions

    def judge(self, signals: dict[str, float]) -> tuple[bool, bool]:
        """``(confident, ambiguous)`` from a search's signals (``name_coverage``, ``gap``,
        ``content``, and ``cosine`` when there is one)."""
        confident = (
            signals["content"] >= self.min_content_syllables
            and signals["name_coverage"] >= self.min_name_coverage
            and signals.get("cosine", 1.0) >= self.min_cosine
        )
        return confident, confident and signals["gap"] < self.min_gap


HYBRID = Calibration(min_name_coverage=0.85, min_gap=0.08)
LEXICAL = Calibration(min_name_coverage=0.85, min_gap=0.15)
