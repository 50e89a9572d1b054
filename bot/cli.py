"""`motcua`: the one command operators use (`motcua up`, `motcua chat`, and the sub-commands of
knowledge/ and feedback/, mounted here)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.settings import get_settings  # noqa: E402
from feedback.cli import feedback_app  # noqa: E402
from knowledge.catalogue.cli import catalogue_app  # noqa: E402
from knowledge.retrieval.cli import eval_app, search_command  # noqa: E402

app = typer.Typer(
    help="Một Cửa — trợ lý thủ tục hành chính và phản ánh, kiến nghị.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(feedback_app, name="feedback")
app.add_typer(eval_app, name="eval")
app.command("search", help="Tìm thủ tục theo câu hỏi của người dân, in điểm số.")(search_command)


@eval_app.command("answers")
def eval_answers(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON-lines questions."),
    details: bool = typer.Option(False, "--details", help="Also print each question's reply."),
) -> None:
    """Print one JSON object: n, procedure_named, aspect_answered, fact_recall, p50_ms, p95_ms…"""
    import json

    from bot.evaluate_answers import answer_all, evaluate, read_items

    outcomes = answer_all(read_items(file))
    if details:
        for o in outcomes:
            typer.echo(json.dumps({"question": o.item.question, "expected": o.item.code,
                                   "focus": o.focus, "reply": o.reply}, ensure_ascii=False))
    typer.echo(json.dumps(evaluate(outcomes), ensure_ascii=False))


@app.command()
def up() -> None:
    """Cài mô hình (nếu cần) và chạy toàn bộ hệ thống: Rasa, máy chủ hành động, trang web."""
    from bot import rasa_model, runner

    # force: underthesea configures logging (WARNING) when imported, before this line runs.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S",
                        force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # health-check polling is noise
    try:
        code = runner.run_foreground(get_settings())
    except (runner.StartupError, rasa_model.RasaError) as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@app.command()
def chat() -> None:
    """Trò chuyện với Một Cửa đang chạy, ngay trong terminal."""
    from bot.channels.terminal import chat as run_chat

    asyncio.run(run_chat(get_settings().rest_webhook_url))


dialogue_app = typer.Typer(help="Đánh giá hội thoại Rasa: kiểm định chéo NLU, câu chuyện kiểm thử.")
app.add_typer(dialogue_app, name="dialogue")


@dialogue_app.command("cross-validate")
def cross_validate(
    folds: int = typer.Option(3, help="Số phần chia dữ liệu."),
    out: Path = typer.Option(Path("var/reports/nlu"), help="Thư mục ghi báo cáo."),
) -> None:
    """Kiểm định chéo NLU; báo cáo (intent_report.json, ma trận nhầm lẫn) ghi vào --out."""
    from bot import rasa_model

    code = rasa_model.cross_validate(get_settings(), folds, out)
    if code == 0:
        typer.echo(f"Báo cáo đã ghi vào {out}/ (intent_report.json, intent_confusion_matrix.png).")
    raise typer.Exit(code)


@dialogue_app.command("test")
def run_stories(
    stories: Path = typer.Option(Path("tests/stories"), help="Câu chuyện kiểm thử."),
    out: Path = typer.Option(Path("var/reports/stories"), help="Thư mục ghi kết quả."),
) -> None:
    """Chạy `rasa test core` trên các câu chuyện kiểm thử với mô hình hiện tại."""
    from bot import rasa_model

    settings = get_settings()
    model = rasa_model.ensure_model(settings, settings.rasa_config)
    raise typer.Exit(rasa_model.run_test_stories(settings, model, stories, out))
