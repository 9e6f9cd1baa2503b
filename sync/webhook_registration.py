"""Registering Baton's webhooks with a vendor, listing them, and removing them (`baton webhooks register|list|…`).

Every webhook Baton creates is a ``webhook_subscription`` row: the vendor's id, the watched resource, the
callback URL and, encrypted, the secret its deliveries are signed with. Registration is idempotent: a resource
whose stored webhook still exists at the vendor with the same callback (and, for Jira, the same secret) is left
alone; a stale one (gone at the vendor, a changed ``BATON_PUBLIC_URL``, a rotated Jira secret) is replaced; a
webhook at the vendor that points at this connection's receiver but is not stored (an interrupted earlier run)
is deleted before the new one is made, so re-running never duplicates.

Asana negotiates the secret: before the create call, a pending row with a random ``token`` is stored and the
callback carries ``?sub=<token>``; Asana's ``X-Hook-Secret`` handshake reaches the receiver while the create call
waits, and the receiver stores the secret (encrypted) on the pending row it finds by that token.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update

from connectors.errors import ConnectorError
from core.crypto import InvalidToken, SecretBox
from core.policy import Policy
from core.policy.connections import AsanaConnection, JiraConnection, TrelloConnection
from core.policy.secrets import MissingSecretError, resolve_secret
from core.timeutil import Clock, utc_now
from models.db import Database
from models.enums import Vendor
from models.tables import WEBHOOK_SUBSCRIPTIONS
from sync.webhook_vendors import VendorHook, VendorHooks, WatchedResource

__all__ = [
    "HookState",
    "ListedHook",
    "RegistrationError",
    "RegistrationReport",
    "RegistrationTarget",
    "ResourceOutcome",
    "callback_url_for",
    "list_webhooks",
    "register_webhooks",
    "registration_target",
    "unregister_webhooks",
]

TOKEN_BYTES = 16


class RegistrationError(ValueError):
    """A connection that cannot have webhooks as configured (the message says what to set)."""


def callback_url_for(public_url: str, vendor: Vendor, connection: str) -> str:
    """Where ``vendor`` delivers connection ``connection``'s webhooks: ``<public>/webhooks/<vendor>/<name>``."""
    return f"{public_url.rstrip('/')}/webhooks/{vendor}/{connection}"


def _with_token(callback: str, token: str) -> str:
    return f"{callback}?sub={token}"


def _same_receiver(url: str, callback: str) -> bool:
    """Whether a vendor's webhook URL is this connection's receiver (query ignored: Asana's ``?sub=``)."""
    found, expected = urlsplit(url), urlsplit(callback)
    return (found.scheme, found.netloc, found.path.rstrip("/")) == (
        expected.scheme,
        expected.netloc,
        expected.path.rstrip("/"),
    )


@dataclass(frozen=True)
class RegistrationTarget:
    """One connection ready for registration: where deliveries go and the secret they are signed with."""

    connection_id: int
    name: str
    vendor: Vendor
    callback_url: str
    secret: str | None = None


def _policy_secret(
    connection: JiraConnection | TrelloConnection | AsanaConnection, environ: Mapping[str, str]
) -> str | None:
    value = connection.credentials.app_secret if isinstance(connection, TrelloConnection) else connection.webhook_secret
    if value is None:
        return None
    try:
        return resolve_secret(value, environ, where=f"connection '{connection.name}' webhook secret")
    except MissingSecretError as error:
        raise RegistrationError(str(error)) from error


def registration_target(
    policy: Policy,
    name: str,
    connection_id: int,
    *,
    public_url: str | None,
    environ: Mapping[str, str],
    require_secret: bool = True,
) -> RegistrationTarget:
    """What registering connection ``name`` needs, or :class:`RegistrationError` saying what is missing.

    ``require_secret=False`` (listing, unregistering) accepts a Jira or Trello connection without its signing
    secret: finding and deleting webhooks needs none.
    """
    connection = policy.connection(name)
    if connection is None:
        raise RegistrationError(f"the policy has no connection named {name!r}")
    if not public_url:
        raise RegistrationError(
            "BATON_PUBLIC_URL is not set: vendors need the public base URL of Baton's webhook receivers"
        )
    vendor = Vendor(str(connection.vendor))
    secret = _policy_secret(connection, environ) if require_secret else None
    if require_secret and vendor is Vendor.JIRA and not secret:
        raise RegistrationError(
            f"connection {name!r}: set webhook_secret in the policy; Jira signs deliveries with it (X-Hub-Signature)"
        )
    if require_secret and vendor is Vendor.TRELLO and not secret:
        raise RegistrationError(
            f"connection {name!r}: set credentials.app_secret in the policy; Trello signs deliveries with it"
        )
    return RegistrationTarget(
        connection_id=connection_id,
        name=name,
        vendor=vendor,
        callback_url=callback_url_for(public_url, vendor, name),
        secret=secret if vendor is Vendor.JIRA else None,
    )


@dataclass(frozen=True)
class _Stored:
    id: int
    token: str
    external_id: str | None
    resource: str | None
    callback_url: str
    secret_encrypted: str | None
    active: bool


def _stored(database: Database, connection_id: int) -> list[_Stored]:
    with database.read_session() as session:
        rows = session.execute(
            select(
                WEBHOOK_SUBSCRIPTIONS.c.id,
                WEBHOOK_SUBSCRIPTIONS.c.token,
                WEBHOOK_SUBSCRIPTIONS.c.external_id,
                WEBHOOK_SUBSCRIPTIONS.c.resource,
                WEBHOOK_SUBSCRIPTIONS.c.callback_url,
                WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted,
                WEBHOOK_SUBSCRIPTIONS.c.active,
            )
            .where(WEBHOOK_SUBSCRIPTIONS.c.connection_id == connection_id)
            .order_by(WEBHOOK_SUBSCRIPTIONS.c.id)
        ).all()
    return [_Stored(int(r[0]), str(r[1]), r[2], r[3], str(r[4]), r[5], bool(r[6])) for r in rows]


def _forget(database: Database, row_ids: list[int]) -> None:
    if not row_ids:
        return
    with database.session() as session:
        session.execute(delete(WEBHOOK_SUBSCRIPTIONS).where(WEBHOOK_SUBSCRIPTIONS.c.id.in_(row_ids)))
        session.commit()


class ResourceOutcome(StrEnum):
    """What registration did for one watched resource."""

    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass
class RegistrationReport:
    """Per watched resource: what happened (and why it failed)."""

    connection: str
    outcomes: list[tuple[WatchedResource, ResourceOutcome, str]] = field(default_factory=list)
    orphans_deleted: int = 0

    @property
    def failed(self) -> int:
        """Resources left without a webhook."""
        return sum(1 for _, outcome, _ in self.outcomes if outcome is ResourceOutcome.FAILED)


class _Registrar:
    """Registration of one connection's webhooks."""

    def __init__(
        self, database: Database, box: SecretBox, hooks: VendorHooks, target: RegistrationTarget, clock: Clock
    ) -> None:
        self.database = database
        self.box = box
        self.hooks = hooks
        self.target = target
        self.clock = clock

    def _is_current(self, row: _Stored, at_vendor: dict[str, VendorHook]) -> bool:
        hook = at_vendor.get(row.external_id or "")
        if not row.active or hook is None or not _same_receiver(hook.callback_url, self.target.callback_url):
            return False
        if self.target.vendor is Vendor.ASANA:
            return row.secret_encrypted is not None
        if self.target.vendor is Vendor.JIRA:
            try:
                return row.secret_encrypted is not None and self.box.decrypt(row.secret_encrypted) == self.target.secret
            except InvalidToken:
                return False
        return True

    def run(self) -> RegistrationReport:
        report = RegistrationReport(self.target.name)
        resources = self.hooks.resources()
        at_vendor = {hook.external_id: hook for hook in self.hooks.list()}
        rows = _stored(self.database, self.target.connection_id)
        current = {row.resource: row for row in rows if self._is_current(row, at_vendor)}
        stale = [row for row in rows if current.get(row.resource) is not row]
        current_ids = {row.external_id for row in current.values()}
        stale_ids = {row.external_id for row in stale if row.external_id}
        # Stale rows and unstored webhooks at this receiver (an interrupted run) go before anything is created.
        for external_id in sorted(stale_ids & set(at_vendor)):
            self.hooks.delete(external_id)
        for hook in at_vendor.values():
            ours = _same_receiver(hook.callback_url, self.target.callback_url)
            if ours and hook.external_id not in current_ids | stale_ids:
                self.hooks.delete(hook.external_id)
                report.orphans_deleted += 1
        _forget(self.database, [row.id for row in stale])
        replaced = {row.resource for row in stale}
        for resource in resources:
            if resource.id in current:
                report.outcomes.append((resource, ResourceOutcome.UNCHANGED, ""))
                continue
            try:
                self._create(resource)
            except (ConnectorError, ValueError) as error:
                report.outcomes.append((resource, ResourceOutcome.FAILED, f"{type(error).__name__}: {error}"))
                continue
            outcome = ResourceOutcome.REPLACED if resource.id in replaced else ResourceOutcome.CREATED
            report.outcomes.append((resource, outcome, ""))
        return report

    def _create(self, resource: WatchedResource) -> None:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        callback = self.target.callback_url
        if self.target.vendor is Vendor.ASANA:
            callback = _with_token(callback, token)
        encrypted = self.box.encrypt(self.target.secret) if self.target.secret else None
        with self.database.session() as session:
            row_id = session.execute(
                WEBHOOK_SUBSCRIPTIONS.insert()
                .values(
                    connection_id=self.target.connection_id,
                    token=token,
                    resource=resource.id[:64],
                    callback_url=callback,
                    secret_encrypted=encrypted,
                    active=False,  # pending until the vendor confirms (Asana: after the handshake)
                    created_at=self.clock(),
                )
                .returning(WEBHOOK_SUBSCRIPTIONS.c.id)
            ).scalar_one()
            session.commit()
        try:
            external_id = self.hooks.create(resource.id, callback, self.target.secret)
        except BaseException:
            _forget(self.database, [int(row_id)])
            raise
        with self.database.session() as session:
            session.execute(
                update(WEBHOOK_SUBSCRIPTIONS)
                .where(WEBHOOK_SUBSCRIPTIONS.c.id == row_id)
                .values(external_id=external_id[:64], active=True)
            )
            session.commit()


def register_webhooks(
    database: Database, box: SecretBox, hooks: VendorHooks, target: RegistrationTarget, *, clock: Clock = utc_now
) -> RegistrationReport:
    """Make sure every resource of the connection has exactly one working Baton webhook."""
    return _Registrar(database, box, hooks, target, clock).run()


class HookState(StrEnum):
    """How a webhook looks from both sides."""

    OK = "ok"
    PENDING = "pending"  # stored, the vendor has not confirmed it (an Asana handshake that never came)
    STALE_CALLBACK = "stale callback"  # stored and at the vendor, delivering elsewhere (BATON_PUBLIC_URL changed)
    MISSING_AT_VENDOR = "missing at vendor"  # stored, but the vendor no longer has it (orphan row)
    NOT_STORED = "not stored"  # at the vendor, pointing at this receiver, unknown to the store (orphan)


@dataclass(frozen=True)
class ListedHook:
    """One line of `baton webhooks list`."""

    connection: str
    resource: str | None
    external_id: str | None
    callback_url: str
    state: HookState
    active_at_vendor: bool | None

    @property
    def orphan(self) -> bool:
        """Present on one side only."""
        return self.state in (HookState.MISSING_AT_VENDOR, HookState.NOT_STORED)


def list_webhooks(database: Database, hooks: VendorHooks, target: RegistrationTarget) -> list[ListedHook]:
    """The connection's stored subscriptions and the vendor's webhooks at its receiver, matched by vendor id."""
    everything = {hook.external_id: hook for hook in hooks.list()}
    at_vendor = {i: h for i, h in everything.items() if _same_receiver(h.callback_url, target.callback_url)}
    listed: list[ListedHook] = []
    seen: set[str] = set()
    for row in _stored(database, target.connection_id):
        hook = everything.get(row.external_id or "")
        if hook is None:
            state = HookState.PENDING if not row.active else HookState.MISSING_AT_VENDOR
        elif not row.active:
            state = HookState.PENDING
        elif _same_receiver(hook.callback_url, target.callback_url):
            state = HookState.OK
        else:
            state = HookState.STALE_CALLBACK
        if hook is not None:
            seen.add(hook.external_id)
        callback = row.callback_url if hook is None else hook.callback_url
        listed.append(
            ListedHook(
                target.name, row.resource, row.external_id, callback, state, None if hook is None else hook.active
            )
        )
    for hook in at_vendor.values():
        if hook.external_id not in seen:
            listed.append(
                ListedHook(
                    target.name, hook.resource, hook.external_id, hook.callback_url, HookState.NOT_STORED, hook.active
                )
            )
    return listed


def unregister_webhooks(database: Database, hooks: VendorHooks, target: RegistrationTarget) -> tuple[int, int]:
    """Delete the connection's webhooks at the vendor (stored or not) and its stored subscriptions.

    Returns (webhooks deleted at the vendor, stored subscriptions removed).
    """
    at_vendor = [hook for hook in hooks.list() if _same_receiver(hook.callback_url, target.callback_url)]
    rows = _stored(database, target.connection_id)
    ids = {hook.external_id for hook in at_vendor} | {row.external_id for row in rows if row.external_id}
    deleted = sum(1 for external_id in sorted(ids) if hooks.delete(external_id))
    _forget(database, [row.id for row in rows])
    return deleted, len(rows)
