"""``motcua search`` and ``motcua eval retrieval``: the retriever from the command line.

Indexes live under the data folder (``<data_dir>/index/retrieval``); the embedding model is
``$MOTCUA_EMBEDDING_MODEL`` or, when built, the e5 model under the data folder; without either the
retriever runs lexical only.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from knowledge.retrieval import Retriever
from knowledge.retrieval.evaluate import Ranked, evaluate, read_questions
from motcua import services
from motcua.settings import get_settings

app = typer.Typer(help="Find procedures from a citizen's question.")
eval_app = typer.Typer(help="Measure the assistant on evaluation sets.")


@app.callback()
@eval_app.callback()
def _groups() -> None:
    """Keep subcommand names ("search", "retrieval") even while each group has one command."""


def _retriever(lexical_only: bool) -> Retriever:
    return services.retriever(get_settings(), lexical_only=lexical_only, progress=True)

@app.command("search")
def search_command(
    question: str = typer.Argument(..., help="The question, as a citizen would type it."),
    k: int = typer.Option(5, "--k", "-k", help="How many procedures to show."),
    lexical: bool = typer.Option(False, "--lexical", help="Lexical index only (no model)."),
) -> None:
    """Print the best-matching procedures with their scores."""
    retriever = _retriever(lexical)
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
    retriever = _retriever(lexical)

    def rank(question: str) -> Ranked:
        result = retriever.search(question, k=10)
        return Ranked([h.code for h in result.hits], result.presents_one)

    metrics = evaluate(rank, read_questions(file))
    typer.echo(json.dumps(metrics | {"mode": retriever.mode}))

