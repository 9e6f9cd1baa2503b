"""Load a policy file: YAML with positions, the pydantic model, cross-references; every problem with its line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from core.policy.describe import describe_error, format_path
from core.policy.errors import PolicyError, PolicyFileMissing, PolicyProblem
from core.policy.model import Policy
from core.policy.references import find_reference_problems
from core.policy.secrets import LiteralSecret
from core.policy.yaml_source import KeyPath, YamlDocument, parse_yaml

__all__ = ["LoadedPolicy", "load_policy", "load_policy_bytes", "load_policy_file", "load_policy_text"]


@dataclass(frozen=True)
class LoadedPolicy:
    """A valid policy, where it came from, and the warnings found while loading it."""

    policy: Policy
    warnings: tuple[PolicyProblem, ...] = ()
    source: str = "<policy>"


def _literal_secret_paths(value: Any, path: KeyPath) -> Iterator[KeyPath]:
    """The paths of every secret written as a literal string."""
    if isinstance(value, LiteralSecret):
        yield path
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            if name in value.model_fields_set:
                yield from _literal_secret_paths(getattr(value, name), (*path, field.alias or name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _literal_secret_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _literal_secret_paths(item, (*path, index))


def _literal_secret_warnings(policy: Policy, document: YamlDocument, source: str) -> list[PolicyProblem]:
    warnings = []
    for path in _literal_secret_paths(policy, ()):
        mark = document.value_mark(path)
        message = (
            f"warning: {format_path(path)} is a literal secret; prefer {{env: VAR_NAME}} to keep it out of the file"
        )
        warnings.append(PolicyProblem(source, mark.line, mark.column, message))
    return sorted(warnings)


def _validate(document: YamlDocument, source: str) -> tuple[Policy | None, list[PolicyProblem]]:
    """The policy the document describes (``None`` if invalid) and its problems."""
    data = {} if document.data is None else document.data
    if not isinstance(data, dict):
        mark = document.value_mark(())
        message = (
            f"the policy must be a mapping of sections (version, connections, teams, ...); got {type(data).__name__}"
        )
        return None, [PolicyProblem(source, mark.line, mark.column, message)]
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            mark, message = describe_error(detail, document, Policy)
            problems.append(PolicyProblem(source, mark.line, mark.column, message))
        return None, problems
    problems = []
    for reference in find_reference_problems(policy):
        mark = document.key_mark(reference.path) if reference.at_key else document.value_mark(reference.path)
        problems.append(
            PolicyProblem(source, mark.line, mark.column, f"{format_path(reference.path)}: {reference.message}")
        )
    return policy, problems


def load_policy_text(text: str, source: str = "<policy>") -> LoadedPolicy:
    """Load a policy from YAML text; ``PolicyError`` lists every problem, ``source`` names the file in messages."""
    document = parse_yaml(text)
    problems = [PolicyProblem(source, issue.mark.line, issue.mark.column, issue.message) for issue in document.issues]
    if document.data is None and problems:
        raise PolicyError(problems)
    policy, invalid = _validate(document, source)
    problems.extend(invalid)
    if problems or policy is None:
        raise PolicyError(problems)
    return LoadedPolicy(
        policy=policy, warnings=tuple(_literal_secret_warnings(policy, document, source)), source=source
    )


def load_policy_file(path: Path) -> LoadedPolicy:
    """Load the policy file at ``path``; ``PolicyFileMissing`` if it does not exist."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyFileMissing(source) from None
    except OSError as error:
        raise PolicyError(
            [PolicyProblem(source, 1, 1, f"cannot read the policy file: {error.strerror or error}")]
        ) from None
    return load_policy_bytes(raw, source)


def load_policy_bytes(raw: bytes, source: str) -> LoadedPolicy:
    """Load a policy from the bytes of a file (UTF-8)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise PolicyError([PolicyProblem(source, line, column, "the policy file is not UTF-8 text")]) from None
    return load_policy_text(text, source)


def load_policy(source: Path | str) -> LoadedPolicy:
    """Load a policy from a file (a ``Path``) or from YAML text (a ``str``)."""
    if isinstance(source, Path):
        return load_policy_file(source)
    return load_policy_text(source)
