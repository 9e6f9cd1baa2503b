"""API security from reliability-tests.md: A3 mass assignment, A4 resource limits, A5 injection (dynamic and
static), A6 CORS."""

from __future__ import annotations

import ast
import base64
import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import event, select

from api.app import create_app
from api.auth.keys import create_api_key
from api.webhooks.registry import ReceiverRegistry, ReceiverTarget
from core.settings import Settings, get_settings
from models.db import Database
from models.enums import ApiKeyRole, Vendor
from models.tables import FINDINGS
from tests.api.conftest import AppFactory, bearer
from tests.api.seed import FERNET_KEY, NOW, Seeded

pytestmark = pytest.mark.reliability

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "sync", "models", "core", "connectors", "cli", "emulators", "migrations")


# -- A3: mass assignment ---------------------------------------------------------------------------


def test_a3_mass_assignment_of_owner_token_or_lifecycle_fields_is_422(
    api: TestClient, seeded: Seeded, database: Database
) -> None:
    finding = seeded.findings["R02:PAY-11"]
    until = (NOW + timedelta(days=2)).isoformat()
    for extra in ({"token": "x"}, {"owner": "mallory"}, {"resolved_at": NOW.isoformat()}, {"team": "other"}, {"id": 1}):
        response = api.post(f"/api/v1/findings/{finding}/snooze", json={"until": until, "reason": "r", **extra})
        assert response.status_code == 422, extra
    for extra in ({"token": "x"}, {"owner": "mallory"}, {"base_url": "http://169.254.169.254"}):
        assert api.post("/api/v1/connections/jira/sync", json={"kind": "full", **extra}).status_code == 422
    with database.read_session() as session:
        row = session.execute(select(FINDINGS).where(FINDINGS.c.id == finding)).mappings().one()
    assert (row["snoozed_until"], row["team"], row["resolved_at"]) == (None, "payments", None)


# -- A4: resource limits ---------------------------------------------------------------------------

LIST_ROUTES = (
    "/api/v1/items",
    "/api/v1/people",
    "/api/v1/due",
    "/api/v1/sprints",
    "/api/v1/epics",
    "/api/v1/findings",
    "/api/v1/reports",
    "/api/v1/sync/runs",
)


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_a4_huge_page_sizes_are_refused(api: TestClient, path: str) -> None:
    response = api.get(f"{path}?limit={10**9}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]
    assert len(api.get(f"{path}?limit=500").json()["items"]) <= 500


def test_a4_deep_cursors_are_a_range_scan_not_an_offset(api: TestClient) -> None:
    last_id = 2**63 - 1
    for sort, value in (("-updated", "1970-01-01T00:00:00+00:00"), ("key", "zzzz"), ("due", "9999-12-31")):
        token = base64.urlsafe_b64encode(json.dumps([sort, "v", value, last_id]).encode()).decode().rstrip("=")
        response = api.get(f"/api/v1/items?sort={sort}&cursor={token}")
        assert response.status_code == 200, (sort, response.text)
    pages, cursor = 0, None
    while True:
        page = api.get("/api/v1/items?limit=1" + (f"&cursor={cursor}" if cursor else "")).json()
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 65


def test_a4_bodies_over_one_mebibyte_are_413(api: TestClient, seeded: Seeded) -> None:
    url = f"/api/v1/findings/{seeded.findings['R02:PAY-11']}/snooze"
    body = b"{" + b" " * (1024 * 1024 - 1) + b"}"
    plain = api.post(url, content=body + b" ", headers={"Content-Type": "application/json"})
    chunked = api.post(
        url, content=iter([body[:1000], body[1000:], b" "]), headers={"Content-Type": "application/json"}
    )
    for response in (plain, chunked):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> Any:
        return self.now


def test_a4_one_key_past_its_quota_gets_429_while_another_key_is_served(seeded: Seeded, make_app: AppFactory) -> None:
    clock = Clock()
    app = make_app(clock=clock, rate_limit_per_second=2, rate_limit_burst=5)
    with TestClient(app) as client:
        flooder, other = bearer(seeded.admin_key), bearer(seeded.viewer_key)
        answers = [client.get("/api/v1/rules", headers=flooder).status_code for _ in range(5)]
        assert answers == [200] * 5
        limited = client.get("/api/v1/rules", headers=flooder)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "1"
        assert limited.headers["content-type"] == "application/problem+json"
        # A flood of 100 more from the first key never touches the second key's bucket.
        flood = [client.get("/api/v1/rules", headers=flooder).status_code for _ in range(100)]
        served = [client.get("/api/v1/rules", headers=other).status_code for _ in range(5)]
        assert set(flood) == {429}
        assert served == [200] * 5
        assert client.get("/healthz").status_code == 200  # no credential: probes are not limited
        clock.now += timedelta(seconds=1)  # two tokens back
        assert [client.get("/api/v1/rules", headers=flooder).status_code for _ in range(3)] == [200, 200, 429]


def test_a4_rate_limit_can_be_turned_off(seeded: Seeded, make_app: AppFactory) -> None:
    with TestClient(make_app(rate_limit_per_second=0, rate_limit_burst=1)) as client:
        assert {client.get("/api/v1/rules", headers=bearer(seeded.viewer_key)).status_code for _ in range(20)} == {200}


# -- A5: SQL injection -----------------------------------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE work_item; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "1 UNION SELECT key_hash FROM api_key --",
    "%' AND 1=0 UNION SELECT NULL --",
    "\\'; --",
    "\x00",
    "a\x00b",
    "%",
    "_",
    "\\",
    "%%",
    "' || (SELECT secret_encrypted FROM webhook_subscription) || '",
    "$1",
    "?",
    ":param",
    "😀" * 50,
    "A" * 5000,
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "null",
    "true",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-13-45",
    "R01' --",
    "eyJ9",
]

GET_PARAMS: dict[str, tuple[str, ...]] = {
    "/api/v1/items": (
        "source",
        "connection",
        "team",
        "container",
        "status_category",
        "assignee",
        "label",
        "type",
        "sprint",
        "epic",
        "has_finding",
        "rule",
        "updated_since",
        "due_before",
        "q",
        "sort",
        "limit",
        "cursor",
        "include_total",
        "format",
        "include_deleted",
    ),
    "/api/v1/items/1": ("include_deleted",),
    "/api/v1/teams/payments/board": ("cards_per_column", "format"),
    "/api/v1/people": ("q", "include_bots", "limit", "cursor", "format"),
    "/api/v1/people/1/workload": ("limit",),
    "/api/v1/due": ("days", "bucket", "team", "assignee", "source", "connection", "limit", "cursor", "format"),
    "/api/v1/sprints": ("state", "connection", "team", "limit", "cursor", "format"),
    "/api/v1/epics": ("state", "source", "connection", "team", "q", "limit", "cursor", "format"),
    "/api/v1/findings": (
        "rule",
        "team",
        "severity",
        "state",
        "snoozed",
        "work_item",
        "sort",
        "limit",
        "cursor",
        "format",
    ),
    "/api/v1/rules": ("format",),
    "/api/v1/hygiene": ("by", "format"),
    "/api/v1/flow": ("weeks", "team", "source", "format"),
    "/api/v1/reports": ("team_scope", "since", "limit", "cursor", "format"),
    "/api/v1/sync/runs": ("connection", "limit", "cursor", "format"),
    "/api/v1/connections": ("format",),
}
PATH_TEMPLATES = (
    "/api/v1/items/{}",
    "/api/v1/teams/{}/board",
    "/api/v1/people/{}/workload",
    "/api/v1/findings/{}",
    "/api/v1/reports/{}",
)
SQL_ERROR_WORDS = (
    "syntax error",
    "sqlite3.",
    "psycopg",
    "OperationalError",
    "ProgrammingError",
    "DataError",
    "SELECT ",
)


@pytest.fixture
def db_errors(database: Database) -> Iterator[list[str]]:
    """Every error the database raised while the test ran (A5: zero SQL errors)."""
    errors: list[str] = []

    def record(context: Any) -> None:
        errors.append(repr(context.original_exception))

    event.listen(database.engine, "handle_error", record)
    yield errors
    event.remove(database.engine, "handle_error", record)


def assert_clean(response: Any) -> None:
    assert response.status_code < 500, (response.request.url, response.text)
    for word in SQL_ERROR_WORDS:
        assert word not in response.text, (response.request.url, word)


def test_a5_injection_corpus_on_every_query_parameter_and_path(api: TestClient, db_errors: list[str]) -> None:
    for path, params in GET_PARAMS.items():
        for param in params:
            for value in INJECTIONS:
                assert_clean(api.get(path, params={param: value}))
    for template in PATH_TEMPLATES:
        for value in INJECTIONS:
            if "\x00" in value or value in ("?", "%", "\\"):
                continue  # not representable in a URL path segment
            assert_clean(api.get(template.format(value)))
    assert db_errors == []


@given(data=st.data())
@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_a5_hypothesis_text_in_every_query_parameter(
    api: TestClient, db_errors: list[str], data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(sorted(GET_PARAMS)))
    chosen = data.draw(st.lists(st.sampled_from(GET_PARAMS[path]), min_size=1, max_size=4, unique=True))
    params = {name: data.draw(st.text(max_size=60)) for name in chosen}
    assert_clean(api.get(path, params=params))
    assert db_errors == []


def _string_formatted(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return not (isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant))
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def formatted_sql_calls(source: str) -> list[int]:
    """Lines where ``text()``, ``exec_driver_sql()`` or a DB-API ``execute()`` gets string-formatted SQL."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in ("text", "exec_driver_sql", "execute", "executescript") and _string_formatted(node.args[0]):
            lines.append(node.lineno)
    return lines


def test_a5_the_static_rule_catches_what_it_should() -> None:
    bad = 'text(f"SELECT * FROM t WHERE a = {x}")\nconn.exec_driver_sql("DROP %s" % name)\ntext("a" + b)\n'
    bad += 'session.execute(text("SELECT {}".format(x)))\n'
    good = 'text("SELECT 1")\nconn.exec_driver_sql(BEGIN[mode])\nselect(t).where(t.c.a == x)\ntext(f"SELECT 1")\n'
    assert formatted_sql_calls(bad) == [1, 2, 3, 4]
    assert formatted_sql_calls(good) == []


# PRAGMA takes no bound parameters; the value is an int() of a validated setting, never caller input.
ALLOWED_FORMATTED_SQL = {("models/db.py", 'cursor.execute("PRAGMA busy_timeout=" + str(int(busy_timeout_ms)))')}


def test_a5_no_string_formatted_sql_in_the_package() -> None:
    offenders = {}
    files = [path for package in PACKAGES for path in (REPO / package).rglob("*.py") if "tests" not in path.parts]
    files.append(REPO / "main.py")
    assert len(files) > 50
    for path in files:
        source = path.read_text()
        relative = str(path.relative_to(REPO))
        text_lines = source.splitlines()
        lines = [
            n for n in formatted_sql_calls(source) if (relative, text_lines[n - 1].strip()) not in ALLOWED_FORMATTED_SQL
        ]
        if lines:
            offenders[relative] = lines
    assert offenders == {}


# -- A6: CORS --------------------------------------------------------------------------------------

LISTED = "https://planner.acme.example"
PREFLIGHT = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}


def test_a6_preflight_from_an_unlisted_origin_gets_no_cors_headers(seeded: Seeded, make_app: AppFactory) -> None:
    with TestClient(make_app(cors_origins=[LISTED], cors_allow_credentials=True)) as client:
        for origin in ("https://evil.example", "https://planner.acme.example.evil.example", "null"):
            preflight = client.options("/api/v1/items", headers={"Origin": origin, **PREFLIGHT})
            simple = client.get("/api/v1/items", headers={"Origin": origin, **bearer(seeded.viewer_key)})
            assert "access-control-allow-origin" not in preflight.headers
            assert "access-control-allow-origin" not in simple.headers


def test_a6_a_listed_origin_is_echoed_exactly(seeded: Seeded, make_app: AppFactory) -> None:
    with TestClient(make_app(cors_origins=[LISTED], cors_allow_credentials=True)) as client:
        preflight = client.options("/api/v1/items", headers={"Origin": LISTED, **PREFLIGHT})
        simple = client.get("/api/v1/items", headers={"Origin": LISTED, **bearer(seeded.viewer_key)})
    assert preflight.status_code == 200
    for response in (preflight, simple):
        assert response.headers["access-control-allow-origin"] == LISTED
        assert response.headers["access-control-allow-credentials"] == "true"


def test_a6_no_origins_configured_means_no_cors(seeded: Seeded, make_app: AppFactory) -> None:
    with TestClient(make_app()) as client:
        preflight = client.options("/api/v1/items", headers={"Origin": LISTED, **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers


def test_a6_wildcard_with_credentials_refuses_to_start(monkeypatch: pytest.MonkeyPatch, database: Database) -> None:
    with pytest.raises(ValidationError, match="list the allowed origins explicitly"):
        Settings(cors_origins="*", cors_allow_credentials=True)
    monkeypatch.setenv("BATON_DATABASE_URL", str(database.engine.url))
    monkeypatch.setenv("BATON_CORS_ORIGINS", "https://a.example,*")
    monkeypatch.setenv("BATON_CORS_ALLOW_CREDENTIALS", "true")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError, match="BATON_CORS_ORIGINS"), TestClient(create_app(database=database)):
            pass
    finally:
        get_settings.cache_clear()
    assert Settings(cors_origins="*", cors_allow_credentials=False).cors_origins == ["*"]  # fine without credentials


def test_a5_injected_filters_never_cross_a_keys_team_scope(
    api: TestClient, database: Database, seeded: Seeded, db_errors: list[str]
) -> None:
    """A5's "0 cross-tenant rows": the injection corpus in every item filter, with a key scoped to one team."""
    scoped = create_api_key(database, name="payments only", role=ApiKeyRole.VIEWER, teams=["payments"])
    mine = {i["id"] for i in api.get("/api/v1/items?team=payments&include_deleted=true&limit=500").json()["items"]}
    every = {i["id"] for i in api.get("/api/v1/items?include_deleted=true&limit=500").json()["items"]}
    assert mine
    assert every - mine  # both teams hold items
    answered = 0
    for param in ("q", "label", "team", "connection", "rule", "assignee", "epic", "sprint", "container"):
        for value in INJECTIONS:
            response = api.get(
                "/api/v1/items",
                params={param: value, "include_deleted": "true", "limit": 500},
                headers=bearer(scoped.secret),
            )
            assert_clean(response)
            if response.status_code == 200:
                answered += 1
                assert {i["id"] for i in response.json()["items"]} <= mine, (param, value)
    assert answered > 50
    assert db_errors == []


def _receivers() -> ReceiverRegistry:
    callback = "https://baton.example.com/webhooks/trello/trello"
    return ReceiverRegistry(
        [
            ReceiverTarget(1, "jira", Vendor.JIRA, secret="jira-secret"),
            ReceiverTarget(2, "trello", Vendor.TRELLO, secret="emulator-secret", callback_url=callback),
            ReceiverTarget(3, "asana", Vendor.ASANA, secret="asana-secret"),
        ]
    )


@pytest.mark.slow
def test_a11_ten_thousand_unsigned_posts_are_401_without_a_query(tmp_path: Path) -> None:
    """A11 exactly: 10,000 unsigned (or wrongly signed) POSTs to the receivers all answer 401 and issue no query.

    The store is an empty SQLite file: no statement may reach it (a query would also fail there), so the test runs
    once, not per dialect."""
    database = Database.from_url(f"sqlite:///{tmp_path / 'a11.db'}")
    settings = Settings(database_url=str(database.engine.url), secret_keys=FERNET_KEY)
    queries: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        queries.append(statement)

    body = b'{"webhookEvent": "jira:issue_updated", "issue": {"id": "10001"}}'
    forged = [
        ("/webhooks/jira/jira", {}),
        ("/webhooks/jira/jira", {"X-Hub-Signature": "sha256=" + "0" * 64}),
        ("/webhooks/trello/trello", {"X-Trello-Webhook": "forged"}),
        ("/webhooks/asana/asana", {"X-Hook-Signature": "0" * 64}),
    ]
    statuses: Counter[int] = Counter()
    with TestClient(create_app(settings, database=database, receivers=_receivers(), clock=lambda: NOW)) as client:
        event.listen(database.engine, "before_cursor_execute", count)
        try:
            for n in range(10_000):
                path, headers = forged[n % len(forged)]
                statuses[client.post(path, content=body, headers=headers).status_code] += 1
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
    database.dispose()
    assert statuses == Counter({401: 10_000})
    assert queries == []
