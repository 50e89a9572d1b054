"""Answering a citizen's question: what is asked (``aspects``), about which procedure
(``answerer``), and which of the procedure's own sentences answer it (``passages``)."""

from knowledge.answer.answerer import Answer, Answerer
from knowledge.answer.aspects import Aspect, AspectReader, Reading, default_reader
from knowledge.answer.passages import Passage, PassageFinder

__all__ = ["Answer", "Answerer", "Aspect", "AspectReader", "Passage", "PassageFinder", "Reading",
           "default_reader"]
