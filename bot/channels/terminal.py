"""`motcua chat`: talk to the running bot from a terminal.

Buttons are shown as numbered choices; typing the number sends the button's payload.
"""

from __future__ import annotations

import asyncio
import uuid

from rich.console import Console

from bot.rasa_client import BotMessage, RasaClient, RasaUnavailable

EXIT_WORDS = {"/thoat", "/thoát", "/exit", "/quit"}


def _show(console: Console, messages: list[BotMessage]) -> list[str]:
    """Print the bot's messages; return the payloads of the buttons, numbered from 1."""
    payloads: list[str] = []
    for message in messages:
        if message.text:
            console.print(f"[bold green]Một Cửa:[/] {message.text}", highlight=False)
        if message.image:
            console.print(f"  (ảnh: {message.image})")
        for button in message.buttons:
            payloads.append(button.payload)
            console.print(f"  [cyan]{len(payloads)})[/] {button.title}", highlight=False)
    if not messages:
        console.print("[dim](Một Cửa không trả lời tin này.)[/]")
    return payloads


async def chat(webhook_url: str, console: Console | None = None) -> None:
    """Read lines from the terminal until /thoat or end of input."""
    console = console or Console()
    client = RasaClient(webhook_url)
    sender = f"terminal-{uuid.uuid4().hex[:12]}"
    console.print("Gõ câu hỏi của bạn. Gõ số để chọn nút, [bold]/thoat[/] để thoát.")
    payloads: list[str] = []
    try:
        while True:
            try:
                line = (await asyncio.to_thread(input, "Bạn: ")).strip()
            except EOFError:
                break
            if line.lower() in EXIT_WORDS:
                break
            if not line:
                continue
            if line.isdigit() and 1 <= int(line) <= len(payloads):
                line = payloads[int(line) - 1]
            try:
                payloads = _show(console, await client.send(sender, line, {"channel": "terminal"}))
            except RasaUnavailable:
                console.print(
                    "[red]Không kết nối được với Một Cửa.[/] Hãy kiểm tra 'motcua up' đang chạy, "
                    "rồi gửi lại câu hỏi."
                )
    finally:
        await client.aclose()
