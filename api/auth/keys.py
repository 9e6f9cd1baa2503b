"""API keys are random bearer tokens; only their SHA-256 is stored (they are high-entropy, so no KDF)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from core.timeutil import Clock, utc_now
from models.db import Database
from models.enums import ApiKeyRole
from models.tables import API_KEYS

__all__ = ["KEY_PREFIX", "IssuedKey", "KeyIdentity", "create_api_key", "hash_key", "resolve_api_key", "revoke_api_key"]

KEY_PREFIX = "baton_"


@dataclass(frozen=True)
class IssuedKey:
    """A key as shown once at creation: ``secret`` is never stored."""

    id: int
    name: str
    role: ApiKeyRole
    secret: str


@dataclass(frozen=True)
class KeyIdentity:
    """Who a request authenticated as."""

    id: int
    name: str
    role: ApiKeyRole


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(database: Database, *, name: str, role: ApiKeyRole, clock: Clock = utc_now) -> IssuedKey:
    """Create a key; the returned ``secret`` is the only copy."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with database.session() as session:
        key_id = session.execute(
            API_KEYS.insert()
            .values(name=name, role=str(role), prefix=secret[:12], key_hash=hash_key(secret), created_at=clock())
            .returning(API_KEYS.c.id)
        ).scalar_one()
        session.commit()
    return IssuedKey(id=int(key_id), name=name, role=role, secret=secret)


def resolve_api_key(database: Database, secret: str, *, now: datetime | None = None) -> KeyIdentity | None:
    """The live key matching ``secret``, or ``None``."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    with database.read_session() as session:
        row = session.execute(
            select(API_KEYS.c.id, API_KEYS.c.name, API_KEYS.c.role).where(
                API_KEYS.c.key_hash == hash_key(secret), API_KEYS.c.revoked_at.is_(None)
            )
        ).one_or_none()
    if row is None:
        return None
    return KeyIdentity(id=int(row.id), name=row.name, role=ApiKeyRole(row.role))


def revoke_api_key(database: Database, key_id: int, *, clock: Clock = utc_now) -> bool:
    """Revoke a key; ``False`` when no live key has that id."""
    with database.session() as session:
        revoked = session.execute(
            update(API_KEYS)
            .where(API_KEYS.c.id == key_id, API_KEYS.c.revoked_at.is_(None))
            .values(revoked_at=clock())
            .returning(API_KEYS.c.id)
        ).all()
        session.commit()
    return bool(revoked)
