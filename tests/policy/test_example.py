"""The commented example loads, the JSON Schema validates it, and `baton policy schema` prints that schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from core.policy import RuleId, Severity, load_policy, policy_json_schema
from tests.policy.helpers import EMULATOR_POLICY, EXAMPLE, invoke, run_baton


def test_the_example_loads_without_warnings() -> None:
    loaded = load_policy(EXAMPLE)
    policy = loaded.policy
    assert loaded.warnings == ()
    assert [c.name for c in policy.connections] == ["jira", "trello", "asana"]
    assert set(policy.teams) == {"web", "mobile", "design", "growth"}
    owners = {policy.connection(c.connection) for team in policy.teams.values() for c in team.containers}
    assert {connection.vendor for connection in owners if connection is not None} == {"jira", "trello", "asana"}
    assert policy.rules.for_team(RuleId.R01, "mobile").days == 14  # type: ignore[attr-defined]
    assert policy.rules.for_team(RuleId.R01, "web").days == 30  # type: ignore[attr-defined]
    assert policy.rules.for_team(RuleId.R02, "design").severity is Severity.LOW
    assert RuleId.R19 not in policy.rules.enabled_ids()
    assert policy.teams["web"].containers[1].id == "42"


def test_the_json_schema_validates_the_example() -> None:
    schema = policy_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load(EXAMPLE.read_text())
    jsonschema.Draft202012Validator(schema).validate(data)


def test_the_json_schema_validates_the_emulator_policy() -> None:
    jsonschema.Draft202012Validator(policy_json_schema()).validate(yaml.safe_load(EMULATOR_POLICY))


def test_the_json_schema_rejects_an_unknown_key() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["teams"]["web"]["tz"] = "UTC"
    errors = list(jsonschema.Draft202012Validator(policy_json_schema()).iter_errors(data))
    assert errors


def test_the_schema_has_its_dialect_titles_and_descriptions() -> None:
    schema = policy_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Baton policy"
    assert schema["properties"]["connections"]["description"]
    stale = schema["$defs"]["Stale"]
    assert stale["description"].startswith("R01 stale")
    assert stale["properties"]["days"]["default"] == 30
    assert "R01" in schema["$defs"]["RulesPolicy"]["properties"]


def test_baton_policy_schema_prints_the_schema() -> None:
    result = run_baton("policy", "schema")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == policy_json_schema()


def test_baton_policy_schema_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "policy.schema.json"
    code, _, _ = invoke("policy", "schema", "--output", str(target))
    assert code == 0
    assert json.loads(target.read_text()) == policy_json_schema()


def test_baton_policy_check_passes_the_example() -> None:
    result = run_baton("policy", "check", str(EXAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"policy OK: {EXAMPLE}"
    assert lines[1] == "3 connection(s): jira (jira), trello (trello), asana (asana); 4 team(s); 19 of 20 rules enabled"


def test_check_defaults_to_the_global_policy_option_and_environment() -> None:
    code, out, err = invoke("--policy", str(EXAMPLE), "policy", "check")
    assert code == 0, out + err
    assert out.startswith(f"policy OK: {EXAMPLE}")
    code, out, _ = invoke("policy", "check", env={"BATON_POLICY": str(EXAMPLE)})
    assert code == 0
    assert out.startswith(f"policy OK: {EXAMPLE}")


def test_the_emulator_policy_is_valid_with_a_warning_per_literal_secret(tmp_path: Path) -> None:
    path = tmp_path / "emulated.yaml"
    path.write_text(EMULATOR_POLICY)
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"policy OK: {path}"
    warnings = [line for line in lines if "warning:" in line]
    assert warnings[0] == (
        f"{path}:6:14: warning: connections[0].credentials.email is a literal secret; "
        "prefer {env: VAR_NAME} to keep it out of the file"
    )
    assert [line.split(": ")[2].split(" ")[0] for line in warnings] == [
        "connections[0].credentials.email",
        "connections[0].credentials.api_token",
        "connections[1].credentials.api_key",
        "connections[1].credentials.token",
        "connections[1].credentials.app_secret",
        "connections[2].credentials.token",
    ]
    assert lines[-1] == "6 warning(s)"


def test_policy_appears_in_help() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    assert "policy" in out
    code, out, _ = invoke("policy", "--help")
    assert code == 0
    assert "check" in out
    assert "schema" in out
