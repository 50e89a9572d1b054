"""``motcua search`` and ``motcua eval retrieval``: the retriever from the command line.

Indexes live under the data directory (``<data_dir>/index/retrieval``); the embedding model is
``$MOTCUA_EMBEDDING_MODEL`` or, when built, ``<data_dir>/models/multilingual-e5-small``; without
either the retriever runs lexical only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from knowledge.retrieval import Retriever  # noqa: E402
from knowledge.retrieval.build_model import is_built  # noqa: E402
from knowledge.retrieval.evaluate import Ranked, evaluate, read_questions  # noqa: E402
from knowledge.retrieval.semantic import MODEL_ENV  # noqa: E402

MODEL_FOLDER = "models/multilingual-e5-small"

app = typer.Typer(help="Find procedures from a citizen's question.")
eval_app = typer.Typer(help="Measure the assistant on evaluation sets.")


@app.callback()
@eval_app.callback()
def _groups() -> None:
    """Keep subcommand names ("search", "retrieval") even while each group has one command."""


def default_model(data_dir: Path) -> str | None:
    """``$MOTCUA_EMBEDDING_MODEL``, else the locally built e5 folder if there is one."""
    if os.environ.get(MODEL_ENV):
        return os.environ[MODEL_ENV]
    folder = data_dir / MODEL_FOLDER
    return str(folder) if is_built(folder) else None


def load_retriever(lexical_only: bool = False, progress: bool = True) -> Retriever:
    """The retriever over the shipped catalogue, its indexes saved under the data directory.

    The action server and `motcua up` (which builds the indexes before the servers start, so the
    first start shows progress instead of a silent wait) use this too.
    """
    from bot.settings import get_settings
    from knowledge.catalogue import load_shipped_catalogue

    data_dir = get_settings().data_dir
    model = "none" if lexical_only else default_model(data_dir)
    return Retriever.load_or_build(
        load_shipped_catalogue(), data_dir / "index" / "retrieval", model, progress=progress
    )


@app.command("search")
def search_command(
    question: str = typer.Argument(..., help="The question, as a citizen would type it."),
    k: int = typer.Option(5, "--k", "-k", help="How many procedures to show."),
    lexical: bool = typer.Option(False, "--lexical", help="Lexical index only (no model)."),
) -> None:
    """Print the best-matching procedures with their scores."""
    retriever = load_retriever(lexical_only=lexical)
    result = retriever.search(question, k=k)
    table = Table(title=f"{question}  [{retriever.mode}]")
    for column in ("#", "code", "score", "procedure", "same at other levels"):
        table.add_column(column)
    for rank, hit in enumerate(result.hits, 1):
        table.add_row(str(rank), hit.code, f"{hit.score:.3f}", hit.name, ", ".join(hit.twins))
    console = Console()
    console.print(table)
    verdict = "confident" if result.confident else "not confident: ask the citizen to say more"
    console.print(verdict + (" (ambiguous: several procedures fit)" if result.ambiguous else ""))
    console.print(" ".join(f"{name}={value:.3f}" for name, value in result.signals.items()))


@eval_app.command("retrieval")
def retrieval_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON-lines questions."),
    lexical: bool = typer.Option(False, "--lexical", help="Lexical index only (no model)."),
) -> None:
    """Print one JSON object: n, hit@1, hit@5, mrr@10, confident_share, confident_precision,
    p50_ms, p95_ms, mode. Confident: the chat would present the first procedure as the answer."""
    retriever = load_retriever(lexical_only=lexical)

    def rank(question: str) -> Ranked:
        result = retriever.search(question, k=10)
        return Ranked([h.code for h in result.hits], result.presents_one)

    metrics = evaluate(rank, read_questions(file))
    typer.echo(json.dumps(metrics | {"mode": retriever.mode}))


if __name__ == "__main__":
    app()
