"""A realistic store for the API tests: three tools, teams, people, sprints, epics, findings, reports, canaries.

Vendor data goes through ``StoreWriter`` (as a sync would write it); findings, reports, runs, webhook rows and
subscriptions (written by other parts of Baton) are inserted directly. Canary secrets are planted where secrets
live (API keys, webhook secret ciphertexts and plaintexts, raw vendor JSON, webhook bodies) so tests can prove
no response ever carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from api.auth.keys import create_api_key
from connectors.records import (
    Batch,
    ContainerIn,
    Discovery,
    LinkIn,
    PersonIn,
    SprintIn,
    SprintMembershipIn,
    TransitionIn,
    WorkItemIn,
)
from core.crypto import SecretBox
from models.db import Database
from models.enums import ApiKeyRole, ContainerKind, ItemType, LinkOrigin, SprintState, StatusCategory, Vendor
from models.tables import (
    CONTAINERS,
    FINDINGS,
    ITEMS,
    LINKS,
    REPORTS,
    RUNS,
    WEBHOOK_EVENTS,
    WEBHOOK_SUBSCRIPTIONS,
)
from sync.store import StoreWriter, ensure_connection

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
FERNET_KEY = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="

CANARY_WEBHOOK_SECRET = "canary-whsecret-7Qm2Zx9Lr4"
CANARY_RAW_TOKEN = "canary-rawtoken-Kp3Vn8Ws1Y"
CANARY_INBOX_TOKEN = "canary-inboxtoken-Hd5Tb2Mc7R"
CANARY_SUBSCRIPTION_TOKEN = "canary-subtoken-Fq6Wy1Nz3J"
CANARY_ENV_TOKEN = "canary-envtoken-Ub4Xe9Gk2P"

S = StatusCategory


@dataclass
class Seeded:
    """Ids and secrets the tests refer to."""

    admin_key: str = ""
    viewer_key: str = ""
    connections: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    sprints: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    containers: dict[str, int] = field(default_factory=dict)
    report_id: int = 0
    canaries: list[str] = field(default_factory=list)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def history(item: str, *moves: tuple[float, str, str, StatusCategory, StatusCategory]) -> tuple[TransitionIn, ...]:
    """Status transitions ``(days ago, from, to, from category, to category)``."""
    return tuple(
        TransitionIn(
            field="status",
            from_value=src,
            to_value=dst,
            changed_at=NOW - days(ago),
            event_id=f"{item}-{n}",
            from_category=from_cat,
            to_category=to_cat,
        )
        for n, (ago, src, dst, from_cat, to_cat) in enumerate(moves)
    )


def jira_items() -> list[WorkItemIn]:
    epic = WorkItemIn(
        external_id="10001",
        key="PAY-1",
        title="Checkout v2",
        type=ItemType.EPIC,
        status_raw="In Progress",
        status_category=S.IN_PROGRESS,
        created_at=NOW - days(60),
        updated_at=NOW - days(2),
        version="1",
        container_external_id="10000",
        assignee_external_id="acc-alice",
        url="https://acme.atlassian.net/browse/PAY-1",
        raw={"id": "10001", "fields": {"secret_field": CANARY_RAW_TOKEN}},
    )
    items = [epic]
    plans: list[tuple[str, StatusCategory, float | None, int | None, str | None]] = [
        ("To Do", S.TODO, 3, 5, "acc-alice"),
        ("In Progress", S.IN_PROGRESS, 5, -3, "acc-alice"),
        ("In Review", S.IN_PROGRESS, 2, None, "acc-bruno"),
        ("Done", S.DONE, 8, -10, "acc-bruno"),
        ("Backlog", S.BACKLOG, None, 30, None),
        ("In Progress", S.IN_PROGRESS, None, -1, None),
        ("Done", S.DONE, 1, None, "acc-alice"),
        ("Won't Do", S.CANCELLED, 2, None, None),
        ("To Do", S.TODO, 5, 2, "acc-bruno"),
        ("Mystery", S.UNKNOWN, None, None, "acc-bruno"),
    ]
    for n in range(2, 42):
        status, category, estimate, due_in, assignee = plans[n % len(plans)]
        moves: list[tuple[float, str, str, StatusCategory, StatusCategory]] = [
            (40 - n / 2, "Backlog", "To Do", S.BACKLOG, S.TODO)
        ]
        if category in (S.IN_PROGRESS, S.DONE):
            moves.append((20 - n / 4, "To Do", "In Progress", S.TODO, S.IN_PROGRESS))
        if category is S.DONE:
            moves.append((5 - n / 20, "In Progress", "Done", S.IN_PROGRESS, S.DONE))
        sprints: tuple[SprintMembershipIn, ...] = ()
        if n % 3 == 0:
            sprints = (SprintMembershipIn("s14", added_at=NOW - days(13)),)
        if n % 6 == 0:
            sprints = (
                SprintMembershipIn("s13", added_at=NOW - days(28)),
                SprintMembershipIn("s14", added_at=NOW - days(13)),
            )
        if n % 9 == 0:
            sprints = (SprintMembershipIn("s14", added_at=NOW - days(5)),)  # added after the start: scope creep
        items.append(
            WorkItemIn(
                external_id=str(10000 + n),
                key=f"PAY-{n}",
                title=f"Payment story {n}: {'refund' if n % 2 else 'checkout'} flow",
                type=ItemType.BUG if n % 7 == 0 else ItemType.STORY,
                status_raw=status,
                status_category=category,
                created_at=NOW - days(50 - n / 2),
                updated_at=NOW - days(n / 3),
                version=str(n),
                container_external_id="10000",
                assignee_external_id=assignee,
                labels=("customer",) if n % 4 == 0 else ("tech-debt", "platform") if n % 5 == 0 else (),
                priority="High" if n % 3 == 0 else "Medium",
                estimate=estimate,
                due=TODAY + timedelta(days=due_in) if due_in is not None else None,
                epic_external_id="10001" if n < 20 else None,
                sprint_external_id="s14" if any(m.sprint_external_id == "s14" for m in sprints) else None,
                resolution="Done" if category is S.DONE else None,
                url=f"https://acme.atlassian.net/browse/PAY-{n}",
                resolved_at=NOW - days(5 - n / 20) if category is S.DONE else None,
                last_activity_at=NOW - days(n / 3),
                transitions=tuple(
                    TransitionIn(
                        field="status",
                        from_value=src,
                        to_value=dst,
                        changed_at=NOW - days(ago),
                        event_id=f"PAY-{n}-{i}",
                        from_category=fc,
                        to_category=tc,
                    )
                    for i, (ago, src, dst, fc, tc) in enumerate(moves)
                ),
                links=(LinkIn("PAY-3", "blocks", LinkOrigin.EXPLICIT),) if n == 2 else (),
                sprints=sprints,
            )
        )
    return items


def trello_items() -> list[WorkItemIn]:
    lists = [("l-up", "Up Next", S.TODO), ("l-doing", "Doing", S.IN_PROGRESS), ("l-shipped", "Shipped", S.DONE)]
    cards = []
    for n in range(1, 16):
        list_id, status, category = lists[n % 3]
        cards.append(
            WorkItemIn(
                external_id=f"card{n:03d}",
                key=f"tr{n}",
                title='=HYPERLINK("https://evil.example","card 1")' if n == 1 else f"Design card {n}",
                type=ItemType.TASK,
                status_raw=status,
                status_category=category,
                created_at=NOW - days(30 - n),
                updated_at=NOW - days(n / 2),
                version=str(n),
                container_external_id="tb1",
                subcontainer_external_id=list_id,
                assignee_external_id="mem-alice" if n % 2 else None,
                labels=("customer",) if n % 3 == 0 else (),
                due=TODAY - timedelta(days=n) if n % 4 == 0 else None,
                url=f"https://trello.com/c/tr{n}",
                links=(LinkIn("https://acme.atlassian.net/browse/PAY-1", "relates", LinkOrigin.EXPLICIT),)
                if n <= 3
                else (),
                transitions=history(
                    f"card{n}",
                    (10, "Up Next", "Doing", S.TODO, S.IN_PROGRESS),
                    *([(3, "Doing", "Shipped", S.IN_PROGRESS, S.DONE)] if category is S.DONE else []),
                ),
            )
        )
    return cards


def asana_items() -> list[WorkItemIn]:
    tasks = []
    for n in range(1, 11):
        done = n % 4 == 0
        tasks.append(
            WorkItemIn(
                external_id=f"120000000{n:04d}",
                title=f"Growth experiment {n}",
                type=ItemType.TASK,
                status_raw="Done" if done else "Experiments",
                status_category=S.DONE if done else S.IN_PROGRESS,
                created_at=NOW - days(20),
                updated_at=NOW - days(n),
                version=str(n),
                container_external_id="ap1",
                subcontainer_external_id="sec-exp",
                assignee_external_id="asana-chen" if n % 2 else "asana-alice",
                estimate=float(n % 3) or None,
                due=TODAY + timedelta(days=n * 3 - 6),
                url=f"https://app.asana.com/0/ap1/{n}",
            )
        )
    return tasks


def seed_store(database: Database) -> Seeded:
    """Write the whole realistic store and return what the tests need."""
    seeded = Seeded()
    box = SecretBox([FERNET_KEY])
    jira = ensure_connection(database, name="jira", vendor="jira", base_url="https://acme.atlassian.net")
    trello = ensure_connection(database, name="trello", vendor="trello", base_url="https://api.trello.com")
    asana = ensure_connection(database, name="asana", vendor="asana", base_url="https://app.asana.com")
    seeded.connections = {"jira": jira, "trello": trello, "asana": asana}

    writer = StoreWriter(database, jira, Vendor.JIRA, clock=lambda: NOW)
    writer.apply_discovery(
        Discovery(
            containers=(
                ContainerIn(ContainerKind.PROJECT, "10000", "Payments", key="PAY"),
                ContainerIn(ContainerKind.BOARD, "42", "PAY board"),
            ),
            people=(
                PersonIn("acc-alice", "Alice Martin", "alice@acme.example"),
                PersonIn("acc-bruno", "Bruno Costa", "bruno@acme.example"),
                PersonIn("acc-bot", "Automation for Jira", "automation@acme.example", is_bot=True),
            ),
            sprints=(
                SprintIn(
                    "s13",
                    "PAY Sprint 13",
                    SprintState.CLOSED,
                    "42",
                    start_at=NOW - days(28),
                    end_at=NOW - days(14),
                    complete_at=NOW - days(14),
                ),
                SprintIn(
                    "s14",
                    "PAY Sprint 14",
                    SprintState.ACTIVE,
                    "42",
                    goal="Ship refunds",
                    start_at=NOW - days(13),
                    end_at=NOW + days(1),
                ),
                SprintIn("s15", "PAY Sprint 15", SprintState.FUTURE, "42"),
            ),
        )
    )
    writer.apply_batch(Batch(items=tuple(jira_items())))
    writer.tombstone(["10041"])

    writer = StoreWriter(database, trello, Vendor.TRELLO, clock=lambda: NOW)
    writer.apply_discovery(
        Discovery(
            containers=(
                ContainerIn(ContainerKind.BOARD, "tb1", "Design"),
                ContainerIn(ContainerKind.LIST, "l-up", "Up Next", parent_external_id="tb1"),
                ContainerIn(ContainerKind.LIST, "l-doing", "Doing", parent_external_id="tb1"),
                ContainerIn(ContainerKind.LIST, "l-shipped", "Shipped", parent_external_id="tb1"),
            ),
            people=(PersonIn("mem-alice", "Alice M.", "alice@acme.example"),),
        )
    )
    writer.apply_batch(Batch(items=tuple(trello_items())))

    writer = StoreWriter(database, asana, Vendor.ASANA, clock=lambda: NOW)
    writer.apply_discovery(
        Discovery(
            containers=(
                ContainerIn(ContainerKind.PROJECT, "ap1", "Growth"),
                ContainerIn(ContainerKind.SECTION, "sec-exp", "Experiments", parent_external_id="ap1"),
            ),
            people=(
                PersonIn("asana-chen", "Chen Wei", "chen@acme.example"),
                PersonIn("asana-alice", "Alice Martin", "alice@acme.example"),
            ),
        )
    )
    writer.apply_batch(Batch(items=tuple(asana_items())))

    with database.session() as session:
        rows = session.execute(ITEMS.select().with_only_columns(ITEMS.c.id, ITEMS.c.key, ITEMS.c.external_id)).all()
        seeded.items = {(key or external_id): int(item_id) for item_id, key, external_id in rows}
        containers = session.execute(CONTAINERS.select().with_only_columns(CONTAINERS.c.id, CONTAINERS.c.name)).all()
        seeded.containers = {name: int(cid) for cid, name in containers}
        session.execute(update(CONTAINERS).where(CONTAINERS.c.name == "Growth").values(team="growth"))
        # Link resolution (a later sync step): the Trello cards point at the Jira epic, PAY-2 blocks PAY-3.
        session.execute(
            update(LINKS).where(LINKS.c.target_ref.like("%/PAY-1")).values(target_item_id=seeded.items["PAY-1"])
        )
        session.execute(update(LINKS).where(LINKS.c.target_ref == "PAY-3").values(target_item_id=seeded.items["PAY-3"]))
        from models.tables import PEOPLE, SPRINTS

        seeded.people = {
            str(email or name): int(pid)
            for pid, email, name in session.execute(
                PEOPLE.select().with_only_columns(PEOPLE.c.id, PEOPLE.c.email, PEOPLE.c.display_name)
            )
        }
        seeded.sprints = {
            str(ext): int(sid)
            for sid, ext in session.execute(SPRINTS.select().with_only_columns(SPRINTS.c.id, SPRINTS.c.external_id))
        }
        findings = [
            ("R02", "PAY-11", "high", None, None, "PAY-11 has been in progress for 9 days with no activity."),
            ("R08", "PAY-11", "medium", None, None, "PAY-11 was due 3 days ago."),
            ("R05", "PAY-15", "low", None, None, "PAY-15 is committed but has no estimate."),
            ("R06", "PAY-15", "medium", None, NOW + days(7), "PAY-15 is in progress with nobody assigned."),
            ("R01", "PAY-14", "low", NOW - days(1), None, "PAY-14 had no activity for 30 days."),
            ("R08", "tr4", "medium", None, None, "Design card 4 was due 4 days ago."),
        ]
        for n, (rule, key, severity, resolved, snoozed, message) in enumerate(findings):
            finding_id = session.execute(
                FINDINGS.insert()
                .values(
                    rule_id=rule,
                    subject_type="work_item",
                    subject_key=key,
                    work_item_id=seeded.items[key],
                    team="payments" if key.startswith("PAY") else "design",
                    severity=severity,
                    message=message,
                    url=None,
                    details={"days": 9 - n},
                    first_seen_at=NOW - days(10 - n),
                    last_seen_at=NOW - days(1),
                    resolved_at=resolved,
                    snoozed_until=snoozed,
                    snooze_reason="Waiting on the vendor" if snoozed else None,
                )
                .returning(FINDINGS.c.id)
            ).scalar_one()
            seeded.findings[f"{rule}:{key}"] = int(finding_id)
        session.execute(
            FINDINGS.insert().values(
                rule_id="R20",
                subject_type="team",
                subject_key="payments",
                work_item_id=None,
                team="payments",
                severity="info",
                message="The payments team uses a status outside the reference workflow.",
                details={},
                first_seen_at=NOW - days(3),
                last_seen_at=NOW,
            )
        )
        seeded.report_id = int(
            session.execute(
                REPORTS.insert()
                .values(
                    report_date=TODAY - timedelta(days=1),
                    team_scope="*",
                    generated_at=NOW - days(0.3),
                    content_json={"date": str(TODAY - timedelta(days=1)), "hygiene": {"payments": 81.5}},
                    content_html="<h1>Backlog hygiene</h1><p>payments: 81.5</p>",
                    content_md="# Backlog hygiene\n\npayments: 81.5\n",
                    content_hash="0" * 64,
                )
                .returning(REPORTS.c.id)
            ).scalar_one()
        )
        for n, status in enumerate(("succeeded", "succeeded", "failed", "running")):
            session.execute(
                RUNS.insert().values(
                    connection_id=(jira, trello, asana, jira)[n],
                    kind="incremental",
                    status=status,
                    started_at=NOW - days(1 - n / 10),
                    finished_at=None if status == "running" else NOW - days(1 - n / 10) + timedelta(minutes=2),
                    items_seen=40,
                    items_changed=3,
                    errors=[{"detail": f"token={CANARY_RAW_TOKEN}"}] if status == "failed" else [],
                    error_message="HTTP 503 from the vendor" if status == "failed" else None,
                )
            )
        session.execute(
            WEBHOOK_EVENTS.insert().values(
                source="jira",
                connection_id=jira,
                delivery_id="d-1",
                event_type="jira:issue_updated",
                entity_external_id="10003",
                body=f'{{"token": "{CANARY_INBOX_TOKEN}"}}'.encode(),
                status="pending",
                received_at=NOW - timedelta(minutes=5),
            )
        )
        session.execute(
            WEBHOOK_SUBSCRIPTIONS.insert().values(
                connection_id=asana,
                token=CANARY_SUBSCRIPTION_TOKEN,
                external_id="wh-1",
                resource="ap1",
                callback_url=f"https://baton.example.com/webhooks/asana/asana?sub={CANARY_SUBSCRIPTION_TOKEN}",
                secret_encrypted=box.encrypt(CANARY_WEBHOOK_SECRET),
                active=True,
                created_at=NOW,
            )
        )
        ciphertext = session.execute(
            WEBHOOK_SUBSCRIPTIONS.select().with_only_columns(WEBHOOK_SUBSCRIPTIONS.c.secret_encrypted)
        ).scalar_one()
        session.commit()
    admin = create_api_key(database, name="ops", role=ApiKeyRole.ADMIN, clock=lambda: NOW)
    viewer = create_api_key(database, name="planner", role=ApiKeyRole.VIEWER, clock=lambda: NOW)
    seeded.admin_key, seeded.viewer_key = admin.secret, viewer.secret
    seeded.canaries = [
        admin.secret,
        viewer.secret,
        CANARY_WEBHOOK_SECRET,
        CANARY_RAW_TOKEN,
        CANARY_INBOX_TOKEN,
        CANARY_SUBSCRIPTION_TOKEN,
        CANARY_ENV_TOKEN,
        str(ciphertext),
    ]
    return seeded


POLICY = """
version: 1
connections:
  - name: jira
    vendor: jira
    base_url: https://acme.atlassian.net
    credentials: {email: {env: BATON_TEST_JIRA_EMAIL}, api_token: {env: BATON_TEST_JIRA_TOKEN}}
    webhook_secret: {env: BATON_TEST_JIRA_HOOK}
  - name: trello
    vendor: trello
    base_url: https://api.trello.com
    credentials: {api_key: {env: BATON_TEST_TRELLO_KEY}, token: {env: BATON_TEST_TRELLO_TOKEN}}
  - name: asana
    vendor: asana
    base_url: https://app.asana.com
    credentials: {token: {env: BATON_TEST_ASANA_TOKEN}}
teams:
  payments:
    containers:
      - {connection: jira, kind: project, key: PAY}
      - {connection: jira, kind: board, id: 42}
    timezone: Europe/Paris
    wip_limits: {in_progress: 5, In Review: 1}
  design:
    containers:
      - {connection: trello, kind: board, id: tb1}
    timezone: Europe/London
  growth:
    containers:
      - {connection: asana, kind: project, id: ap1}
    timezone: Asia/Singapore
rules:
  R02: {days: 4, teams: {design: {days: 7}}}
  R08: {severity: high}
"""

POLICY_ENV = {
    "BATON_TEST_JIRA_EMAIL": "ops@acme.example",
    "BATON_TEST_JIRA_TOKEN": CANARY_ENV_TOKEN,
    "BATON_TEST_JIRA_HOOK": CANARY_ENV_TOKEN + "-hook",
    "BATON_TEST_TRELLO_KEY": CANARY_ENV_TOKEN + "-key",
    "BATON_TEST_TRELLO_TOKEN": CANARY_ENV_TOKEN + "-trello",
    "BATON_TEST_ASANA_TOKEN": CANARY_ENV_TOKEN + "-asana",
}
