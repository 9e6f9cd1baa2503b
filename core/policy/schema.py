"""The policy file's JSON Schema, for editors (e.g. VS Code's YAML extension) and other tools."""

from __future__ import annotations

from typing import Any

from core.policy.model import Policy

__all__ = ["JSON_SCHEMA_DIALECT", "policy_json_schema"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema of the policy file (keys as written in YAML), with titles and descriptions."""
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": "https://baton.dev/schemas/policy-v1.json",
        **schema,
        "title": "Baton policy",
    }
