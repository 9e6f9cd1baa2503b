"""The dashboard's sealed session cookie and the hygiene trend (pure functions, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.dashboard.session import SESSION_TTL, open_session, seal_session
from api.dashboard.signin import safe_next
from api.dashboard.trend import hygiene_of_report, team_trends
from core.crypto import SecretBox, generate_key

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_a_sealed_session_opens_with_the_same_keys_until_it_expires() -> None:
    box = SecretBox([generate_key()])
    cookie, session = seal_session(box, "baton_secret", NOW)
    assert "baton_secret" not in cookie
    assert open_session(box, cookie, NOW + timedelta(hours=1)) == session
    assert open_session(box, cookie, NOW + SESSION_TTL) is None
    assert open_session(box, cookie, NOW - timedelta(minutes=1)) is None


def test_a_session_survives_key_rotation_but_not_other_keys() -> None:
    old = generate_key()
    cookie, session = seal_session(SecretBox([old]), "baton_secret", NOW)
    assert open_session(SecretBox([generate_key(), old]), cookie, NOW) == session
    assert open_session(SecretBox([generate_key()]), cookie, NOW) is None


def test_forged_or_malformed_cookies_open_nothing() -> None:
    box = SecretBox([generate_key()])
    cookie, _ = seal_session(box, "baton_secret", NOW)
    tampered = cookie[:-5] + ("A" if cookie[-5] != "A" else "B") + cookie[-4:]
    for value in (None, "", "garbage", tampered, "x" * 5_000, box.encrypt("not json"), box.encrypt('{"k": 1}')):
        assert open_session(box, value, NOW) is None


def test_sign_in_only_returns_to_a_path_on_this_site() -> None:
    assert safe_next("/backlog?source=jira") == "/backlog?source=jira"
    for target in (None, "", "https://evil.example/", "//evil.example/x", "/\\evil.example", "backlog"):
        assert safe_next(target) == "/"


def test_hygiene_of_report_reads_the_known_shapes_and_ignores_the_rest() -> None:
    assert hygiene_of_report({"hygiene": {"payments": 81.5}}) == {"payments": 81.5}
    assert hygiene_of_report({"hygiene": {"payments": {"score": 70}}}) == {"payments": 70.0}
    assert hygiene_of_report(
        {
            "hygiene": [
                {"scope": "team", "team": "web", "score": 90.0},
                {"scope": "container", "name": "WEB board", "score": 10.0},
                {"name": "mobile", "score": 75},
            ]
        }
    ) == {"web": 90.0, "mobile": 75.0}
    assert hygiene_of_report({"hygiene": {"teams": [{"name": "web", "score": 60}]}}) == {"web": 60.0}
    assert hygiene_of_report({"hygiene": "n/a"}) == {}
    assert hygiene_of_report({"hygiene": {"web": True, "ok": None}}) == {}
    assert hygiene_of_report({}) == {}


def test_team_trends_order_by_date_and_give_the_last_change() -> None:
    trends = team_trends(
        [
            ("2026-11-23", {"hygiene": {"web": 80.0, "mobile": 50.0}}),
            ("2026-11-21", {"hygiene": {"web": 90.0}}),
            ("2026-11-22", {"hygiene": {"web": 85.5}}),
        ]
    )
    assert trends["web"].points == (("2026-11-21", 90.0), ("2026-11-22", 85.5), ("2026-11-23", 80.0))
    assert trends["web"].change == -5.5
    assert trends["mobile"].change is None


def test_throughput_weeks_cover_the_whole_window() -> None:
    from api.dashboard.charts import window_weeks
    from api.views.flow import Distribution, FlowMetrics, FlowSlice

    empty = Distribution(samples=0, p50=None, p85=None, p95=None)
    overall = FlowSlice(
        source=None,
        lead_time_days=empty,
        cycle_time_days=empty,
        pickup_time_days=empty,
        throughput_per_week={"2026-11-16": 3},
        wip=0,
        wip_per_day={},
    )
    metrics = FlowMetrics(since=NOW - timedelta(weeks=4), until=NOW, as_of=NOW, overall=overall, by_source=[])
    assert window_weeks(metrics) == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
