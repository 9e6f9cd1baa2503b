"""Asana emulator figures: generation and task paging rates at --items tasks (default 100,000).

Run: .venv/bin/python -m bench.emulator_asana --items 100000
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from emulators.asana import build_app
from emulators.config import EmulatorConfig
from emulators.server import running_server

TOKEN = "emulator-token"
TAP_FIELDS = (
    "gid,resource_type,name,approval_status,assignee_status,completed,completed_at,completed_by,created_at,"
    "dependencies,dependents,due_at,due_on,external,hearted,hearts,html_notes,is_rendered_as_separator,liked,"
    "likes,memberships,modified_at,notes,num_hearts,num_likes,num_subtasks,resource_subtype,start_on,assignee,"
    "custom_fields,followers,parent,permalink_url,projects,tags,workspace,start_at,assignee_section,"
    "memberships.section.name,custom_fields.number_value,parent.name"
)


def max_rss_mb() -> float:
    """Peak resident set size of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def page_through(client: httpx.Client, project: str, pages: int, opt_fields: str | None) -> tuple[int, int, float]:
    """Follow next_page over one project for at most `pages` pages; (pages, tasks, seconds)."""
    params: dict[str, str | int] = {"project": project, "limit": 100}
    if opt_fields:
        params["opt_fields"] = opt_fields
    fetched = tasks = 0
    started = time.perf_counter()
    while fetched < pages:
        body = client.get("/tasks", params=params).json()
        fetched += 1
        tasks += len(body["data"])
        if body["next_page"] is None:
            break
        params["offset"] = body["next_page"]["offset"]
    return fetched, tasks, time.perf_counter() - started


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=200, help="pages of 100 per paging measure")
    parser.add_argument("--sample", type=int, default=5_000, help="tasks generated to time generation")
    args = parser.parse_args()

    now = datetime(2025, 6, 2, 9, tzinfo=UTC)
    config = EmulatorConfig(vendor="asana", items=args.items, now=now, credentials={"access_token": TOKEN})
    started = time.perf_counter()
    app = build_app(config)
    build_seconds = time.perf_counter() - started
    context = app.state.asana
    store = context.runtime.store

    generation = timed(lambda: [store.org.generate(store.vendor, i) for i in range(args.sample)])
    items = [store.get(i) for i in range(args.sample)]
    rendering = timed(lambda: [context.tasks.record(item) for item in items if item is not None])
    stories = timed(lambda: [context.stories.stories(i) for i in range(args.sample)])

    rows: list[tuple[str, str]] = [
        (f"app built ({args.items:,} tasks, {len(context.catalog.teams)} projects)", f"{build_seconds:.2f} s"),
        ("task generation with full history", f"{args.sample / generation:,.0f} tasks/s"),
        ("full task record (generation + render)", f"{args.sample / (generation + rendering):,.0f} tasks/s"),
        ("stories of a task (generation + render)", f"{args.sample / stories:,.0f} tasks/s"),
    ]
    with (
        running_server(app) as url,
        httpx.Client(base_url=f"{url}/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client,
    ):
        project = client.get("/projects").json()["data"][0]["gid"]
        for label, fields in (("compact", None), ("opt_fields: the tap's 38 fields + 3 nested", TAP_FIELDS)):
            pages, tasks, seconds = page_through(client, project, args.pages, fields)
            rows.append(
                (
                    f"paging limit=100 + offsets, {label}",
                    f"{pages / seconds:,.1f} pages/s = {tasks / seconds:,.0f} tasks/s",
                )
            )
    rows.append(("max RSS", f"{max_rss_mb():.0f} MB"))

    print(f"Command: .venv/bin/python -m bench.emulator_asana --items {args.items} --pages {args.pages}")
    width = max(len(label) for label, _ in rows)
    print(f"| {'measure':<{width}} | result |")
    print(f"|{'-' * (width + 2)}|--------|")
    for label, value in rows:
        print(f"| {label:<{width}} | {value} |")


if __name__ == "__main__":
    main()
