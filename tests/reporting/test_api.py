"""The API lists stored reports, serves them in their three formats, and shows how their delivery went."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.keys import create_api_key
from core.settings import Settings
from models.db import Database
from models.enums import ApiKeyRole
from reporting.delivery import deliver_report
from reporting.nightly import generate_report
from tests.reporting.seed import NOW, REPORT_DATE, report_policy, seed_store

FERNET_KEY = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="


def test_reports_are_listed_served_and_their_deliveries_shown(database: Database, tmp_path: Path) -> None:
    seed_store(database)
    policy = report_policy(f"report:\n  delivery:\n    file: {{path: '{tmp_path}'}}\n")
    stored, rendered = generate_report(database, policy, REPORT_DATE, None, clock=lambda: NOW)
    deliver_report(database, stored, rendered, policy.report.delivery, environ={}, clock=lambda: NOW)
    viewer = create_api_key(database, name="planner", role=ApiKeyRole.VIEWER, clock=lambda: NOW)
    settings = Settings(
        database_url=str(database.engine.url),
        secret_keys=FERNET_KEY,
        rate_limit_per_second=0,
        scheduler=False,
        inbox_worker=False,
    )  # type: ignore[call-arg]
    app = create_app(settings, database=database, clock=lambda: NOW)
    with TestClient(app, headers={"Authorization": f"Bearer {viewer.secret}"}) as api:
        listing = api.get("/api/v1/reports").json()["items"]
        assert [(r["id"], r["report_date"], r["team_scope"], r["content_hash"]) for r in listing] == [
            (stored.id, "2026-03-04", "*", stored.content_hash)
        ]
        as_json = api.get(f"/api/v1/reports/{stored.id}")
        assert as_json.json() == json.loads(rendered.json)
        as_md = api.get(f"/api/v1/reports/{stored.id}?format=md")
        assert as_md.headers["content-type"].startswith("text/markdown")
        assert as_md.text == rendered.markdown
        as_html = api.get(f"/api/v1/reports/{stored.id}?format=html")
        assert as_html.text == rendered.html
        assert "default-src 'none'" in as_html.headers["content-security-policy"]
        (delivery,) = api.get(f"/api/v1/reports/{stored.id}/deliveries").json()
        assert (delivery["channel"], delivery["status"], delivery["attempts"]) == ("file", "delivered", 1)
        assert delivery["content_hash"] == stored.content_hash
        assert api.get("/api/v1/reports/999999/deliveries").status_code == 404
        assert api.get(f"/api/v1/reports/{stored.id}/deliveries", headers={"Authorization": ""}).status_code == 401
