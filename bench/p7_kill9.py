"""P7 at scale: `baton sync` killed with SIGKILL at 20 seeded points over a 20,000- or 100,000-issue Jira sync.

    nice -n 10 .venv/bin/python -m bench.p7_kill9 --items 100000 [--dialect sqlite|postgresql] [--control] [--record]

Same code as tests/sync/test_kill9.py (tests/e2e/kill9.py): `baton emulate jira` in its own process, an
uninterrupted `baton sync --full` as the reference, then the kill schedule (each kill followed by an incremental
rerun, then one run to completion) into a fresh store; the two store digests must be identical. ``--control``
also runs the schedule against the cursor-first build (tests/e2e/cursor_first_baton.py), which must lose items.
Exits non-zero when the real build's digest differs or the control loses nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.results import Figure, machine_summary, record
from tests.e2e.kill9 import KilledOutcome, kill_schedule, killed_sync, uninterrupted_reference
from tests.e2e.processes import BATON_CLI, ROOT

CONTROL = (sys.executable, str(ROOT / "tests" / "e2e" / "cursor_first_baton.py"))
SEED = 7


def run(items: int, kills: int, dialect: str, control: bool) -> dict[str, Any]:
    """The reference, the killed run (and the control): digests, item counts, kills and wall times."""
    result: dict[str, Any] = {"items": items, "kills_planned": kills, "dialect": dialect}
    with tempfile.TemporaryDirectory(prefix="p7-") as folder:
        workdir = Path(folder)
        started = time.perf_counter()
        with uninterrupted_reference(items=items, seed=42, dialect=dialect, workdir=workdir) as reference:
            result["reference_seconds"] = time.perf_counter() - started
            result["reference_items"] = reference.items
            points = kill_schedule(SEED, reference.items, kills + 2)
            builds = [("real", BATON_CLI)] + ([("control", CONTROL)] if control else [])
            for name, program in builds:
                (workdir / name).mkdir()
                started = time.perf_counter()
                outcome: KilledOutcome = killed_sync(
                    reference, program, points=points, dialect=dialect, workdir=workdir / name
                )
                result[name] = {
                    "seconds": time.perf_counter() - started,
                    "kills": outcome.log.kills,
                    "items": outcome.items,
                    "identical": outcome.digest == reference.digest,
                    "items_at_kill": outcome.log.items_at_kill,
                }
                print(name, result[name], flush=True)
    return result


def render(result: dict[str, Any], command: str) -> str:
    lines = [
        "## P7: kill -9 during a Jira sync, rerun to completion (`tests/e2e/kill9.py`)\n",
        f"`baton emulate jira --items {result['items']:,}` in its own process; `baton sync` (as `python -m cli`) "
        f"killed with SIGKILL at seeded points chosen by items stored (half after a random delay, half at the next "
        f"checkpoint commit), each kill followed by an incremental rerun, then one run to completion; store: "
        f"{result['dialect']}. The reference is one uninterrupted `baton sync --full` "
        f"({result['reference_seconds']:.0f} s including the emulator's start).\n",
        f"Command: `{command}`  \nMachine: {machine_summary()}\n",
        "| build | kills landed | items in the store | digest = uninterrupted run | wall s |",
        "|---|---|---|---|---|",
    ]
    for name in ("real", "control"):
        if name in result:
            r = result[name]
            label = "baton" if name == "real" else "cursor-first control"
            lines.append(
                f"| {label} | {r['kills']} | {r['items']:,} / {result['reference_items']:,} | "
                f"{'yes' if r['identical'] else 'no'} | {r['seconds']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--dialect", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--control", action="store_true", help="also run the cursor-first control build")
    parser.add_argument("--record", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()
    command = f".venv/bin/python -m bench.p7_kill9 --items {args.items} --dialect {args.dialect}"
    command += " --control" if args.control else ""
    result = run(args.items, args.kills, args.dialect, args.control)
    table = render(result, command)
    print(table)
    if args.record:
        name = f"p7_kill9_{args.items}_{args.dialect}"
        real = result["real"]
        figures = [
            Figure(f"{name}_kills", real["kills"], "kills", f">= {args.kills}", command),
            Figure(f"{name}_identical", int(real["identical"]), "bool", "1", command),
            Figure(f"{name}_items", real["items"], "items", f"= {result['reference_items']}", command),
        ]
        if "control" in result:
            figures.append(
                Figure(f"{name}_control_items", result["control"]["items"], "items", f"< {args.items}", command)
            )
        record(f"60-p7-kill9-{args.items}-{args.dialect}", table, figures)
    failed = not result["real"]["identical"] or result["real"]["kills"] < args.kills
    if "control" in result:
        failed |= result["control"]["items"] >= result["reference_items"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
