"""The dashboard over HTTP without a browser: sessions, CSRF, snooze validation, filters, paging, headers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.keys import create_api_key, resolve_api_key, revoke_api_key
from api.dashboard.identity import current_viewer
from models.db import Database
from models.enums import ApiKeyRole
from models.tables import FINDINGS
from tests.api.seed import Seeded
from tests.api.test_auth import api_routes

SNOOZE_FORM = {"until": "2026-12-01", "reason": "Waiting on the vendor"}


def _client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://dash.test", follow_redirects=False)


@pytest.fixture
def anonymous(seeded: Seeded, make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with _client(make_app()) as client:
        yield client


def _signed_in(client: TestClient, key: str) -> str:
    """Sign ``client`` in; returns the page's CSRF token."""
    answer = client.post("/sign-in", data={"api_key": key, "next": "/findings"})
    assert answer.status_code == 303
    page = client.get("/findings")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def _snoozed_until(database: Database, finding_id: int) -> object:
    with database.read_session() as session:
        return session.execute(select(FINDINGS.c.snoozed_until).where(FINDINGS.c.id == finding_id)).scalar_one()


def test_every_dashboard_route_needs_a_session(anonymous: TestClient) -> None:
    guarded = [(path, methods) for path, methods, calls in api_routes(anonymous.app) if current_viewer in calls]  # type: ignore[arg-type]
    assert len(guarded) >= 12  # not vacuous: every page and form post
    for path, methods in guarded:
        concrete = re.sub(r"\{[a-z_]+\}", "1", path)
        for method in methods:
            answer = anonymous.request(method, concrete)
            assert answer.status_code == 303, (method, path)
            assert answer.headers["location"].startswith("/sign-in?next=%2F")


def test_a_session_cookie_does_not_authenticate_the_api(anonymous: TestClient, seeded: Seeded) -> None:
    _signed_in(anonymous, seeded.admin_key)
    assert anonymous.get("/api/v1/items").status_code == 401


def test_pages_carry_the_security_headers(anonymous: TestClient, seeded: Seeded) -> None:
    _signed_in(anonymous, seeded.viewer_key)
    answer = anonymous.get("/")
    assert answer.status_code == 200
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


def test_a_revoked_key_ends_its_sessions(anonymous: TestClient, seeded: Seeded, database: Database) -> None:
    _signed_in(anonymous, seeded.viewer_key)
    assert anonymous.get("/").status_code == 200
    identity = resolve_api_key(database, seeded.viewer_key)
    assert identity is not None
    assert revoke_api_key(database, identity.id)
    assert anonymous.get("/").status_code == 303


def test_a_tampered_cookie_is_a_signed_out_browser(anonymous: TestClient, seeded: Seeded) -> None:
    _signed_in(anonymous, seeded.viewer_key)
    cookie = anonymous.cookies["baton_session"].strip('"')
    anonymous.cookies.clear()
    anonymous.cookies.set("baton_session", cookie[:-6] + "AAAAAA", domain="dash.test")
    assert anonymous.get("/").status_code == 303


def test_sign_in_with_a_bad_key_is_refused_and_sets_no_cookie(anonymous: TestClient) -> None:
    for key in ("", "baton_nope", "x" * 150):
        answer = anonymous.post("/sign-in", data={"api_key": key})
        assert answer.status_code == 401
        assert "not valid" in answer.text
        assert "baton_session" not in answer.cookies


def test_a_team_scoped_key_cannot_open_the_dashboard(anonymous: TestClient, database: Database) -> None:
    scoped = create_api_key(database, name="team lead", role=ApiKeyRole.VIEWER, teams=["payments"]).secret
    answer = anonymous.post("/sign-in", data={"api_key": scoped})
    assert answer.status_code == 401
    assert "scoped to teams" in answer.text
    assert "baton_session" not in answer.cookies
    assert anonymous.get("/").status_code == 303  # still signed out: back to the sign-in page


def test_snooze_needs_the_csrf_token_and_the_same_origin(
    anonymous: TestClient, seeded: Seeded, database: Database
) -> None:
    finding = seeded.findings["R02:PAY-11"]
    token = _signed_in(anonymous, seeded.admin_key)
    assert anonymous.post(f"/findings/{finding}/snooze", data=SNOOZE_FORM).status_code == 403
    forged = {**SNOOZE_FORM, "csrf_token": ("y" if token.startswith("x") else "x") + token[1:]}  # always differs
    assert anonymous.post(f"/findings/{finding}/snooze", data=forged).status_code == 403
    other_site = {"Origin": "https://evil.example"}
    answer = anonymous.post(
        f"/findings/{finding}/snooze", data={**SNOOZE_FORM, "csrf_token": token}, headers=other_site
    )
    assert answer.status_code == 403
    assert _snoozed_until(database, finding) is None

    answer = anonymous.post(
        f"/findings/{finding}/snooze",
        data={**SNOOZE_FORM, "csrf_token": token, "return_to": "/findings?rule=R02"},
        headers={"Origin": "http://dash.test"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/findings?rule=R02&done=snoozed:{finding}"
    assert _snoozed_until(database, finding) is not None


def test_a_viewer_key_cannot_snooze(anonymous: TestClient, seeded: Seeded, database: Database) -> None:
    finding = seeded.findings["R02:PAY-11"]
    token = _signed_in(anonymous, seeded.viewer_key)
    answer = anonymous.post(f"/findings/{finding}/snooze", data={**SNOOZE_FORM, "csrf_token": token})
    assert answer.status_code == 403
    assert "admin key" in answer.text
    assert anonymous.post(f"/findings/{finding}/wake", data={"csrf_token": token}).status_code == 403
    assert _snoozed_until(database, finding) is None


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"until": "2026-11-20", "reason": "late"}, 422, "in the future"),
        ({"until": "2028-01-01", "reason": "far"}, 422, "within a year"),
        ({"until": "soon", "reason": "x"}, 422, "Choose the day"),
        ({"until": "2026-12-01", "reason": "   "}, 422, "reason"),
    ],
)
def test_a_bad_snooze_is_refused_and_changes_nothing(
    anonymous: TestClient, seeded: Seeded, database: Database, form: dict[str, str], status: int, message: str
) -> None:
    finding = seeded.findings["R02:PAY-11"]
    token = _signed_in(anonymous, seeded.admin_key)
    answer = anonymous.post(f"/findings/{finding}/snooze", data={**form, "csrf_token": token})
    assert answer.status_code == status
    assert message in answer.text
    assert _snoozed_until(database, finding) is None


def test_snoozing_a_resolved_or_missing_finding_says_so(anonymous: TestClient, seeded: Seeded) -> None:
    token = _signed_in(anonymous, seeded.admin_key)
    resolved = seeded.findings["R01:PAY-14"]
    answer = anonymous.post(f"/findings/{resolved}/snooze", data={**SNOOZE_FORM, "csrf_token": token})
    assert answer.status_code == 409
    answer = anonymous.post("/findings/999999/snooze", data={**SNOOZE_FORM, "csrf_token": token})
    assert answer.status_code == 404


def test_the_return_path_never_leaves_the_findings_page(anonymous: TestClient, seeded: Seeded) -> None:
    token = _signed_in(anonymous, seeded.admin_key)
    finding = seeded.findings["R08:PAY-11"]
    answer = anonymous.post(
        f"/findings/{finding}/snooze",
        data={**SNOOZE_FORM, "csrf_token": token, "return_to": "https://evil.example/findings"},
    )
    assert answer.headers["location"] == f"/findings?done=snoozed:{finding}"


def _keys(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]*" rel="noopener noreferrer" target="_blank">([^<]+)<', html)


def test_backlog_pages_with_a_cursor_through_every_item(anonymous: TestClient, seeded: Seeded) -> None:
    _signed_in(anonymous, seeded.viewer_key)
    first = anonymous.get("/backlog?sort=key")
    total = int(re.search(r"<strong>(\d+)</strong> items? match", first.text).group(1))  # type: ignore[union-attr]
    next_link = re.search(r'<a href="(\?[^"]+)" rel="next">', first.text)
    assert next_link is not None
    second = anonymous.get("/backlog" + unescape(next_link.group(1)))
    assert 'rel="next"' not in second.text
    assert "First page" in second.text
    keys = _keys(first.text) + _keys(second.text)
    assert len(keys) == len(set(keys)) == total


def test_backlog_reports_bad_filters_instead_of_guessing(anonymous: TestClient, seeded: Seeded) -> None:
    _signed_in(anonymous, seeded.viewer_key)
    answer = anonymous.get("/backlog?source=gitlab&status=doing&rule=bad&cursor=not-a-cursor")
    assert answer.status_code == 200
    text = unescape(answer.text)
    assert "Tool: choose one of jira, trello, asana." in text
    assert "Status: choose among" in text
    assert "Rule: a rule id such as R02." in text
    assert "The page link has expired" in text


def test_unknown_person_and_report_answer_404_pages(anonymous: TestClient, seeded: Seeded) -> None:
    _signed_in(anonymous, seeded.viewer_key)
    for path in ("/people/999999", "/reports/999999"):
        answer = anonymous.get(path)
        assert answer.status_code == 404
        assert "There is no" in answer.text


def test_report_is_served_under_a_no_script_policy(anonymous: TestClient, seeded: Seeded) -> None:
    _signed_in(anonymous, seeded.viewer_key)
    answer = anonymous.get(f"/reports/{seeded.report_id}")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert anonymous.get(f"/reports/{seeded.report_id}?format=md").text.startswith("# Backlog hygiene")
