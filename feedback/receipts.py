"""Proof that whoever adds information to a petition is the citizen who filed it.

Tracking codes are public (the public page and Open311 list them), so holding one proves nothing.
Two things do: the conversation the petition was filed from (a chat, or the community helper who
filed it in assisted mode), and the receipt key — a short secret shown once in the filing
acknowledgement, typed on the web lookup page. The petition table keeps both only as keyed
digests (HMAC-SHA256 under the app's feedback secret, salted per row): an anonymous petition keeps
no chat id in the clear, and a copy of the table alone cannot test guesses offline. The
acknowledgement itself, like every chat message, stays in the conversation's history (Rasa's
tracker store, the channel outbox until retention); pages that show messages to staff hide keys
(``hide_keys``). A
keyed hash, not a slow one (scrypt, ~12 ms): filing computes two digests and must keep its rate
(≥ 50/s at a million petitions); what makes guessing hard is the secret, and online the per-petition
limit on wrong keys. Changing the feedback secret therefore retires the keys already given out
(those citizens add information from their chat or at the office).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from feedback.codes import ALPHABET  # no 0/O, 1/I/L, U: easy to read aloud and type on a phone

KEY_LENGTH = 8  # 30^8 ≈ 6.6e11 keys; wrong tries are also limited per petition
_SCHEME = "hmac-sha256"
# A well-formed digest no value has: checked when there is nothing to check against (an unknown
# code, a petition without an owner), so every refusal costs the same work as a real check.
UNMATCHABLE = f"{_SCHEME}${'00' * 16}${'00' * 32}"


@dataclass(frozen=True)
class ChatIdentity:
    """Who writes in a chat, as the channels tell the actions: the platform, the address replies go
    to, and the community helper holding the chat for a citizen (assisted mode), if any."""

    channel: str
    address: str
    helper_id: str | None = None

    def owner(self) -> str:
        """What a petition filed from this chat remembers: the helper when one files for a
        citizen (their sessions change, the helper does not), otherwise the chat itself."""
        return f"helper:{self.helper_id}" if self.helper_id else self.chat()

    def chat(self) -> str:
        return f"chat:{self.channel}:{self.address}"

    def candidates(self) -> tuple[str, ...]:
        """Every owner this writer may be: their chat, and the helper they are in a session."""
        return (self.chat(), f"helper:{self.helper_id}") if self.helper_id else (self.chat(),)


_SHOWN_KEY = re.compile(rf"\b[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}\b")


def hide_keys(text: str) -> str:
    """``text`` with every receipt key as shown to citizens (``K7QM-3XPA``) masked."""
    return _SHOWN_KEY.sub("[mã bí mật]", text)


def new_key() -> str:
    """A fresh receipt key, e.g. ``K7QM3XPA``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(KEY_LENGTH))


def shown(key: str) -> str:
    """The key as the citizen reads it: two groups of four (``K7QM-3XPA``)."""
    return f"{key[:4]}-{key[4:]}"


def normalise_key(typed: str) -> str:
    """What the citizen typed, in the stored form: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-_.]", "", typed or "").upper()[:64]


class Sealer:
    """Digests under the app's secret: what the petition table keeps instead of keys and chat ids."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def digest(self, value: str) -> str:
        """A salted keyed digest of ``value``, for storing (``hmac-sha256$<salt>$<hash>``)."""
        salt = secrets.token_bytes(16)
        return f"{_SCHEME}${salt.hex()}${self._hash(value, salt).hex()}"

    def matches(self, value: str, stored: str | None) -> bool:
        """Whether ``value`` is what ``stored`` digests, in constant time; False when none is stored."""
        scheme, _, rest = (stored or "").partition("$")
        salt_hex, _, hash_hex = rest.partition("$")
        try:
            salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
        except ValueError:
            return False
        if scheme != _SCHEME or not salt or not expected:
            return False
        return hmac.compare_digest(self._hash(value, salt), expected)

    def tag(self, value: str) -> str:
        """A keyed digest that is the same every time (for looking up, not for proving): who a
        client is, without keeping their address."""
        return hmac.new(self._secret, b"tag:" + value.encode(), hashlib.sha256).hexdigest()[:32]

    def _hash(self, value: str, salt: bytes) -> bytes:
        return hmac.new(self._secret, salt + value.encode(), hashlib.sha256).digest()
