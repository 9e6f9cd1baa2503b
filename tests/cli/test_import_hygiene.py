"""`baton --help`, every command's `--help` and `baton version` start without the heavy modules.

The command modules import the store, the vendor SDKs, numpy, Alembic and FastAPI inside the commands that use
them; these tests fail when someone adds such an import at module level again. Each check runs in a fresh
interpreter, since the test process itself has imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.apikey import RoleChoice
from models.enums import ApiKeyRole

REPO = Path(__file__).resolve().parents[2]

# Third-party packages a help screen never needs, and Baton's packages that pull them in.
HEAVY = frozenset(
    {
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "numpy",
        "asana",
        "trello",
        "jira",
        "fastapi",
        "uvicorn",
        "starlette",
        "api",
        "models",
        "sync",
        "connectors",
        "reporting",
        "migrations",
    }
)

# Runs in the child: every help screen of the command tree in turn, in-process; after each, the heavy modules
# loaded so far. Prints JSON: [[command words, exit code, heavy modules], ...].
WALK_HELP = """
import json, sys
import typer
from main import run
from cli import build_cli

heavy = set(json.loads(sys.argv[1]))

def loaded():
    return sorted({m.split(".")[0] for m in sys.modules} & heavy)

def paths(command, prefix):
    yield prefix
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from paths(sub, [*prefix, name])

rows = [[["(import main)"], 0, loaded()]]
for words in paths(typer.main.get_command(build_cli()), []):
    try:
        build_cli()([*words, "--help"], prog_name="baton")
        code = 0
    except SystemExit as stop:
        code = stop.code or 0
    rows.append([words, code, loaded()])
print(json.dumps(rows))
"""


def run_python(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False
    )


# Runs the statements in argv[1] and prints the heavy modules then loaded (the heavy names come last in argv;
# both are removed before the statements run, so they see the remaining arguments).
AFTER = """
import json, sys
heavy = set(json.loads(sys.argv.pop()))
exec(sys.argv.pop(1))
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & heavy)))
"""


def test_importing_the_cli_loads_no_heavy_module() -> None:
    result = run_python("-c", AFTER, "import cli.app, main", json.dumps(sorted(HEAVY)))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_every_help_screen_loads_no_heavy_module() -> None:
    result = run_python("-c", WALK_HELP, json.dumps(sorted(HEAVY)))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout.splitlines()[-1])
    screens = [" ".join(words) for words, _, _ in rows]
    # The walk reached the groups and their sub-commands, not just the root.
    for expected in ("", "sync", "db upgrade", "apikey create", "webhooks register", "rules run", "emulate"):
        assert expected in screens
    for words, code, heavy in rows:
        assert code == 0, f"baton {' '.join(words)} --help exited {code}"
        assert heavy == [], f"baton {' '.join(words)} --help imported {heavy}"


def test_version_loads_no_heavy_module() -> None:
    # sys.argv is ["-c", "version"] when run() parses it.
    run_version = "from main import run\ntry:\n    run()\nexcept SystemExit:\n    pass"
    result = run_python("-c", AFTER, run_version, "version", json.dumps(sorted(HEAVY)))
    assert result.returncode == 0, result.stderr
    first, last = result.stdout.splitlines()[0], result.stdout.splitlines()[-1]
    assert first.startswith("baton ")
    assert json.loads(last) == []


def test_role_choices_are_the_api_key_roles() -> None:
    assert [choice.value for choice in RoleChoice] == [role.value for role in ApiKeyRole]


def test_main_builds_the_app_on_first_access_and_keeps_it() -> None:
    from fastapi import FastAPI

    import main

    assert "app" in dir(main)  # what `fastapi run main.py` looks for
    built = main.app
    assert isinstance(built, FastAPI)
    assert main.app is built
    with pytest.raises(AttributeError):
        _ = main.no_such_thing
