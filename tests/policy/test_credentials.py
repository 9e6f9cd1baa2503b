"""Credentials: {env: VAR} from an injected environment, an error naming a missing variable, literals warned."""

from __future__ import annotations

import pytest

from core.policy import (
    CredentialsError,
    EnvRef,
    JiraConnection,
    MissingSecretError,
    PolicyError,
    TrelloConnection,
    load_policy,
    resolve_credentials,
    resolve_secret,
)
from tests.policy.helpers import EMULATOR_POLICY, EXAMPLE

ENVIRONMENT = {
    "JIRA_EMAIL": "ops@acme.example",
    "JIRA_API_TOKEN": "jira-secret",
    "TRELLO_API_KEY": "trello-key",
    "TRELLO_TOKEN": "trello-token",
    "TRELLO_APP_SECRET": "trello-app-secret",
    "ASANA_TOKEN": "asana-pat",
}


def test_env_references_resolve_from_the_injected_environment() -> None:
    policy = load_policy(EXAMPLE).policy
    jira, trello, asana = policy.connections
    assert resolve_credentials(jira, ENVIRONMENT) == {"email": "ops@acme.example", "api_token": "jira-secret"}
    assert resolve_credentials(trello, ENVIRONMENT) == {
        "api_key": "trello-key",
        "token": "trello-token",
        "app_secret": "trello-app-secret",
    }
    assert resolve_credentials(asana, ENVIRONMENT) == {"token": "asana-pat"}


def test_a_missing_variable_is_named() -> None:
    jira = load_policy(EXAMPLE).policy.connections[0]
    environment = {key: value for key, value in ENVIRONMENT.items() if key != "JIRA_API_TOKEN"}
    with pytest.raises(CredentialsError) as caught:
        resolve_credentials(jira, environment)
    assert caught.value.variables == ("JIRA_API_TOKEN",)
    assert str(caught.value) == (
        "connection 'jira' credential api_token: environment variable JIRA_API_TOKEN is not set (or is empty)"
    )


def test_every_missing_variable_is_named_and_empty_counts_as_missing() -> None:
    trello = load_policy(EXAMPLE).policy.connections[1]
    with pytest.raises(CredentialsError) as caught:
        resolve_credentials(trello, {"TRELLO_TOKEN": ""})
    assert caught.value.variables == ("TRELLO_API_KEY", "TRELLO_TOKEN", "TRELLO_APP_SECRET")


def test_literals_resolve_as_written_and_are_warned_about() -> None:
    loaded = load_policy(EMULATOR_POLICY)
    jira = loaded.policy.connections[0]
    assert isinstance(jira, JiraConnection)
    assert resolve_credentials(jira, {}) == {"email": "baton@example.com", "api_token": "emulator-token"}
    trello = loaded.policy.connections[1]
    assert isinstance(trello, TrelloConnection)
    assert resolve_credentials(trello, {})["app_secret"] == "emulator-secret"
    assert [(w.line, w.column) for w in loaded.warnings][:2] == [(6, 14), (7, 18)]
    assert all("literal secret" in w.message for w in loaded.warnings)


def test_a_literal_webhook_secret_or_slack_url_is_warned_about_too() -> None:
    text = EMULATOR_POLICY.replace(
        "      api_token: emulator-token\n", "      api_token: {env: JIRA_API_TOKEN}\n    webhook_secret: s3cret\n"
    ).replace("      email: baton@example.com\n", "      email: {env: JIRA_EMAIL}\n")
    text += "report:\n  delivery:\n    slack: {webhook_url: https://hooks.slack.example/T000/B000}\n"
    warned = [w.message.split(" ")[1] for w in load_policy(text).warnings]
    assert warned[0] == "connections[0].webhook_secret"
    assert warned[-1] == "report.delivery.slack.webhook_url"


def test_resolve_secret() -> None:
    assert resolve_secret(EnvRef(env="X"), {"X": "value"}, where="slack") == "value"
    with pytest.raises(MissingSecretError, match="slack: environment variable X is not set"):
        resolve_secret(EnvRef(env="X"), {}, where="slack")


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        ("{email: a@x.example}", "Jira needs email and api_token (basic auth), or token (bearer)"),
        ("{email: a@x.example, api_token: t, token: b}", "give either email + api_token or token, not both"),
        ("{token: {env: 1BAD}}", "'1BAD' is not an environment variable name"),
        ("{token: 42}", "expected {env: VAR_NAME} or a literal string; got 42"),
    ],
)
def test_jira_credentials_shape(credentials: str, message: str) -> None:
    text = f"connections:\n  - {{name: j, vendor: jira, base_url: 'https://x.example', credentials: {credentials}}}\n"
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    [problem] = caught.value.problems
    assert message in problem.message
    assert problem.line == 2


def test_jira_bearer_token_alone_is_enough() -> None:
    text = "connections:\n  - {name: j, vendor: jira, base_url: 'https://x.example', credentials: {token: {env: T}}}\n"
    assert resolve_credentials(load_policy(text).policy.connections[0], {"T": "bearer"}) == {"token": "bearer"}


@pytest.mark.parametrize("url", ["ftp://x.example", "acme.atlassian.net", "https://"])
def test_base_url_must_be_http(url: str) -> None:
    text = f"connections:\n  - {{name: a, vendor: asana, base_url: '{url}', credentials: {{token: t}}}}\n"
    with pytest.raises(PolicyError, match="is not an http\\(s\\) URL"):
        load_policy(text)


def test_connection_names_are_unique() -> None:
    text = EMULATOR_POLICY.replace("name: trello", "name: jira")
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    assert [str(p) for p in caught.value.problems] == [
        "<policy>:8:11: connections[1].name: connection name 'jira' is used twice"
    ]


def test_an_unknown_key_beside_env_points_at_that_key() -> None:
    text = "report:\n  delivery:\n    slack: {webhook_url: {env: SLACK_WEBHOOK_URL, x: 1}}\n"
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    assert [str(p) for p in caught.value.problems] == [
        "<policy>:3:51: report.delivery.slack.webhook_url: unknown key 'x'"
    ]
