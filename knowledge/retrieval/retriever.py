"""Hybrid procedure retrieval: two BM25 indexes and dense embeddings, min-max fused.

The title index (name, aliases, field) is precise; the full-text index (plus applicants,
conditions, papers, result) catches situations described in other words; the embeddings catch
paraphrase. Without a model the two lexical indexes are fused alone. The best fused candidates are
then re-ordered by how much of their name the question covers (``rerank``), which separates a
procedure from its longer siblings ("có yếu tố nước ngoài", "cấp lại"). Twins, the same procedure
at several levels of government, are listed once, as the variant the province or commune handles
(``twins``). Whether the first hit may be presented as the answer is calibrated in ``confidence``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.procedure import Level, Procedure
from knowledge.retrieval import confidence
from knowledge.retrieval import index as storage
from knowledge.retrieval.aliases import AliasRules
from knowledge.retrieval.documents import Document, build_document
from knowledge.retrieval.fusion import fuse
from knowledge.retrieval.lexical import LexicalIndex, content_syllables, terms
from knowledge.retrieval.rerank import NameCoverage
from knowledge.retrieval.semantic import Encoder, SemanticIndex, resolve_model
from knowledge.retrieval.twins import LOCAL_LEVELS, Twins, asks_for_central_level, without_level
from nlu.lexicon import Lexicon, default_lexicon

WEIGHTS = {"title": 0.3, "full": 0.3, "semantic": 0.4}
LEXICAL_FIELDS = ("title", "full")
NAMES_FILE = "names.json"  # name coverage's syllable sets, next to the lexical indexes
TWIN_ROOM = 20  # candidates beyond k, so that k hits remain once twins are collapsed


@dataclass(frozen=True)
class Hit:
    """One retrieved procedure with its fused score (0–1).

    ``twins``: codes of the same procedure at other levels (``twins``), not listed separately;
    the hit is the variant the deployment's own levels handle, unless the question asked for the
    central level.
    """

    code: str
    name: str
    score: float
    twins: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    """The ranked procedures, and whether the best one can be trusted.

    ``confident``: the top hit fits the question (the question names most of it).
    ``ambiguous``: another procedure is almost as good, so the dialogue should offer a choice.
    One procedure is presented as the answer only when confident and not ambiguous
    (``presents_one``). Thresholds and how they were chosen: ``confidence``.
    ``signals``: the numbers behind both verdicts (name coverage, gap, cosine…), for logs and
    tuning.
    """

    hits: list[Hit]
    confident: bool
    ambiguous: bool = False
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def presents_one(self) -> bool:
        """True when the chat may present the top hit as *the* answer."""
        return self.confident and not self.ambiguous


class Retriever:
    """Finds procedures for a citizen's question. Build once, search many times."""

    def __init__(
        self,
        codes: list[str],
        names: list[str],
        lexical: dict[str, LexicalIndex],
        lexicon: Lexicon,
        semantic: SemanticIndex | None = None,
        encoder: Encoder | None = None,
        name_coverage: NameCoverage | None = None,
        levels: list[tuple[Level, ...]] | None = None,
        local_levels: Iterable[Level] = LOCAL_LEVELS,
    ) -> None:
        self.codes = codes
        self._position = {code: i for i, code in enumerate(codes)}
        self.names = names
        self.lexical = lexical
        self.lexicon = lexicon
        self.semantic = semantic
        self.encoder = encoder
        self.name_coverage = name_coverage or _name_coverage(names, lexicon, AliasRules.load())
        self.twins = Twins(names, levels)
        # Levels whose variant of a twin comes first (see ``twins``); empty: no preference.
        self.local_levels = frozenset(local_levels)

    @property
    def mode(self) -> str:
        """"hybrid" with embeddings, "lexical" without."""
        return "hybrid" if self.semantic is not None else "lexical"

    @classmethod
    def build(
        cls,
        procedures: list[Procedure],
        index_dir: Path | None = None,
        model: str | None = None,
        *,
        progress: bool = False,
        local_levels: Iterable[Level] = LOCAL_LEVELS,
    ) -> Retriever:
        """Index ``procedures``, saving under ``index_dir`` when given.

        ``model``: a sentence-transformers folder or name; without one (or with "none") the
        retriever is lexical only and needs no model at all.
        ``local_levels``: the levels of government the deployment handles itself; of twins (one
        procedure at several levels) the variant at these levels ranks first.
        """
        model = resolve_model(model)
        return cls._assemble(procedures, index_dir, model, progress, local_levels, reuse=False)

    @classmethod
    def load_or_build(
        cls,
        procedures: list[Procedure],
        index_dir: Path,
        model: str | None = None,
        *,
        progress: bool = False,
        local_levels: Iterable[Level] = LOCAL_LEVELS,
    ) -> Retriever:
        """Load the indexes saved for exactly this catalogue and model, or build and save them."""
        model = resolve_model(model)
        return cls._assemble(procedures, index_dir, model, progress, local_levels, reuse=True)

    @classmethod
    def _assemble(
        cls,
        procedures: list[Procedure],
        index_dir: Path | None,
        model: str | None,
        progress: bool,
        local_levels: Iterable[Level],
        reuse: bool,
    ) -> Retriever:
        lexicon = default_lexicon()
        lex_path = sem_path = None
        if index_dir:
            lex_path = storage.lexical_path(index_dir, storage.lexical_fingerprint(procedures))
        if index_dir and model:
            fingerprint = storage.semantic_fingerprint(procedures, model)
            sem_path = storage.semantic_path(index_dir, fingerprint)
        need_lexical = not (reuse and lex_path and lex_path.is_dir())
        need_semantic = model is not None and not (reuse and sem_path and sem_path.is_file())

        documents: list[Document] = []
        rules = AliasRules.load()
        if need_lexical or need_semantic:
            documents = [
                build_document(p, rules.for_name(p.name), lexicon)
                for p in _progress(procedures, "Preparing procedures", progress)
            ]
        names = [p.name for p in procedures]

        if need_lexical:
            lexical = {
                "title": LexicalIndex.build([d.title_text for d in documents], lexicon),
                "full": LexicalIndex.build([d.full_text for d in documents], lexicon),
            }
            name_coverage = _name_coverage(names, lexicon, rules)
            if lex_path:
                for name, index in lexical.items():
                    (lex_path / name).mkdir(parents=True, exist_ok=True)
                    index.save(lex_path / name)
                name_coverage.save(lex_path / NAMES_FILE)
        else:
            lexical = {name: LexicalIndex.load(lex_path / name, lexicon) for name in LEXICAL_FIELDS}
            if (lex_path / NAMES_FILE).is_file():
                name_coverage = NameCoverage.load(lex_path / NAMES_FILE, lexicon)
            else:  # an index saved before name coverage existed
                name_coverage = _name_coverage(names, lexicon, rules)
                name_coverage.save(lex_path / NAMES_FILE)

        semantic = encoder = None
        if model is not None:
            encoder = Encoder(model)
            if need_semantic:
                texts = [d.semantic_texts for d in documents]
                semantic = SemanticIndex.build(texts, encoder, progress=progress)
                if sem_path:
                    semantic.save(sem_path)
            else:
                semantic = SemanticIndex.load(sem_path, len(procedures))
        for kept in (lex_path, sem_path):
            if kept:
                storage.remove_stale(kept.parent, kept)
        codes = [p.code for p in procedures]
        levels = [p.levels for p in procedures]
        return cls(
            codes, names, lexical, lexicon, semantic, encoder, name_coverage, levels, local_levels
        )

    def scores(self, query: str) -> dict[str, np.ndarray]:
        """Raw scores of every procedure: BM25 per lexical index, cosine for "semantic"."""
        expanded = self.lexicon.expand(query)
        return self._scores(expanded, terms(expanded, self.lexicon))

    def _scores(self, expanded: str, query_terms: list[str]) -> dict[str, np.ndarray]:
        scores = {name: index.scores(query_terms) for name, index in self.lexical.items()}
        if self.semantic is not None and self.encoder is not None:
            scores["semantic"] = self.semantic.scores(self.encoder.queries([expanded])[0])
        return scores

    def name_coverage_of(self, query: str, code: str) -> float:
        """How much (0–1, IDF-weighted) of the procedure ``code``'s name or aliases the question
        says: whether a follow-up still speaks of the procedure in focus."""
        if code not in self._position:
            return 0.0
        syllables = content_syllables(terms(self.lexicon.expand(query), self.lexicon))
        return self.name_coverage.coverage(syllables, self._position[code])

    def search(
        self, query: str, k: int = 5, *, local_levels: Iterable[Level] | None = None
    ) -> SearchResult:
        """The ``k`` best procedures for ``query``, with confidence.

        ``local_levels``: overrides the retriever's for this search (empty: no twin preference).
        The expanded question is cut into terms once: on a long question that is several
        milliseconds, and the indexes, name coverage and confidence all read the same terms.
        """
        content = content_syllables(terms(query, self.lexicon))
        if not content:
            return SearchResult([], confident=False)
        expanded = self.lexicon.expand(query)
        query_terms = terms(expanded, self.lexicon)
        syllables = content_syllables(query_terms)
        scores = self._scores(expanded, query_terms)
        fused = self.name_coverage.rerank(fuse(scores, WEIGHTS), syllables)
        window = np.argsort(-fused, kind="stable")[: max(k, 2) + TWIN_ROOM]
        levels = self.local_levels if local_levels is None else frozenset(local_levels)
        # One hit per procedure: twins (the same procedure at other levels) collapse into the
        # variant of the local levels, which takes the group's best score.
        ranked = self.twins.collapse(
            [int(i) for i in window], levels, central=asks_for_central_level(query)
        )[: max(k, 2)]
        hits = [
            Hit(
                self.codes[chosen],
                self.names[chosen],
                max(float(fused[i]) for i in (chosen, *others)),
                tuple(self.codes[i] for i in others),
            )
            for chosen, others in ranked
        ]
        top, twins = ranked[0]
        signals = {
            # a question naming the procedure names all its twins alike
            "name_coverage": max(
                self.name_coverage.coverage(syllables, i) for i in (top, *twins)
            ),
            "score": hits[0].score,
            # the runner-up is never a twin: twins do not make a result ambiguous
            "gap": hits[0].score - (hits[1].score if len(hits) > 1 else 0.0),
            "content": float(len(content)),
        }
        if "semantic" in scores:
            signals["cosine"] = float(scores["semantic"][top])
        calibration = confidence.HYBRID if "semantic" in scores else confidence.LEXICAL
        confident, ambiguous = calibration.judge(signals)
        return SearchResult(hits[:k], confident, ambiguous, signals)


def _name_coverage(names: list[str], lexicon: Lexicon, rules: AliasRules) -> NameCoverage:
    """Name coverage over names without their level qualifiers: a citizen never says "(thực hiện
    tại cấp tỉnh)", and twins are told apart by ``twins``, not by the question."""
    return NameCoverage(
        [without_level(name) for name in names], lexicon, [rules.for_name(name) for name in names]
    )


def _progress(items: list[Procedure], label: str, enabled: bool) -> Iterable[Procedure]:
    if not enabled:
        return items
    from rich.progress import track

    return track(items, description=label)
