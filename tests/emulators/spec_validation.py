"""Validate emulator responses against the vendors' published OpenAPI files (`specs/` in the repository).

openapi-core runs with its spec check off (the vendor files do not pass it) and a lenient ``date-time``
format that accepts Jira's ``+0000`` offsets. Use :func:`validate_exchange` on a real ``httpx.Response``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from requests import PreparedRequest, Request, Response

SPECS = Path(__file__).resolve().parents[2] / "specs"
SPEC_FILES = {
    "jira": "jira-platform-swagger-v3.v3.json",
    "jira-agile": "jira-software-agile-swagger.v3.json",
    "trello": "trello-swagger.v3.json",
    "asana": "asana_oas.yaml",
}
_JIRA_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def lenient_date_time(value: object) -> bool:
    """RFC 3339 date-time, also accepting ``+0000`` offsets (no colon) as Jira sends them."""
    if not isinstance(value, str):
        return True
    text = _JIRA_OFFSET.sub(r"\1:\2", value.replace("Z", "+00:00"))
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in value


def _string_keys(node: Any) -> Any:
    """YAML reads response codes such as ``200:`` as integers; OpenAPI keys are strings."""
    if isinstance(node, dict):
        return {str(key): _string_keys(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_string_keys(value) for value in node]
    return node


def _nullable_all_of(node: Any) -> Any:
    """Asana writes "nullable" on one member of an ``allOf`` (``parent``, ``assignee``, ``enum_value``...),
    which a strict 3.0 validator ignores because the other member (a ``$ref``) still rejects null. Honour the
    stated intent: such an ``allOf`` also accepts null."""
    if isinstance(node, dict):
        converted = {key: _nullable_all_of(value) for key, value in node.items()}
        members = converted.get("allOf")
        if isinstance(members, list) and any(isinstance(m, dict) and m.get("nullable") for m in members):
            return {"anyOf": [converted, {"nullable": True, "enum": [None]}]}
        return converted
    if isinstance(node, list):
        return [_nullable_all_of(value) for value in node]
    return node


@cache
def _document(name: str) -> str:
    """The spec file ``name`` parsed and normalised, as JSON text (parsing the YAML takes seconds: once)."""
    path = SPECS / SPEC_FILES[name]
    raw = path.read_text()
    document: dict[str, Any] = json.loads(raw) if path.suffix == ".json" else _string_keys(yaml.safe_load(raw))
    return json.dumps(_nullable_all_of(document))


@cache
def load_spec(name: str, server: str = "") -> OpenAPI:
    """The parsed spec ``name`` (see SPEC_FILES); ``server`` replaces its servers so paths match the emulator."""
    document: dict[str, Any] = json.loads(_document(name))
    if server:
        document["servers"] = [{"url": server}]
    config = Config(spec_validator_cls=None, extra_format_validators={"date-time": lenient_date_time})
    return OpenAPI.from_dict(document, config=config)


def _as_requests(response: httpx.Response) -> tuple[PreparedRequest, Response]:
    request = Request(
        method=response.request.method,
        url=str(response.request.url),
        headers=dict(response.request.headers),
        data=response.request.content or None,
    ).prepare()
    converted = Response()
    converted.status_code = response.status_code
    converted._content = response.content
    converted.headers.update(response.headers)
    converted.url = str(response.request.url)
    converted.request = request
    return request, converted


def validate_exchange(spec_name: str, response: httpx.Response, *, server: str = "") -> None:
    """Raise if ``response`` (with its request) does not match the vendor's spec."""
    spec = load_spec(spec_name, server)
    request, converted = _as_requests(response)
    spec.validate_response(RequestsOpenAPIRequest(request), RequestsOpenAPIResponse(converted))
