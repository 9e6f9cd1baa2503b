"""Recording benchmark figures: bench/results.json (machine-readable) and docs/benchmarks.md (for people)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
SECTIONS = ROOT / "bench" / "sections"
DOC = ROOT / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Figure:
    """One measured value: ``goal`` is a human-readable target such as ``<= 1.25`` (empty when none)."""

    name: str
    value: float
    unit: str
    goal: str
    command: str


def machine_summary() -> str:
    """The machine and software the figures were measured on."""
    cpus = os.cpu_count()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    sqlite = __import__("sqlite3").sqlite_version
    try:
        pg = subprocess.run(["psql", "--version"], capture_output=True, text=True, timeout=5).stdout.strip()
    except OSError:
        pg = "psql not found"
    return f"{cpus} x {model}; Python {sys.version.split()[0]}; SQLite {sqlite}; {pg}"


def goal_met(value: float, goal: str) -> bool | None:
    """Whether ``value`` meets a goal written as ``<= X``, ``< X``, ``>= X`` or ``> X`` (None when there is none)."""
    parts = goal.split()
    if len(parts) != 2 or parts[0] not in {"<=", "<", ">=", ">"}:
        return None
    operator, bound = parts[0], float(parts[1])
    return {"<=": value <= bound, "<": value < bound, ">=": value >= bound, ">": value > bound}[operator]


def goals_table(figures: list[dict[str, object]]) -> str:
    """The figures that carry a goal, each with whether it is met, as a Markdown table."""
    lines = ["## Goals\n", "| name | value | unit | goal | met |", "|---|---|---|---|---|"]
    for figure in figures:
        goal = str(figure.get("goal") or "")
        value = figure.get("value")
        if not goal or not isinstance(value, int | float):
            continue
        met = goal_met(float(value), goal)
        verdict = "n/a" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {figure['name']} | {value:g} | {figure['unit']} | {goal} | {verdict} |")
    return "\n".join(lines) + "\n"


def record(section: str, markdown: str, figures: list[Figure]) -> None:
    """Store one benchmark's section and figures, then rebuild both output files."""
    SECTIONS.mkdir(parents=True, exist_ok=True)
    (SECTIONS / f"{section}.md").write_text(markdown.rstrip() + "\n")
    (SECTIONS / f"{section}.json").write_text(json.dumps([asdict(f) for f in figures], indent=2) + "\n")
    rebuild()


def rebuild() -> None:
    """Concatenate every recorded section into docs/benchmarks.md and bench/results.json."""
    figures: list[dict[str, object]] = []
    parts = [
        "# Benchmarks\n",
        "Figures measured by the scripts under `bench/`; each section names the command that reproduces it.",
        "Tests assert behaviour only; every speed and memory figure comes from here. `make bench` reruns the",
        "standard tier (sized for 45 minutes; `BENCH_SCALE=0.1` for a quick look) and `make bench-long` the sizes",
        "the goals name (100,000 and 1,000,000 items, hours). The machine was shared with other work for most",
        "figures here (its load is noted where it mattered): compare ratios measured in one run, not absolute times.\n",
    ]
    sections: list[str] = []
    for section in sorted(SECTIONS.glob("*.md")):
        sections.append(section.read_text())
        data = section.with_suffix(".json")
        if data.exists():
            figures += json.loads(data.read_text())
    parts.append(goals_table(figures))
    parts += sections
    DOC.write_text("\n".join(parts).rstrip() + "\n")
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
