"""Small text helpers every reply uses: fit a phone screen, drop the source's bullets."""

from __future__ import annotations


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sentence(text: str, limit: int = 300) -> str:
    """``text`` shortened and closed by one full stop (the portal's own often ends in "..")."""
    text = shorten(text, limit).rstrip(" .")
    return text if text.endswith("…") else text + "."


def clean_name(name: str) -> str:
    """Paper names often keep the source's bullet ("- Giấy chứng sinh")."""
    return name.strip().lstrip("-–•*+ ").strip()


def count(originals: int | None, copies: int | None) -> str:
    """" (1 bản chính, 2 bản sao)", or nothing when the source gives no counts."""
    bits = []
    if originals:
        bits.append(f"{originals} bản chính")
    if copies:
        bits.append(f"{copies} bản sao")
    return f" ({', '.join(bits)})" if bits else ""


MAX_TITLE = 200  # a few names run to a thousand characters


def procedure_title(name: str, code: str) -> str:
    """"Name (mã CODE)", the name cut to fit a phone screen."""
    return f"{shorten(name, MAX_TITLE)} (mã {code})"
