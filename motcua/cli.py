"""`motcua`: the one command operators use (`motcua up`, `motcua chat`, and the catalogue,
search, evaluation, petition and dialogue sub-commands)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import typer

from motcua.commands.catalogue import catalogue_app
from motcua.commands.feedback import feedback_app
from motcua.commands.retrieval import eval_app, search_command
from motcua.settings import ConfigError, get_settings, telegram_config

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
    sys.stdout.flush()
    sys.stderr.flush()
    # The same process continues as a lean supervisor (motcua/supervisor.py).
    os.execv(sys.executable, [sys.executable, "-m", "motcua.supervisor"])


@app.command(hidden=True)
def prepare() -> None:
    """Cập nhật cơ sở dữ liệu và xây dựng chỉ mục tìm kiếm (`motcua up` chạy trước các máy chủ)."""
    from motcua import services

    settings = get_settings()
    services.migrate_database(settings)
    services.retriever(settings, progress=True)


@app.command(hidden=True)
def telegram() -> None:
    """Kênh Telegram (`motcua up` chạy lệnh này khi có TELEGRAM_BOT_TOKEN)."""
    from bot.channels import telegram as channel
    from bot.channels.tracking import PetitionLookup
    from motcua import services

    settings = get_settings()
    try:
        config = telegram_config()
    except ConfigError as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if config is None:
        typer.secho("Chưa đặt TELEGRAM_BOT_TOKEN.", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    lookup = PetitionLookup(services.feedback_service(settings))  # migrates (a no-op after `up`)
    raise typer.Exit(channel.run(config, services.channel_wiring(settings), lookup))


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
    from motcua import rasa_model

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
    from motcua import rasa_model

    settings = get_settings()
    model = rasa_model.ensure_model(settings, settings.rasa_config)
    raise typer.Exit(rasa_model.run_test_stories(settings, model, stories, out))
