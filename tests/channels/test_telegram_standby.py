"""Two Telegram processes on one database (two hosts with TELEGRAM_* set): one long-polls and
delivers, the other stands by and takes over when the first dies. Telegram answers a second
concurrent getUpdates with 409 Conflict; the fake counts such overlaps instead."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.channels.conftest import TOKEN, BotProcess, wait_for
from tests.conftest import free_port
from tests.support.fake_telegram import FakeTelegram


class CountingTelegram(FakeTelegram):
    """The fake Bot API, counting getUpdates calls that arrive while another one is waiting."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.waiting = 0
        self.conflicts = 0
        self._polls = threading.Lock()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._polls:
            self.conflicts += self.waiting > 0
            self.waiting += 1
        try:
            return await super()._get_updates(params)
        finally:
            with self._polls:
                self.waiting -= 1


@pytest.fixture
def fake_telegram() -> Iterator[CountingTelegram]:
    fake = CountingTelegram(TOKEN).start()
    yield fake
    fake.stop()


def _health(bot: BotProcess) -> dict[str, Any]:
    return httpx.get(f"{bot.url}/healthz", timeout=5).json()


def _updates(bot: BotProcess) -> str:
    return _health(bot)["updates"]


def _answered(fake: FakeTelegram, chat_id: int, count: int, what: str) -> list[str]:
    """Wait for ``count`` answers to ``chat_id``; return them all."""
    wait_for(lambda: len(fake.texts(chat_id)) >= count, 30, what)
    return fake.texts(chat_id)


def test_one_process_polls_and_the_other_takes_over_when_it_dies(fake_telegram, telegram_bot) -> None:
    # No Rasa is needed: /start and /help are answered by the channel itself, through the outbox.
    first = telegram_bot(free_port())
    wait_for(lambda: _updates(first) == "polling", 30, "the first process to poll")
    second = telegram_bot(free_port())
    # The second has tried the long poll's lock and found it held: only then is "standby" news.
    wait_for(lambda: _health(second)["lock_refused"] >= 1, 30, "the second to try the lock")
    assert _updates(second) == "standby"
    assert first.process is not None and first.process.poll() is None

    fake_telegram.push(fake_telegram.text_update(2001, "/start"))
    assert "Một Cửa" in _answered(fake_telegram, 2001, 1, "an answer to /start")[0]
    # A later message's answer comes after any duplicate of the first one's: then count.
    fake_telegram.push(fake_telegram.text_update(2001, "/help"))
    answers = _answered(fake_telegram, 2001, 2, "an answer to /help")
    assert len(answers) == 2 and "/tracuu" in answers[1]

    first.process.kill()  # dies without letting go: the OS frees its locks
    first.process.wait(30)
    wait_for(lambda: _updates(second) == "polling", 30, "the second process to take over")
    fake_telegram.push(fake_telegram.text_update(2002, "/help"))
    assert "/tracuu" in _answered(fake_telegram, 2002, 1, "an answer from the second")[0]
    fake_telegram.push(fake_telegram.text_update(2003, "/start"))
    assert "Một Cửa" in _answered(fake_telegram, 2003, 1, "a later answer from the second")[0]
    # Neither the first chat's updates nor their outbox rows were handled again by the second.
    assert len(fake_telegram.texts(2001)) == 2
    assert len(fake_telegram.texts(2002)) == 1
    assert fake_telegram.conflicts == 0  # never two long polls at once
