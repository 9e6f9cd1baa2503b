"""`baton policy check` on broken files: the exit code, and each problem at its exact line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policy.helpers import EMULATOR_POLICY, invoke, run_baton


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def problem_lines(output: str, path: Path) -> list[str]:
    """The problem lines, with the file name taken off: ``line:column: message``."""
    prefix = f"{path}:"
    return [line[len(prefix) :] for line in output.splitlines() if line.startswith(prefix)]


TEAMS_AND_RULES = (
    EMULATOR_POLICY
    + """\
teams:
  web:
    containers:
      - {connection: jira, key: WEB}
"""
)


def test_unclosed_bracket_is_reported_by_a_real_baton(tmp_path: Path) -> None:
    path = write(tmp_path, "teams:\n  web:\n    members: [a@x.example, b@x.example\n    timezone: UTC\n")
    result = run_baton("policy", "check", str(path))
    assert result.returncode == 1
    [line] = problem_lines(result.stdout, path)
    assert line.startswith("4:13: invalid YAML: expected ',' or ']'")
    assert "flow sequence that starts at line 3, column 14" in line


def test_bad_indentation(tmp_path: Path) -> None:
    path = write(tmp_path, "teams:\n  web:\n    timezone: UTC\n   business_days: true\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    [line] = problem_lines(out, path)
    assert line.startswith("4:4: invalid YAML: expected <block end>")


def test_a_tab_in_the_indentation(tmp_path: Path) -> None:
    path = write(tmp_path, "teams:\n\tweb: {}\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    [line] = problem_lines(out, path)
    assert line.startswith("2:1: invalid YAML: found character '\\t'")


def test_unknown_key_is_reported_by_a_real_baton_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, TEAMS_AND_RULES + "    timezon: Europe/Paris\n")
    result = run_baton("policy", "check", str(path))
    assert result.returncode == 1
    assert problem_lines(result.stdout, path) == ["24:5: teams.web: unknown key 'timezon'; did you mean 'timezone'?"]
    assert "policy has 1 error" in result.stderr


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nteam: {}\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == ["2:1: the policy: unknown key 'team'; did you mean 'teams'?"]


def test_unknown_rule_id(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  R01: {days: 10}\n  R21: {days: 10}\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == ["3:3: rules: unknown key 'R21' (rule ids are R01 to R20)"]


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  R01:\n    days: thirty\n  R17: {similarity: 2}\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == [
        "3:11: rules.R01.days: should be a valid integer, unable to parse string as an integer; got 'thirty'",
        "4:21: rules.R17.similarity: should be less than or equal to 1; got 2",
    ]


def test_a_list_where_a_mapping_is_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "teams:\n  - web\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == ["2:3: teams: should be a mapping; got a list"]


def test_unknown_team_in_a_rule_override_is_reported_by_a_real_baton(tmp_path: Path) -> None:
    text = TEAMS_AND_RULES + "rules:\n  R01:\n    teams:\n      mobile: {days: 14}\n"
    path = write(tmp_path, text)
    result = run_baton("policy", "check", str(path))
    assert result.returncode == 1
    assert problem_lines(result.stdout, path) == [
        "27:7: rules.R01.teams.mobile: unknown team 'mobile' (under `teams`: web)"
    ]


def test_unknown_connection_in_a_teams_containers(tmp_path: Path) -> None:
    text = TEAMS_AND_RULES + "      - {connection: jirra, key: MOB}\n"
    path = write(tmp_path, text)
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == [
        "24:22: teams.web.containers[1].connection: unknown connection 'jirra' "
        "(under `connections`: asana, jira, trello)"
    ]


def test_invalid_cron(tmp_path: Path) -> None:
    path = write(tmp_path, 'schedules:\n  rules: "5 * * *"\n  report: "0 25 * * *"\n  prune: "*/0 * * * *"\n')
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == [
        "2:10: schedules.rules: cron expression '5 * * *' has 4 field(s); expected 5: "
        "minute hour day-of-month month day-of-week, e.g. '*/15 * * * *'",
        "3:11: schedules.report: hour field: 25 is outside 0-23",
        "4:10: schedules.prune: minute field: step '0' must be a positive number",
    ]


def test_an_unquoted_cron_explains_the_quoting(tmp_path: Path) -> None:
    path = write(tmp_path, "schedules:\n  sync:\n    default: */15 * * * *\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    [line] = problem_lines(out, path)
    assert line.startswith("3:15: invalid YAML:")
    assert line.endswith("a value starting with * must be quoted, e.g. '*/15 * * * *'")


def test_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path, "teams:\n  web: {}\n  mobile: {}\n  web: {business_days: true}\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == ["4:3: duplicate key 'web' (first defined at line 2, column 3)"]


def test_every_problem_is_listed_in_file_order(tmp_path: Path) -> None:
    text = (
        "connections:\n"
        "  - name: jira\n"
        "    vendor: gitlab\n"
        "    base_url: https://x.example\n"
        "    credentials: {}\n"
        "teams:\n"
        "  web:\n"
        "    timezone: Mars/Olympus\n"
        "    business_days: sometimes\n"
        "rules:\n"
        "  R03: {percentile: 100}\n"
    )
    path = write(tmp_path, text)
    code, out, err = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == [
        "3:13: connections[0].vendor: 'gitlab' is not one of: jira, trello, asana",
        "8:15: teams.web.timezone: 'Mars/Olympus' is not an IANA time zone (for example UTC, Europe/Paris, "
        "America/New_York)",
        "9:20: teams.web.business_days: should be a valid boolean, unable to interpret input; got 'sometimes'",
        "11:21: rules.R03.percentile: should be less than 100; got 100",
    ]
    assert "policy has 4 errors" in err


def test_missing_required_keys_point_at_their_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "connections:\n  - name: asana\n    vendor: asana\n    credentials: {}\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == [
        "2:5: connections[0]: missing required key 'base_url'",
        "4:18: connections[0].credentials: missing required key 'token'",
    ]


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run_baton("policy", "check", str(tmp_path / "nowhere.yaml"))
    assert result.returncode == 2
    assert "policy file not found" in result.stderr


def test_no_policy_file_configured_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    code, _, err = invoke("policy", "check")
    assert code == 2
    assert "No policy file" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "1:1: the policy must be a mapping of sections (version, connections, teams, ...); got list"),
        ("version: 2\n", "1:10: version: should be 1; got 2"),
        (
            "bots:\n  emails: [a@x.example]\n  accounts: {jira: [x]}\n",
            "3:14: bots.accounts.jira: unknown connection 'jira' (under `connections`: none defined)",
        ),
    ],
)
def test_other_invalid_documents(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == [expected]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"version: 1\nteams:\n  caf\xe9: {}\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == ["3:6: the policy file is not UTF-8 text"]


def test_unknown_team_in_a_status_mapping(tmp_path: Path) -> None:
    text = TEAMS_AND_RULES + "status_mapping:\n  teams:\n    mobile:\n      blocked: [Blocked]\n"
    path = write(tmp_path, text)
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == ["26:5: status_mapping.teams.mobile: unknown team 'mobile' (under `teams`: web)"]


def test_an_unknown_asana_plan(tmp_path: Path) -> None:
    path = write(tmp_path, EMULATOR_POLICY + "    plan: enterprise\n")
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    assert problem_lines(out, path) == ["20:11: connections[2].plan: should be 'free' or 'paid'; got 'enterprise'"]


def test_a_plan_on_a_connection_that_has_none(tmp_path: Path) -> None:
    text = EMULATOR_POLICY.replace(
        "      api_token: emulator-token\n", "      api_token: emulator-token\n    plan: free\n"
    )
    path = write(tmp_path, text)
    code, out, _ = invoke("policy", "check", str(path))
    assert code == 1
    [line] = problem_lines(out, path)
    assert line.startswith("8:5: connections[0]: unknown key 'plan'")  # only Asana connections have a plan
