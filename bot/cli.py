"""`motcua`: the one command operators use (`motcua up`, `motcua chat`, and the sub-commands of
knowledge/ and feedback/, mounted here)."""

from __future__ import annotations

import asyncio
import logging
import os

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.settings import get_settings  # noqa: E402
from knowledge.catalogue.cli import catalogue_app  # noqa: E402

app = typer.Typer(
    help="Một Cửa — trợ lý thủ tục hành chính và phản ánh, kiến nghị.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(catalogue_app, name="catalogue")


@app.command()
def up() -> None:
    """Cài mô hình (nếu cần) và chạy toàn bộ hệ thống: Rasa, máy chủ hành động, trang web."""
    from bot import rasa_model, runner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
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
