"""/metrics: Prometheus text with request counts by route template, latency, and gauges read from the store."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import AppFactory, bearer
from tests.api.seed import Seeded


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_requests_by_template_and_read_the_store(seeded: Seeded, make_app: AppFactory) -> None:
    with TestClient(make_app()) as client:
        for item in ("PAY-2", "PAY-3", "tr1"):
            client.get(f"/api/v1/items/{seeded.items[item]}", headers=bearer(seeded.viewer_key))
        client.get("/api/v1/items")  # no key: 401
        client.get("/no/such/path/12345")
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(response.text)
    detail = (("method", "GET"), ("route", "/api/v1/items/{item_id}"), ("status", "200"))
    assert found[("baton_http_requests_total", detail)] == 3
    assert found[("baton_http_requests_total", (("method", "GET"), ("route", "/api/v1/items"), ("status", "401")))] == 1
    assert found[("baton_http_requests_total", (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))] == 1
    assert not any("12345" in str(labels) for _, labels in found)  # raw paths never become labels
    latency = (("le", "+Inf"), ("method", "GET"), ("route", "/api/v1/items/{item_id}"))
    assert found[("baton_http_request_duration_seconds_bucket", latency)] == 3
    assert found[("baton_sync_runs", (("status", "succeeded"),))] == 2
    assert found[("baton_sync_runs", (("status", "failed"),))] == 1
    assert found[("baton_work_items", (("source", "jira"),))] == 40  # 41 minus the tombstone
    assert found[("baton_work_items", (("source", "trello"),))] == 15
    assert found[("baton_webhook_inbox_pending", ())] == 1
    assert found[("baton_webhook_inbox_lag_seconds", ())] == 300  # received 5 minutes before the injected now
    assert found[("baton_open_findings", (("rule", "R08"),))] == 2
    assert ("baton_open_findings", (("rule", "R01"),)) not in found  # resolved


def test_metrics_can_require_a_key(seeded: Seeded, make_app: AppFactory) -> None:
    with TestClient(make_app(metrics_public=False)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=bearer("baton_forged")).status_code == 401
        assert client.get("/metrics", headers=bearer(seeded.viewer_key)).status_code == 200
