"""One table of the connector figures per vendor, built from what the connector benchmarks recorded.

    .venv/bin/python -m bench.connector_summary

Reads bench/results.json (no measuring of its own) and records a summary section in docs/benchmarks.md that
names, for every figure, the benchmark it comes from. Rerun it after any of those benchmarks.
"""

from __future__ import annotations

import json
from typing import Any

from bench.results import RESULTS, record

SOURCES = {
    "acceptance": ".venv/bin/python -m bench.connector_acceptance --items 20000 --changes 500",
    "jira": ".venv/bin/python -m bench.sync_jira --items 20000 / --items 100000 --scenarios sync-sdk",
    "trello": ".venv/bin/python -m bench.sync_trello --sizes 20000,100000",
    "asana": ".venv/bin/python -m bench.sync_asana --items 20000 --store / --items 100000 --store",
}
DEDICATED = {
    "jira": {
        20_000: ("jira_sync_sdk_20000_items_per_s", "jira_sync_sdk_20000_peak_rss"),
        100_000: ("jira_sync_sdk_100000_items_per_s", "jira_sync_sdk_100000_peak_rss"),
    },
    "trello": {
        20_000: ("trello_full_sync_cards_per_s_20000", "trello_full_sync_peak_rss_mb_20000"),
        100_000: ("trello_full_sync_cards_per_s_100000", "trello_full_sync_peak_rss_mb_100000"),
    },
    "asana": {
        20_000: ("asana_full_sync_items_per_s_20000", "asana_full_sync_peak_rss_20000"),
        100_000: ("asana_full_sync_items_per_s_100000", "asana_full_sync_peak_rss_100000"),
    },
}


# Measured by bench/sync_asana.py before it recorded into results.json (printed, then written in docs/connectors.md).
PRINTED = {
    ("asana", 20_000): "146, 148 (docs/connectors.md; the emulator was in the process)",
    ("asana", 100_000): "130, 194 (docs/connectors.md; the emulator was in the process)",
}


def value(figures: dict[str, Any], name: str, fmt: str = "{:,.0f}") -> str:
    return fmt.format(figures[name]) if name in figures else "not recorded"


def render(figures: dict[str, Any]) -> str:
    lines = [
        "## Connectors at a glance (from the sections above)\n",
        "Full-sync rate and peak RSS per vendor at 20,000 and 100,000 items from each vendor's dedicated "
        "benchmark, and the issue #5 acceptance run at 20,000 (each sync its own `baton` process; rates there "
        "are wall-clock and depend on the machine's load, so the sync's own CPU time is given too). Request "
        "efficiency: a full sync's requests over the minimum number of pages (goal <= 1.05), and an incremental "
        "sync's requests after k = 500 changes beside ceil(k / page) + one census per container. Built by "
        "`.venv/bin/python -m bench.connector_summary` from bench/results.json.\n",
        "| vendor | 20k items/s, peak RSS MiB (dedicated) | 100k items/s, peak RSS MiB (dedicated) | "
        "20k acceptance: items/s, peak RSS MiB | full requests / minimum | incremental requests after 500 changes "
        "(ceil(k/page) + containers) |",
        "|---|---|---|---|---|---|",
    ]
    for vendor in ("jira", "trello", "asana"):
        cells = []
        for size in (20_000, 100_000):
            rate, rss = DEDICATED[vendor][size]
            if rate not in figures and (vendor, size) in PRINTED:
                cells.append(PRINTED[(vendor, size)])
            else:
                cells.append(f"{value(figures, rate)}, {value(figures, rss)}")
        key = f"{vendor}_acceptance_20000"
        cells.append(f"{value(figures, f'{key}_full_items_per_s')}, {value(figures, f'{key}_full_peak_rss')}")
        cells.append(value(figures, f"{key}_full_request_ratio", "{:.3f}"))
        cells.append(
            f"{value(figures, f'{key}_incremental_requests')} ({value(figures, f'{key}_incremental_formula')})"
        )
        lines.append(f"| {vendor} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- {name}: `{command}`" for name, command in SOURCES.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    figures = {f["name"]: f["value"] for f in json.loads(RESULTS.read_text())}
    section = render(figures)
    print(section)
    record("39-connector-summary", section, [])


if __name__ == "__main__":
    main()
