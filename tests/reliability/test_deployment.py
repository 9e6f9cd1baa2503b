"""The deployment files: docker-compose.yml wires PostgreSQL, migrations, API replicas and a worker the way
docs/deploy.md says, with secrets from the environment; the Dockerfile's runtime stage has no build tools.

(Docker itself is not available on the CI machines, so the files are checked by structure; hadolint runs in
tests/test_dockerfile.py and `make lint`.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.app import build_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_the_services_are_postgres_migrate_api_replicas_and_a_worker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "baton", "worker"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["baton", "db", "upgrade"]
    serve = services["baton"]["command"]
    assert serve[:2] == ["baton", "serve"]
    assert "--no-scheduler" in serve
    assert "--no-migrate" in serve
    assert services["baton"]["deploy"]["replicas"] == 2
    assert services["worker"]["command"] == ["baton", "worker"]
    for name in ("migrate", "baton", "worker"):
        assert services[name]["build"] == "."
        assert services[name]["volumes"][0].endswith(":/etc/baton/policy.yaml:ro")


def test_start_order_waits_for_a_healthy_database_and_finished_migrations(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("baton", "worker"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    for name in ("postgres", "baton", "worker"):
        test = services[name]["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL")
        assert "curl" not in " ".join(test)


def test_every_baton_process_uses_postgres_and_takes_secrets_from_the_environment(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("migrate", "baton", "worker"):
        env = services[name]["environment"]
        assert env["BATON_DATABASE_URL"].startswith("postgresql://baton:${POSTGRES_PASSWORD")
        assert env["BATON_DATABASE_URL"].endswith("@postgres:5432/baton")
        assert env["BATON_ENVIRONMENT"] == "production"
        for key, value in env.items():
            if re.search(r"SECRET|TOKEN|PASSWORD|KEY", key):
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*|:-)\}", str(value)), (name, key, value)
    assert services["baton"]["environment"]["BATON_WORKERS"].startswith("${BATON_WORKERS")
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", services["postgres"]["environment"]["POSTGRES_PASSWORD"])


def test_the_commands_compose_runs_exist() -> None:
    from typer.main import get_command

    commands = get_command(build_cli()).commands  # type: ignore[attr-defined]
    assert {"serve", "worker", "db"} <= set(commands)
    serve_options = {opt for param in commands["serve"].params for opt in param.opts}
    assert {"--no-scheduler", "--no-migrate", "--workers"} <= serve_options | {
        o for param in commands["serve"].params for o in param.secondary_opts
    }
    workers = next(param for param in commands["serve"].params if param.name == "workers")
    assert workers.envvar == "BATON_WORKERS"


def test_the_runtime_stage_has_no_build_tools_runs_as_10001_and_checks_health_with_python() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)
    assert len(stages) == 3  # preamble, build, runtime
    runtime = "\n".join(line for line in stages[2].splitlines() if not line.startswith("#"))
    assert " AS " not in runtime.splitlines()[0]
    assert "COPY --from=build /opt/baton/venv /opt/baton/venv" in runtime
    for tool in ("uv ", "pip install", "apt-get", "gcc", "build-essential", "curl", "wget"):
        assert tool not in runtime.replace("--no-cache-dir", ""), tool
    assert "USER 10001:10001" in runtime
    healthcheck = next(line for line in runtime.splitlines() if line.strip().startswith('CMD ["python"'))
    assert "/healthz" in healthcheck
    assert "BATON_WORKERS=" in runtime
