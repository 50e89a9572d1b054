"""Find the procedure a citizen means from how they ask.

    retriever = Retriever.load_or_build(procedures, index_dir, model)
    result = retriever.search("lam lai cccd bi mat", k=5)
    result.hits[0].code, result.confident
"""

from knowledge.retrieval.retriever import Hit, Retriever, SearchResult

__all__ = ["Hit", "Retriever", "SearchResult"]
