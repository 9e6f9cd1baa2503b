"""Baton against the peer extractors on the same emulated items, alternating in one run.

    .venv/bin/python -m bench.compare_peers [--jira-items 100000] [--items 20000] [--rounds 3] [--record]

Each peer runs from its own pinned virtual environment (bench/peers, built on first use) through our small
launcher, against the same emulator process as Baton; every run is a fresh process, timed by wall clock from
start to exit (the way a user runs it), with its peak RSS from ``wait4``. Discovery and catalog steps a peer
needs are done once, before timing. The order of the sides rotates from round to round; medians are reported.

Jira (``--jira-items``, emulator with ``--legacy-search`` for Airbyte): Baton full sync into SQLite
(extract + load), tap-jira (extract: issues, changelogs, projects, users to a file), airbyte-source-jira
(extract: issues, projects, users, boards, sprints), dlt ``rest_api`` on ``search/jql`` (extract only, and
extract + load into duckdb). Trello and Asana (``--items``): Baton full sync against tap-trello and
tap-asana (extract). ``fastest_peer_vs_baton`` is the fastest peer *extract + load* ÷ Baton on Jira.
``BENCH_SCALE`` scales both item counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench.emulated import CREDENTIALS, ROOT, running_emulator
from bench.peers import LAUNCHERS, ensure_peer_venv

__all__ = ["main"]

JIRA = CREDENTIALS["jira"]


@dataclass(frozen=True)
class Side:
    """One contender: its name, whether it loads into a database, and how to build its command."""

    name: str
    loads: bool
    argv: Callable[[Path], list[str]]  # given a fresh scratch directory
    stdout_to_file: bool = False


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_rss_mib: float


def timed(argv: list[str], scratch: Path, *, stdout_to_file: bool) -> Timing:
    """Run ``argv`` to completion; wall seconds and the child's peak RSS."""
    scratch.mkdir(parents=True, exist_ok=True)
    out = (scratch / "out.jsonl").open("wb") if stdout_to_file else subprocess.DEVNULL
    errors = (scratch / "stderr.txt").open("wb")
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=scratch, stdout=out, stderr=errors)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if stdout_to_file and not isinstance(out, int):
        out.close()
    errors.close()
    if child.returncode != 0:
        tail = (scratch / "stderr.txt").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(argv[:3])} exited with {child.returncode}:\n{tail}")
    return Timing(seconds, usage.ru_maxrss / 1024)


def _python(peer: str) -> str:
    return str(ensure_peer_venv(peer))


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def _selected(catalog: dict[str, Any], streams: set[str]) -> dict[str, Any]:
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] in streams
    return catalog


def _discover(argv: list[str]) -> dict[str, Any]:
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=600)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def baton_side(vendor: str, url: str) -> Side:
    argv = [sys.executable, "-m", "bench.baton_worker", "--vendor", vendor, "--url", url, "--workdir"]
    return Side(f"baton ({vendor})", True, lambda scratch: [*argv, str(scratch)])


def jira_sides(url: str, setup: Path) -> list[Side]:
    """Baton, tap-jira, airbyte-source-jira and dlt against one Jira emulator (prepared once, untimed)."""
    tap, airbyte, dlt = _python("tap-jira"), _python("airbyte-source-jira"), _python("dlt")
    tap_launcher = str(LAUNCHERS / "tap_jira.py")
    tap_config = _write(
        setup / "tap-jira.json",
        {"start_date": "2000-01-01T00:00:00Z", "username": JIRA["email"], "password": JIRA["api_token"],
         "base_url": url, "user_agent": "baton-bench"},
    )  # fmt: skip
    catalog = _discover([tap, tap_launcher, "--config", str(tap_config), "--discover"])
    properties = _write(
        setup / "tap-jira-properties.json", _selected(catalog, {"issues", "changelogs", "projects", "users"})
    )
    airbyte_launcher = str(LAUNCHERS / "airbyte_source_jira.py")
    airbyte_config = _write(
        setup / "airbyte.json",
        {"api_token": JIRA["api_token"], "email": JIRA["email"], "domain": "emulator", "base_url": url,
         "start_date": "2000-01-01T00:00:00Z"},
    )  # fmt: skip
    discovered = subprocess.run(
        [airbyte, airbyte_launcher, "discover", "--config", str(airbyte_config)],
        capture_output=True, text=True, check=True, timeout=600, cwd=setup,
    )  # fmt: skip
    (setup / "airbyte-catalog.jsonl").write_text(discovered.stdout)
    configured = subprocess.run(
        [airbyte, airbyte_launcher, "select", "--catalog", str(setup / "airbyte-catalog.jsonl"),
         "--streams", "issues,projects,users,boards,sprints"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    airbyte_catalog = setup / "airbyte-configured.json"
    airbyte_catalog.write_text(configured.stdout)
    dlt_launcher = str(LAUNCHERS / "dlt_jira.py")
    dlt_args = ["--base-url", url, "--email", JIRA["email"], "--token", JIRA["api_token"], "--workdir"]
    return [
        baton_side("jira", url),
        Side("tap-jira", False, lambda _: [tap, tap_launcher, "--config", str(tap_config), "--properties",
                                           str(properties)], stdout_to_file=True),
        Side("airbyte-source-jira", False, lambda _: [airbyte, airbyte_launcher, "read", "--config",
                                                      str(airbyte_config), "--catalog", str(airbyte_catalog)],
             stdout_to_file=True),
        Side("dlt rest_api (extract)", False, lambda s: [dlt, dlt_launcher, *dlt_args, str(s), "--step", "extract"]),
        Side("dlt rest_api → duckdb", True, lambda s: [dlt, dlt_launcher, *dlt_args, str(s), "--step", "run"]),
    ]  # fmt: skip


def trello_sides(url: str, setup: Path) -> list[Side]:
    tap, launcher = _python("tap-trello"), str(LAUNCHERS / "tap_trello.py")
    config = _write(
        setup / "tap-trello.json",
        {"api_key": CREDENTIALS["trello"]["api_key"], "api_token": CREDENTIALS["trello"]["token"],
         "start_date": "2000-01-01T00:00:00Z", "base_url": f"{url}/1", "cards_response_size": 1000},
    )  # fmt: skip
    catalog = _discover([tap, launcher, "--config", str(config), "--discover"])
    selected = _write(setup / "tap-trello-catalog.json", _selected(catalog, {"boards", "cards", "lists", "actions"}))
    return [
        baton_side("trello", url),
        Side("tap-trello", False, lambda _: [tap, launcher, "--config", str(config), "--catalog", str(selected)],
             stdout_to_file=True),
    ]  # fmt: skip


def asana_sides(url: str, setup: Path) -> list[Side]:
    tap, launcher = _python("tap-asana"), str(LAUNCHERS / "tap_asana.py")
    config = _write(
        setup / "tap-asana.json",
        {"start_date": "2000-01-01T00:00:00Z", "client_id": "baton", "client_secret": "secret",
         "redirect_uri": "http://127.0.0.1/callback", "refresh_token": "emulator-refresh-token",
         "request_timeout": 120, "base_url": url},
    )  # fmt: skip
    catalog = _discover([tap, launcher, "--config", str(config), "--discover"])
    selected = _write(setup / "tap-asana-catalog.json", _selected(catalog, {"projects", "tasks", "stories", "users"}))
    return [
        baton_side("asana", url),
        Side("tap-asana", False, lambda _: [tap, launcher, "--config", str(config), "--catalog", str(selected)],
             stdout_to_file=True),
    ]  # fmt: skip


def compare(vendor: str, items: int, rounds: int) -> list[dict[str, Any]]:
    """Every side of ``vendor`` ``rounds`` times, rotating the order; one row per side with medians."""
    builders = {"jira": jira_sides, "trello": trello_sides, "asana": asana_sides}
    timings: dict[str, list[Timing]] = {}
    legacy = vendor == "jira"
    with running_emulator(vendor, items=items, legacy_search=legacy) as url, TemporaryDirectory() as tmp:
        setup = Path(tmp) / "setup"
        setup.mkdir()
        sides = builders[vendor](url, setup)
        for round_number in range(rounds):
            shift = round_number % len(sides)
            for side in sides[shift:] + sides[:shift]:
                scratch = Path(tmp) / f"{side.name.split()[0]}-{round_number}-{time.monotonic_ns()}"
                timing = timed(side.argv(scratch), scratch, stdout_to_file=side.stdout_to_file)
                timings.setdefault(side.name, []).append(timing)
                print(json.dumps({"vendor": vendor, "round": round_number, "side": side.name, **timing.__dict__}),
                      flush=True)  # fmt: skip
    baton = statistics.median(t.seconds for t in timings[sides[0].name])
    rows = []
    for side in sides:
        seconds = statistics.median(t.seconds for t in timings[side.name])
        rows.append(
            {"vendor": vendor, "items": items, "side": side.name, "loads": side.loads, "seconds": seconds,
             "peak_rss_mib": max(t.peak_rss_mib for t in timings[side.name]), "vs_baton": seconds / baton,
             "rounds": rounds}
        )  # fmt: skip
    return rows


def render(rows: list[dict[str, Any]], command: str) -> str:
    from bench.results import machine_summary

    lines = [
        "## Baton against the peer extractors\n",
        "Each side is a fresh process from start to exit (wall clock; peers from their own pinned venvs through",
        "bench/peers/launchers), against one emulator process per vendor, rotating the order each round;",
        "medians. *loads* says whether the side also writes a database (Baton: its SQLite store; dlt: duckdb).\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| vendor | items | side | loads | seconds (median) | side ÷ Baton | peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['vendor']} | {r['items']:,} | {r['side']} | {'yes' if r['loads'] else 'no'} | "
            f"{r['seconds']:.1f} | {r['vs_baton']:.2f} | {r['peak_rss_mib']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def figures_of(rows: list[dict[str, Any]], command: str) -> list[Any]:
    from bench.results import Figure

    figures = []
    loaders = [r for r in rows if r["vendor"] == "jira" and r["loads"] and not r["side"].startswith("baton")]
    if loaders:
        fastest = min(loaders, key=lambda r: r["seconds"])
        figures.append(Figure("fastest_peer_vs_baton", round(fastest["vs_baton"], 3), "ratio", ">= 3", command))
    for r in rows:
        if not r["side"].startswith("baton"):
            name = "peer_" + "".join(c if c.isalnum() else "_" for c in r["side"]).strip("_").lower()
            figures.append(Figure(f"{name}_vs_baton_{r['vendor']}", round(r["vs_baton"], 3), "ratio", "", command))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jira-items", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=20_000, help="Trello and Asana items")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--vendors", default="jira,trello,asana")
    parser.add_argument("--record", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    command = (
        f".venv/bin/python -m bench.compare_peers --jira-items {args.jira_items} --items {args.items}"
        f" --rounds {args.rounds} --vendors {args.vendors}"
    )
    rows: list[dict[str, Any]] = []
    for vendor in args.vendors.split(","):
        count = args.jira_items if vendor == "jira" else args.items
        rows += compare(vendor, max(300, int(count * scale)), args.rounds)
    table = render(rows, command + (f" (BENCH_SCALE={scale:g})" if scale != 1 else ""))
    print(table)
    if args.record:
        from bench.results import record

        record("61-peers", table, figures_of(rows, command))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
