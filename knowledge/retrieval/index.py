"""Where the indexes live and when they are stale.

Each index is stored under a name that contains a fingerprint of everything it was built from
(catalogue fields, aliases, lexicon, embedding model, index format): a changed catalogue simply
has no stored index yet, so it is built and the stale ones are removed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from knowledge.procedure import Procedure
from knowledge.retrieval.aliases import ALIASES_FILE
from nlu.lexicon import ABBREVIATIONS
from nlu.text import STOPWORDS_FILE

FORMAT_VERSION = "1"


def _all_fields(procedure: Procedure) -> list[str]:
    papers = [p.name for p in procedure.papers]
    return [
        procedure.code, procedure.name, procedure.field, procedure.applicants,
        procedure.conditions, procedure.papers_text, *papers, procedure.result,
    ]


def _fingerprint(rows: Iterable[list[str]], files: tuple[Path, ...], extra: str) -> str:
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0{extra}\0".encode())
    for path in files:
        digest.update(path.read_bytes())
    for row in rows:
        digest.update(json.dumps(row, ensure_ascii=False).encode())
    return digest.hexdigest()[:20]


def lexical_fingerprint(procedures: list[Procedure]) -> str:
    """Hash of every indexed field, the aliases, the lexicon and the index format."""
    files = (ALIASES_FILE, ABBREVIATIONS, STOPWORDS_FILE)
    # "names-2": name coverage reads names without level qualifiers (saved next to the indexes).
    return _fingerprint((_all_fields(p) for p in procedures), files, "lexical\0names-2")


def semantic_fingerprint(procedures: list[Procedure], model: str) -> str:
    """Hash of what is embedded (code, name, field, aliases, abbreviations) and the model.

    A model folder counts by its resolved path: "var/models/x" and "/abs/var/models/x" are the
    same index (otherwise the CLI and bench/retrieval.py rebuilt and deleted each other's index).
    """
    if Path(model).is_dir():
        model = str(Path(model).resolve())
    rows = ([p.code, p.name, p.field] for p in procedures)
    return _fingerprint(rows, (ALIASES_FILE, ABBREVIATIONS), f"semantic\0{model}")


def lexical_path(index_dir: Path, fingerprint: str) -> Path:
    return index_dir / f"lexical-{fingerprint}"


def semantic_path(index_dir: Path, fingerprint: str) -> Path:
    return index_dir / f"semantic-{fingerprint}.faiss"


def remove_stale(index_dir: Path, keep: Path) -> None:
    """Delete the other indexes of the same kind as ``keep`` (earlier catalogues or models)."""
    kind = keep.name.split("-", 1)[0]
    for path in index_dir.glob(f"{kind}-*"):
        if path == keep:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
