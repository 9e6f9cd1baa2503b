"""The HTML report in headless Chromium (Debian's `chromium`, driven by Playwright): the charts are drawn, nothing
errors, nothing is fetched, and it fits a phone's width. A screenshot goes to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from models.db import Database
from reporting.build import build_report
from reporting.store import render_all
from tests.reporting.seed import NOW, REPORT_DATE, report_policy, seed_store

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_html_report_draws_its_charts_in_chromium_on_a_phone(
    database: Database, tmp_path: Path, browser: Browser
) -> None:
    seed_store(database)
    html = render_all(build_report(database, report_policy(), REPORT_DATE, None, lambda: NOW)).html
    page_file = tmp_path / "report.html"
    page_file.write_text(html, encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_file.as_uri(), wait_until="load")
        charts: list[dict[str, Any]] = page.eval_on_selector_all(
            "svg.chart",
            """svgs => svgs.map(svg => {
                const box = svg.getBoundingClientRect();
                const paths = [...svg.querySelectorAll('path')].filter(p => (p.getAttribute('d') || '').length > 0);
                const drawn = paths.filter(p => { const b = p.getBBox(); return b.width > 0 || b.height > 0; });
                return {title: svg.querySelector('title').textContent, width: box.width, height: box.height,
                        paths: paths.length, drawn: drawn.length};
            })""",
        )
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        banner = page.inner_text(".banner")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-phone.png"), full_page=True)
    finally:
        page.close()
    assert [chart["title"] for chart in charts] == [
        "Throughput per week",
        "Cycle time percentiles per week",
        "Work in progress",
    ]
    for chart in charts:
        assert chart["width"] > 300, chart
        assert chart["height"] > 100, chart
        assert chart["drawn"] >= 5, chart
    assert errors == []
    assert requests == [page_file.as_uri()]  # nothing else fetched: self-contained
    assert overflow <= 0  # no sideways scrolling of the page on a 390 px wide phone
    assert banner.startswith("Sync health OK")
    assert (ARTIFACTS / "report-phone.png").stat().st_size > 10_000
