"""API keys are random bearer tokens; only their SHA-256 is stored (they are high-entropy, so no KDF)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
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
    teams: tuple[str, ...] | None = None


@dataclass(frozen=True)
class KeyIdentity:
    """Who a request authenticated as; ``teams`` limits a viewer key to those teams' data (``None``: everything)."""

    id: int
    name: str
    role: ApiKeyRole
    teams: tuple[str, ...] | None = None


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    database: Database,
    *,
    name: str,
    role: ApiKeyRole,
    teams: Sequence[str] | None = None,
    clock: Clock = utc_now,
) -> IssuedKey:
    """Create a key; the returned ``secret`` is the only copy.

    ``teams`` scopes a viewer key to those teams: it then sees only their items, findings, boards, sprints, reports
    and the workload people carry in them. Admin keys act on the whole organisation, so they cannot be scoped.
    """
    scoped = tuple(sorted({t.strip() for t in teams})) if teams is not None else None
    if scoped is not None and (not scoped or any(not t or len(t) > 100 for t in scoped)):
        raise ValueError("a team scope needs one or more team names of 1 to 100 characters")
    if scoped is not None and role is ApiKeyRole.ADMIN:
        raise ValueError("admin keys act on the whole organisation and cannot be limited to teams")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with database.session() as session:
        key_id = session.execute(
            API_KEYS.insert()
            .values(
                name=name,
                role=str(role),
                prefix=secret[:12],
                key_hash=hash_key(secret),
                created_at=clock(),
                teams=list(scoped) if scoped is not None else None,
            )
            .returning(API_KEYS.c.id)
        ).scalar_one()
        session.commit()
    return IssuedKey(id=int(key_id), name=name, role=role, secret=secret, teams=scoped)


def resolve_api_key(database: Database, secret: str, *, now: datetime | None = None) -> KeyIdentity | None:
    """The live key matching ``secret``, or ``None``."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    with database.read_session() as session:
        row = session.execute(
            select(API_KEYS.c.id, API_KEYS.c.name, API_KEYS.c.role, API_KEYS.c.teams).where(
                API_KEYS.c.key_hash == hash_key(secret), API_KEYS.c.revoked_at.is_(None)
            )
        ).one_or_none()
    if row is None:
        return None
    teams = tuple(str(t) for t in row.teams) if isinstance(row.teams, list) else None
    return KeyIdentity(id=int(row.id), name=row.name, role=ApiKeyRole(row.role), teams=teams)


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
