"""A7: secrets encrypted at rest, a wrong key refused, rotation over 10,000 tokens."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.crypto import InvalidToken, SecretBox, generate_key
from models.db import Database, sqlite_file_path
from models.tables import WEBHOOK_SUBSCRIPTIONS
from sync.secrets import rotate_stored_secrets
from sync.store import ensure_connection

pytestmark = pytest.mark.reliability

CANARY = "canary-secret-7f3a9c"


def test_a7_rotation_over_ten_thousand_tokens() -> None:
    old, new = generate_key(), generate_key()
    tokens = [SecretBox([old]).encrypt(f"{CANARY}-{n}") for n in range(10_000)]
    rotated = SecretBox([new, old]).rotate_all(tokens)
    only_new = SecretBox([new])
    assert [only_new.decrypt(token) for token in rotated] == [f"{CANARY}-{n}" for n in range(10_000)]
    with pytest.raises(InvalidToken):
        SecretBox([generate_key()]).decrypt(rotated[0])


def test_a7_the_database_holds_no_plaintext_and_rotation_keeps_secrets(database: Database, tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    connection_id = ensure_connection(database, name="asana", vendor="asana", base_url="http://127.0.0.1:8103")
    with database.session() as session:
        for n in range(50):
            session.execute(
                WEBHOOK_SUBSCRIPTIONS.insert().values(
                    connection_id=connection_id,
                    token=f"sub-{n}",
                    callback_url="https://baton.example.com/webhooks/asana/asana",
                    secret_encrypted=SecretBox([old]).encrypt(f"{CANARY}-{n}"),
                    created_at=datetime(2026, 11, 24, tzinfo=UTC),
                )
            )
        session.commit()
    assert CANARY.encode() not in dump_database(database, tmp_path)
    assert rotate_stored_secrets(database, SecretBox([new, old]), batch=7) == 50
    with database.read_session() as session:
        stored = (
            session.execute(select(WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted).order_by(WEBHOOK_SUBSCRIPTIONS.c.id))
            .scalars()
            .all()
        )
    assert [SecretBox([new]).decrypt(token) for token in stored] == [f"{CANARY}-{n}" for n in range(50)]
    assert CANARY.encode() not in dump_database(database, tmp_path)


def dump_database(database: Database, tmp_path: Path) -> bytes:
    """Every byte of the store as an attacker with the files would see it."""
    path = sqlite_file_path(str(database.engine.url))
    if path is not None:
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    url = database.engine.url
    out = tmp_path / "dump.sql"
    subprocess.run(
        [
            "pg_dump",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "-f",
            str(out),
            url.database or "",
        ],
        check=True,
        env={**os.environ, "PGPASSWORD": url.password or ""},
    )
    return out.read_bytes()
