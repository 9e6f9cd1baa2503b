"""Run a benchmark script that prints its own table, and record its output as a section of docs/benchmarks.md.

.venv/bin/python -m bench.capture SECTION "TITLE" MODULE [ARGS...]
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time

from bench.results import machine_summary, record


def capture(section: str, title: str, module: str, args: list[str]) -> str:
    """Run ``python -m module args`` and store its output under ``title``."""
    command = " ".join([".venv/bin/python", "-m", module, *map(shlex.quote, args)])
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    load = os.getloadavg()[0]
    body = "\n".join(
        [
            f"## {title}\n",
            f"Command: `{command}`  ",
            f"Machine: {machine_summary()}; load average {load:.1f} at the end; the script ran {seconds:.0f} s.\n",
            "```text",
            result.stdout.strip(),
            "```",
        ]
    )
    record(section, body + "\n", [])
    return body


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    print(capture(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
