"""Settings of the feedback module, passed explicitly so the core never reads global state."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROVINCES_DIR = REPO_ROOT / "provinces"


@dataclass(frozen=True)
class Level:
    """A handling level (mức độ): working days to acknowledge and to answer."""

    name: str
    label: str
    ack_days: int
    answer_days: int


DEFAULT_LEVELS: dict[str, Level] = {
    "normal": Level("normal", "Thông thường", ack_days=2, answer_days=10),
    "urgent": Level("urgent", "Khẩn", ack_days=1, answer_days=3),
}


@dataclass(frozen=True)
class FeedbackConfig:
    """Everything the feedback module needs to run; the web wiring builds it from bot settings."""

    db_url: str
    secret_key: str
    province_dir: Path = PROVINCES_DIR / "lang-son"
    levels: dict[str, Level] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    triage_threshold: float = 0.5
    duplicate_window_days: int = 30
    max_text_chars: int = 5000
    max_photo_bytes: int = 5 * 1024 * 1024
    open311_api_keys: frozenset[str] = frozenset()
    secure_cookies: bool = False

    @property
    def units_file(self) -> Path:
        return self.province_dir / "units.yml"

    def level(self, name: str) -> Level:
        """The named level, or the normal one for unknown names."""
        return self.levels.get(name) or self.levels["normal"]
