"""Re-encrypting stored secrets under the newest key (after a new key is put first in BATON_SECRET_KEYS)."""

from __future__ import annotations

from sqlalchemy import select, update

from core.crypto import SecretBox
from models.db import Database
from models.tables import WEBHOOK_SUBSCRIPTIONS

__all__ = ["rotate_stored_secrets"]


def rotate_stored_secrets(database: Database, box: SecretBox, *, batch: int = 500) -> int:
    """Re-encrypt every stored secret with ``box``'s first key; raises ``InvalidToken`` if a key is missing."""
    rotated = 0
    last_id = 0
    while True:
        with database.session() as session:
            rows = session.execute(
                select(WEBHOOK_SUBSCRIPTIONS.c.id, WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted)
                .where(WEBHOOK_SUBSCRIPTIONS.c.id > last_id, WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted.is_not(None))
                .order_by(WEBHOOK_SUBSCRIPTIONS.c.id)
                .limit(batch)
            ).all()
            if not rows:
                session.commit()
                return rotated
            for row_id, token in rows:
                session.execute(
                    update(WEBHOOK_SUBSCRIPTIONS)
                    .where(WEBHOOK_SUBSCRIPTIONS.c.id == row_id)
                    .values(secret_encrypted=box.rotate(token))
                )
            session.commit()
        rotated += len(rows)
        last_id = int(rows[-1][0])
