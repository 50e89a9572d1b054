"""The citizen's web chat: its page and its API (the app around it is built by ``motcua.web``)."""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
