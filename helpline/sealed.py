"""Seal what must be kept in a form we can read back (a number to reply to): encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) with a key derived from
``HELPLINE_ENCRYPTION_KEY``. Anyone with the Redis data but not the key reads nothing.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Encrypt and decrypt short texts with one secret."""

    def __init__(self, secret: str) -> None:
        # Any passphrase works: derive the 32-byte Fernet key from it.
        key = base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest())
        self._fernet = Fernet(key)

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str | None:
        """Return the text, or None if the token was not sealed with this secret."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            return None


@lru_cache(maxsize=4)
def sealer_for(secret: str) -> Sealer:
    """The sealer of ``secret``, made once per process (not on every request)."""
    return Sealer(secret)
