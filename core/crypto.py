"""Encryption at rest for tokens and webhook secrets: Fernet, with key rotation through MultiFernet.

Keys come from ``BATON_SECRET_KEYS`` (comma-separated Fernet keys, newest first). Without it, development
runs create one key in ``.baton/secret.key`` (mode 0600); production refuses to start without keys.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["InvalidToken", "SecretBox", "generate_key", "load_or_create_key_file"]


def generate_key() -> str:
    """A new Fernet key."""
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Encrypts with the first key; decrypts with any; ``rotate`` re-encrypts under the first."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])

    @classmethod
    def from_csv(cls, keys: str) -> SecretBox:
        """Keys as ``BATON_SECRET_KEYS`` holds them: comma-separated, newest first."""
        return cls([key.strip() for key in keys.split(",") if key.strip()])

    def encrypt(self, plaintext: str) -> str:
        """The token for ``plaintext``."""
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plaintext of ``token``; raises ``InvalidToken`` when no key opens it."""
        return self._fernet.decrypt(token.encode("ascii")).decode()

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted under the newest key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def rotate_all(self, tokens: Iterable[str]) -> list[str]:
        """Every token re-encrypted under the newest key."""
        return [self.rotate(token) for token in tokens]


def load_or_create_key_file(path: Path) -> str:
    """The key stored at ``path``, created (readable by the owner only) when missing."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    # Written whole to a private temporary file, then linked into place: a concurrent starter either wins the
    # link or reads the complete key the winner linked.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        temporary.unlink()
    return key
