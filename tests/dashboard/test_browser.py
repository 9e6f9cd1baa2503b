"""The dashboard in a real browser (Debian chromium via Playwright) against the app served over HTTP.

Every page loads with no console error and keeps its landmarks and labels; sign-in and sign-out work; the backlog's
filters and search narrow the list; an admin snoozes a finding through the form. Screenshots go to
test-artifacts/dashboard/.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from models.db import Database
from models.tables import FINDINGS
from tests.api.seed import Seeded
from tests.dashboard.conftest import PHONE, WatchedPage, sign_in

PAGES = {
    "overview": ("/", "Overview"),
    "backlog": ("/backlog", "Backlog"),
    "board": ("/board", "Team board"),
    "workload": ("/people", "Workload"),
    "findings": ("/findings", "Findings"),
    "sprints": ("/sprints", "Sprints"),
    "flow": ("/flow", "Flow"),
    "reports": ("/reports", "Reports"),
}

# Pages drawing server-side SVG charts, and how many (the seeded store has findings and one stored report).
CHARTED = {"overview": 2, "flow": 2}

# Form controls that a person can fill must each have a label (a <label for>, a wrapping label or aria-label).
UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML)"""


def test_every_page_loads_with_no_console_error(page: WatchedPage, base_url: str, seeded: Seeded) -> None:
    sign_in(page.page, base_url, seeded.admin_key)
    for name, (path, heading) in PAGES.items():
        response = page.page.goto(base_url + path)
        assert response is not None
        assert response.status == 200, path
        expect(page.page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.page.get_by_role("main")).to_have_count(1)
        expect(page.page.get_by_role("navigation", name="Dashboard")).to_be_visible()
        expect(page.page.locator("nav a[aria-current=page]")).to_have_count(1)
        assert page.page.evaluate(UNLABELLED_CONTROLS) == [], path
        if name in CHARTED:
            charts = page.page.locator("figure.chart svg[role=img]")
            expect(charts).to_have_count(CHARTED[name])
            for chart in charts.all():
                assert chart.locator("path").count() > 0
                assert chart.bounding_box()["height"] > 50  # type: ignore[index]
        page.screenshot(f"{name}-laptop")
    person = seeded.people["alice@acme.example"]
    page.page.goto(f"{base_url}/people/{person}")
    expect(page.page.get_by_role("heading", level=1)).to_have_text("Alice Martin")
    page.page.goto(f"{base_url}/reports/{seeded.report_id}")
    expect(page.page.get_by_role("heading", level=1)).to_have_text("Backlog hygiene")
    assert page.errors == []


def test_pages_read_on_a_phone_without_horizontal_scrolling(page: WatchedPage, base_url: str, seeded: Seeded) -> None:
    page.page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    sign_in(page.page, base_url, seeded.admin_key)
    for name, (path, _heading) in PAGES.items():
        page.page.goto(base_url + path)
        # Wide tables scroll inside their own region; the page itself never does.
        overflow = page.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
        page.screenshot(f"{name}-phone")
    assert page.errors == []


def test_keyboard_reaches_the_skip_link_first(page: WatchedPage, base_url: str, seeded: Seeded) -> None:
    sign_in(page.page, base_url, seeded.viewer_key)
    page.page.keyboard.press("Tab")
    focused = page.page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    page.page.keyboard.press("Enter")
    expect(page.page).to_have_url(re.compile(r"#main$"))
    expect(page.page.locator(":focus")).to_have_attribute("id", "main")


def test_sign_in_and_sign_out(page: WatchedPage, base_url: str, seeded: Seeded) -> None:
    page.page.goto(f"{base_url}/backlog?source=jira")
    expect(page.page).to_have_url(re.compile(r"/sign-in\?next="))
    page.page.get_by_label("API key").fill("baton_not-a-real-key")
    page.page.get_by_role("button", name="Sign in").click()
    expect(page.page.get_by_role("alert")).to_contain_text("not valid")
    page.screenshot("sign-in-refused")

    page.page.get_by_label("API key").fill(seeded.viewer_key)
    page.page.get_by_role("button", name="Sign in").click()
    # Back where the browser wanted to go, filters included.
    expect(page.page).to_have_url(f"{base_url}/backlog?source=jira")
    cookies = {c["name"]: c for c in page.page.context.cookies()}
    session = cookies["baton_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert seeded.viewer_key not in session["value"]
    assert page.page.evaluate("() => document.cookie") == ""

    page.page.get_by_role("button", name="Sign out").click()
    expect(page.page).to_have_url(f"{base_url}/sign-in")
    assert "baton_session" not in {c["name"] for c in page.page.context.cookies()}
    page.page.goto(f"{base_url}/findings")
    expect(page.page).to_have_url(re.compile(r"/sign-in\?next=%2Ffindings$"))
    # The 401 of the refused key is the only error the browser reported.
    assert all("401" in error for error in page.errors), page.errors


def _rows(page: WatchedPage) -> int:
    return page.page.locator("table.items tbody tr").count()


def test_backlog_filters_and_search(page: WatchedPage, base_url: str, seeded: Seeded) -> None:
    sign_in(page.page, base_url, seeded.viewer_key)
    page.page.goto(f"{base_url}/backlog")
    everything = _rows(page)
    sources = set(page.page.locator("table.items tbody tr td:nth-child(3)").all_inner_texts())
    assert sources == {"jira", "trello", "asana"}

    page.page.get_by_label("Tool").select_option("trello")
    page.page.get_by_role("button", name="Apply").click()
    expect(page.page).to_have_url(re.compile(r"source=trello"))
    trello = _rows(page)
    assert 0 < trello < everything
    assert set(page.page.locator("table.items tbody tr td:nth-child(3)").all_inner_texts()) == {"trello"}
    expect(page.page.get_by_role("status")).to_contain_text(f"{trello} items match")

    page.page.get_by_label("Tool").select_option("")
    page.page.get_by_label("Search").fill("PAY-11")
    page.page.get_by_role("button", name="Apply").click()
    expect(page.page.locator("table.items tbody tr")).to_have_count(1)
    link = page.page.locator("table.items tbody tr td").first.get_by_role("link")
    expect(link).to_contain_text("PAY-11")
    expect(link).to_have_attribute("href", re.compile(r"^https://acme\.atlassian\.net/browse/PAY-11$"))

    page.page.get_by_label("Search").fill("refund")
    page.page.get_by_label("in progress").check()
    page.page.get_by_role("button", name="Apply").click()
    titles = page.page.locator("table.items tbody tr td:nth-child(2)").all_inner_texts()
    statuses = page.page.locator("table.items tbody tr td:nth-child(5)").all_inner_texts()
    assert titles
    assert all("refund" in title.lower() for title in titles)
    assert all("(in progress)" in status for status in statuses)

    page.page.get_by_role("link", name="Clear").click()
    expect(page.page.locator("table.items tbody tr")).to_have_count(everything)
    page.screenshot("backlog-filtered")
    assert page.errors == []


def test_admin_snoozes_a_finding_and_wakes_it(
    page: WatchedPage, base_url: str, seeded: Seeded, database: Database
) -> None:
    finding_id = seeded.findings["R02:PAY-11"]
    sign_in(page.page, base_url, seeded.admin_key)
    page.page.goto(f"{base_url}/findings")
    row = page.page.locator(f"#finding-{finding_id}")
    row.get_by_text("Snooze", exact=False).first.click()
    row.get_by_label("Show again on").fill("2026-12-01")
    row.get_by_label("Reason").fill("Waiting on the bank's sandbox")
    row.get_by_role("button", name=f"Snooze finding {finding_id}").click()
    expect(page.page.get_by_role("status")).to_have_text(f"Finding {finding_id} snoozed.")
    # Snoozed findings leave the default (open) list ...
    expect(page.page.locator(f"#finding-{finding_id}")).to_have_count(0)
    with database.read_session() as session:
        until, reason = session.execute(
            select(FINDINGS.c.snoozed_until, FINDINGS.c.snooze_reason).where(FINDINGS.c.id == finding_id)
        ).one()
    assert until.isoformat().startswith("2026-12-01T23:59:59")
    assert reason == "Waiting on the bank's sandbox"

    # ... and show under "Snoozed", where an admin can wake them.
    page.page.get_by_label("Show", exact=True).select_option("snoozed")
    page.page.get_by_role("button", name="Apply").click()
    row = page.page.locator(f"#finding-{finding_id}")
    expect(row).to_contain_text("until 2026-12-01")
    page.screenshot("findings-snoozed")
    row.get_by_role("button", name=f"Wake finding {finding_id}").click()
    expect(page.page.get_by_role("status")).to_have_text(f"Finding {finding_id} woken.")
    with database.read_session() as session:
        assert session.execute(select(FINDINGS.c.snoozed_until).where(FINDINGS.c.id == finding_id)).scalar_one() is None
    assert page.errors == []


def test_viewer_sees_no_snooze_form(page: WatchedPage, base_url: str, seeded: Seeded) -> None:
    sign_in(page.page, base_url, seeded.viewer_key)
    page.page.goto(f"{base_url}/findings")
    expect(page.page.locator(f"#finding-{seeded.findings['R02:PAY-11']}")).to_be_visible()
    expect(page.page.locator("form[action$='/snooze']")).to_have_count(0)
    assert page.errors == []
