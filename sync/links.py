"""Cross-tool identity: people unified by e-mail and the policy's aliases; links and mentions resolved to items.

A link's ``target_ref`` is what the tool wrote (a key, an id or a URL). Mentions are found here: a Jira key
(``PAY-142``) or a Jira / Trello / Asana URL in the title or description of another tool's item becomes a
``mentions`` link (origin ``mention``). Resolution fills ``link.target_item_id``; it is re-run on every evaluation
because the store rewrites an item's links whenever the item changes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.policy import Policy
from models.db import Database
from models.enums import LinkOrigin, Vendor
from models.tables import CONNECTIONS, IDENTITIES, ITEMS, LINKS, PEOPLE

__all__ = [
    "MENTION_LINK_TYPE",
    "ItemRef",
    "LinkResolution",
    "PeopleDirectory",
    "extract_mentions",
    "load_people_directory",
    "parse_item_ref",
    "record_mentions",
    "resolve_links",
]

MENTION_LINK_TYPE = "mentions"
_JIRA_KEY = re.compile(r"(?<![A-Za-z0-9_-])([A-Z][A-Z0-9_]{1,9}-[1-9]\d{0,8})(?![A-Za-z0-9_]|-\w)")
_JIRA_URL = re.compile(r"https?://[^\s/]+/browse/([A-Z][A-Z0-9_]{1,9}-\d+)")
_TRELLO_URL = re.compile(r"https?://(?:www\.)?trello\.com/c/([A-Za-z0-9]{8})")
_ASANA_URL = re.compile(r"https?://app\.asana\.com/(?:0/\d+/(\d+)|\d+/\d+/(?:project/\d+/)?task/(\d+))")
_URL = re.compile(r"https?://\S+")
_BATCH = 1_000


# ---------------------------------------------------------------------------------------------------- people


@dataclass
class PeopleDirectory:
    """Who is who across the tools: canonical keys, names for exemptions, and the bot accounts."""

    canonical: dict[int, str] = field(default_factory=dict)
    names: dict[int, tuple[str, ...]] = field(default_factory=dict)
    display: dict[int, str] = field(default_factory=dict)
    bot_people: frozenset[int] = frozenset()
    bot_accounts: frozenset[tuple[int, str]] = frozenset()

    def key_of(self, person_id: int | None) -> str | None:
        """The person's stable key: the policy's name when aliased, else the e-mail, else ``#id``."""
        if person_id is None:
            return None
        return self.canonical.get(person_id, f"#{person_id}")

    def names_of(self, person_id: int | None) -> tuple[str, ...]:
        """Every name and e-mail the person is known by (policy name first)."""
        if person_id is None:
            return ()
        return self.names.get(person_id, ())

    def label_of(self, key: str) -> str:
        """A readable name for a canonical key."""
        for person_id, canonical in self.canonical.items():
            if canonical == key:
                return self.display.get(person_id, key)
        return key


def load_people_directory(session: Session, policy: Policy, connection_names: Mapping[int, str]) -> PeopleDirectory:
    """Read people and identities; group them by e-mail (the store's person) and by the policy's aliases."""
    people = session.execute(select(PEOPLE.c.id, PEOPLE.c.display_name, PEOPLE.c.email, PEOPLE.c.is_bot)).all()
    identities = session.execute(
        select(
            IDENTITIES.c.person_id,
            IDENTITIES.c.connection_id,
            IDENTITIES.c.external_id,
            IDENTITIES.c.display_name,
            IDENTITIES.c.email,
        )
    ).all()
    by_email = {str(p.email).casefold(): int(p.id) for p in people if p.email}
    by_account = {
        (connection_names.get(int(i.connection_id), ""), str(i.external_id)): int(i.person_id)
        for i in identities
        if i.person_id is not None
    }
    canonical: dict[int, str] = {int(p.id): str(p.email).casefold() if p.email else f"#{p.id}" for p in people}
    names: dict[int, list[str]] = {
        int(p.id): [str(p.display_name), *([str(p.email)] if p.email else [])] for p in people
    }
    display = {int(p.id): str(p.display_name) for p in people}
    for alias in policy.people:
        members = {by_email[e.casefold()] for e in alias.emails if e.casefold() in by_email}
        members |= {by_account[(c, a)] for c, a in alias.accounts.items() if (c, a) in by_account}
        for person_id in members:
            canonical[person_id] = alias.name
            names[person_id] = [alias.name, *names.get(person_id, []), *alias.emails]
            display[person_id] = alias.name
    for identity in identities:
        if identity.person_id is not None and identity.display_name:
            names.setdefault(int(identity.person_id), []).append(str(identity.display_name))
    bot_names = {name.casefold() for name in policy.bots.names}
    bot_emails = {email.casefold() for email in policy.bots.emails}
    bot_people = {int(p.id) for p in people if p.is_bot or (p.email and str(p.email).casefold() in bot_emails)}
    bot_accounts: set[tuple[int, str]] = set()
    for identity in identities:
        connection = connection_names.get(int(identity.connection_id), "")
        is_bot = (
            (identity.person_id is not None and int(identity.person_id) in bot_people)
            or str(identity.display_name).casefold() in bot_names
            or (identity.email is not None and str(identity.email).casefold() in bot_emails)
            or str(identity.external_id) in policy.bots.accounts.get(connection, [])
        )
        if is_bot:
            bot_accounts.add((int(identity.connection_id), str(identity.external_id)))
            if identity.person_id is not None:
                bot_people.add(int(identity.person_id))
    # Accounts the policy names as bots count even before any identity row exists for them.
    for connection_id, connection in connection_names.items():
        for account in policy.bots.accounts.get(connection, []):
            bot_accounts.add((connection_id, account))
    return PeopleDirectory(
        canonical=canonical,
        names={person_id: tuple(dict.fromkeys(values)) for person_id, values in names.items()},
        display=display,
        bot_people=frozenset(bot_people),
        bot_accounts=frozenset(bot_accounts),
    )


# ---------------------------------------------------------------------------------------------------- references


@dataclass(frozen=True, slots=True)
class ItemRef:
    """A parsed reference to an item: which tool, matched on the key or on the external id."""

    vendor: Vendor | None
    key: str | None = None
    external_id: str | None = None
    host: str | None = None


def parse_item_ref(ref: str) -> ItemRef | None:
    """Parse a key or URL of a Jira, Trello or Asana item; None for anything else."""
    text = ref.strip()
    if match := _JIRA_URL.match(text):
        return ItemRef(Vendor.JIRA, key=match.group(1), host=urlsplit(text).hostname)
    if match := _TRELLO_URL.match(text):
        return ItemRef(Vendor.TRELLO, key=match.group(1))
    if match := _ASANA_URL.match(text):
        return ItemRef(Vendor.ASANA, external_id=match.group(1) or match.group(2))
    if _JIRA_KEY.fullmatch(text):
        return ItemRef(Vendor.JIRA, key=text)
    return None


def extract_mentions(source: Vendor, title: str, description: str | None) -> list[str]:
    """Keys and URLs of another tool's items in a title or description, in order of appearance, once each."""
    text = f"{title}\n{description or ''}"
    found: dict[str, None] = {}
    mentioned_keys: set[str] = set()
    for url in _URL.findall(text):
        url = url.rstrip(").,;]>\"'")
        parsed = parse_item_ref(url)
        if parsed is not None and parsed.vendor is not source:
            found[url] = None
            if parsed.key:
                mentioned_keys.add(parsed.key)
    if source is not Vendor.JIRA:
        for key in _JIRA_KEY.findall(_URL.sub(" ", text)):
            if key not in mentioned_keys:
                found[key] = None
    return list(found)


def _insert_ignore(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert(LINKS) if dialect == "sqlite" else postgresql.insert(LINKS)
    session.execute(
        insert.on_conflict_do_nothing(index_elements=["source_item_id", "target_ref", "link_type"]),
        list(rows),
    )


def record_mentions(database: Database, now: datetime, item_ids: Iterable[int] | None = None) -> int:
    """Add a ``mentions`` link for every key / URL of another tool's item found in titles and descriptions."""
    added = 0
    wanted = sorted(set(item_ids)) if item_ids is not None else None
    last = 0
    while True:
        with database.session() as session:
            query = select(ITEMS.c.id, ITEMS.c.source, ITEMS.c.title, ITEMS.c.description).where(
                ITEMS.c.deleted_at.is_(None)
            )
            if wanted is not None:
                chunk = wanted[:_BATCH]
                wanted = wanted[_BATCH:]
                if not chunk:
                    return added
                query = query.where(ITEMS.c.id.in_(chunk))
            else:
                query = query.where(ITEMS.c.id > last).order_by(ITEMS.c.id).limit(_BATCH)
            rows = session.execute(query).all()
            if not rows and wanted is None:
                return added
            links = [
                {
                    "source_item_id": int(row.id),
                    "target_ref": ref[:1000],
                    "link_type": MENTION_LINK_TYPE,
                    "origin": str(LinkOrigin.MENTION),
                    "created_at": now,
                }
                for row in rows
                for ref in extract_mentions(Vendor(row.source), str(row.title), row.description)
            ]
            _insert_ignore(session, links)
            session.commit()
            added += len(links)
            if rows:
                last = int(rows[-1].id)


@dataclass
class LinkResolution:
    """What one resolution pass did."""

    examined: int = 0
    resolved: int = 0


def _lookup(session: Session, refs: Sequence[tuple[int, ItemRef | None, str, int]]) -> dict[int, int]:
    """link id -> target item id for the references that name a live item."""
    by_key: dict[tuple[str, str], list[tuple[int, int, str | None]]] = defaultdict(list)
    by_external: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    plain: list[tuple[int, int, str]] = []
    for link_id, parsed, raw, source_connection in refs:
        if parsed is None:
            plain.append((link_id, source_connection, raw))
        elif parsed.key is not None:
            by_key[(str(parsed.vendor), parsed.key)].append((link_id, source_connection, parsed.host))
        elif parsed.external_id is not None:
            by_external[(str(parsed.vendor), parsed.external_id)].append((link_id, source_connection))
    hosts = {
        int(row.id): urlsplit(str(row.base_url)).hostname
        for row in session.execute(select(CONNECTIONS.c.id, CONNECTIONS.c.base_url)).all()
    }
    targets: dict[int, int] = {}
    if by_key:
        keys = sorted({key for _, key in by_key})
        found: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for row in session.execute(
            select(ITEMS.c.id, ITEMS.c.source, ITEMS.c.key, ITEMS.c.connection_id)
            .where(ITEMS.c.key.in_(keys), ITEMS.c.deleted_at.is_(None))
            .order_by(ITEMS.c.id)
        ).all():
            found[(str(row.source), str(row.key))].append((int(row.id), int(row.connection_id)))
        for ref_key, links in by_key.items():
            candidates = found.get(ref_key, [])
            for link_id, _, host in links:
                if not candidates:
                    continue
                matching = [c for c in candidates if host is not None and hosts.get(c[1]) == host]
                targets[link_id] = (matching or candidates)[0][0]
    if by_external:
        ids = sorted({external for _, external in by_external})
        found_ext: dict[tuple[str, str], int] = {}
        for item_id, source, external_id in session.execute(
            select(ITEMS.c.id, ITEMS.c.source, ITEMS.c.external_id)
            .where(ITEMS.c.external_id.in_(ids), ITEMS.c.deleted_at.is_(None))
            .order_by(ITEMS.c.id.desc())
        ).all():
            found_ext[(str(source), str(external_id))] = int(item_id)
        for ref_key, ext_links in by_external.items():
            if ref_key in found_ext:
                for link_id, _ in ext_links:
                    targets[link_id] = found_ext[ref_key]
    if plain:
        values = sorted({raw for _, _, raw in plain})
        same_connection: dict[tuple[int, str], int] = {}
        for row in session.execute(
            select(ITEMS.c.id, ITEMS.c.connection_id, ITEMS.c.external_id, ITEMS.c.key).where(
                (ITEMS.c.external_id.in_(values) | ITEMS.c.key.in_(values)), ITEMS.c.deleted_at.is_(None)
            )
        ).all():
            same_connection.setdefault((int(row.connection_id), str(row.external_id)), int(row.id))
            if row.key is not None:
                same_connection.setdefault((int(row.connection_id), str(row.key)), int(row.id))
        for link_id, connection_id, raw in plain:
            if (connection_id, raw) in same_connection:
                targets[link_id] = same_connection[(connection_id, raw)]
    return targets


def resolve_links(database: Database) -> LinkResolution:
    """Fill ``target_item_id`` of every unresolved link whose key, id or URL names a live item."""
    outcome = LinkResolution()
    last = 0
    while True:
        with database.session() as session:
            rows = session.execute(
                select(LINKS.c.id, LINKS.c.target_ref, LINKS.c.source_item_id, ITEMS.c.connection_id)
                .select_from(LINKS.join(ITEMS, ITEMS.c.id == LINKS.c.source_item_id))
                .where(LINKS.c.target_item_id.is_(None), LINKS.c.id > last)
                .order_by(LINKS.c.id)
                .limit(_BATCH)
            ).all()
            if not rows:
                return outcome
            last = int(rows[-1].id)
            outcome.examined += len(rows)
            refs = [
                (int(r.id), parse_item_ref(str(r.target_ref)), str(r.target_ref), int(r.connection_id)) for r in rows
            ]
            sources = {int(r.id): int(r.source_item_id) for r in rows}
            targets = {
                link_id: target for link_id, target in _lookup(session, refs).items() if target != sources[link_id]
            }
            for link_id, target in targets.items():
                session.execute(update(LINKS).where(LINKS.c.id == link_id).values(target_item_id=target))
            outcome.resolved += len(targets)
            session.commit()
