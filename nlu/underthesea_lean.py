"""underthesea's word segmentation and tone table, without the optional modules we never call.

``import underthesea`` (which any ``from underthesea… import`` runs first) imports every module in
its ``optional_imports`` table: ``translate`` alone pulls in transformers and then torch, ~186 MB
in each app process that segments or normalises Vietnamese (the action server, `motcua
prepare`); Rasa's environment has no torch, but loads the other modules. underthesea imports each through ``get_optional_import``, which turns an ``ImportError``
into ``None``; a module name bound to ``None`` in ``sys.modules`` makes its import raise
``ModuleNotFoundError`` (an ``ImportError``), as Python documents for the module cache
(https://docs.python.org/3/reference/import.html#the-module-cache). So we bind those names before
underthesea is first imported, and import underthesea only here.

``tests/nlu/test_underthesea_lean.py`` fails when underthesea's table lists a module not below.
"""

from __future__ import annotations

import sys

# underthesea.optional_imports (9.5.0): classify, sentiment, lang_detect, dependency_parse,
# translate, agent, convert_address. We use none of them.
UNUSED_OPTIONAL_MODULES = (
    "underthesea.pipeline.classification",
    "underthesea.pipeline.sentiment",
    "underthesea.pipeline.lang_detect",
    "underthesea.pipeline.dependency_parse",
    "underthesea.pipeline.translate",
    "underthesea.agent",
    "underthesea.address",
)


def skip_unused_optional_modules() -> None:
    """Make underthesea's optional imports fail (so find None) in this process; a module already
    imported is left as it is."""
    for name in UNUSED_OPTIONAL_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: "not importable"


skip_unused_optional_modules()

from underthesea import word_tokenize  # noqa: E402
from underthesea.pipeline.text_normalize.token_normalize import token_normalize  # noqa: E402

__all__ = ["token_normalize", "word_tokenize"]
