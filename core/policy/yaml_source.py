"""YAML read with every node's position kept, so a problem found later can point at its line and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["KeyPath", "Mark", "YamlDocument", "YamlIssue", "parse_yaml"]

KeyPath = tuple[str | int, ...]
"""Where a value sits in the document: mapping keys and sequence indexes from the root."""

MAX_NODES = 100_000  # aliases may expand a small file into a huge document; refuse past this
_MERGE_TAG = "tag:yaml.org,2002:merge"
_FAILED = object()  # a scalar that could not be constructed (its issue is already recorded)


@dataclass(frozen=True)
class Mark:
    """A position in the text, 1-based."""

    line: int
    column: int


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while reading the YAML itself."""

    mark: Mark
    message: str


@dataclass
class YamlDocument:
    """The document as plain Python data, with where each key and value starts."""

    data: Any
    value_marks: dict[KeyPath, Mark] = field(default_factory=dict)
    key_marks: dict[KeyPath, Mark] = field(default_factory=dict)
    issues: list[YamlIssue] = field(default_factory=list)

    def value_mark(self, path: KeyPath) -> Mark:
        """Where the value at ``path`` starts (the document's start when unknown)."""
        return self.value_marks.get(path, Mark(1, 1))

    def key_mark(self, path: KeyPath) -> Mark:
        """Where the key of the value at ``path`` starts (its value's position for a sequence item)."""
        return self.key_marks.get(path) or self.value_mark(path)


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    """Turns composed nodes into data, recording positions, duplicate keys and unusable keys."""

    def __init__(self) -> None:
        self.document = YamlDocument(data=None)
        self._scalars = SafeConstructor()
        self._open: set[int] = set()
        self._count = 0

    def convert(self, node: Node, path: KeyPath) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            raise _TooLarge(_mark(node))
        self.document.value_marks.setdefault(path, _mark(node))
        if id(node) in self._open:
            self.document.issues.append(YamlIssue(_mark(node), "an alias refers to the node that contains it"))
            return None
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
            return None if value is _FAILED else value
        self._open.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            return self._mapping(node, path)
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            return self._scalars.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError) as error:
            problem = getattr(error, "problem", None) or str(error)
            self.document.issues.append(YamlIssue(_mark(node), f"invalid YAML value: {problem}"))
            return _FAILED

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        seen: dict[Any, Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.update(self._merge(value_node, path))
                continue
            if not isinstance(key_node, ScalarNode):
                self.document.issues.append(
                    YamlIssue(_mark(key_node), "a key must be a plain value, not a list or mapping")
                )
                continue
            key = self._scalar(key_node)
            if key is _FAILED:
                continue
            if key in seen:
                first = seen[key]
                message = f"duplicate key '{key}' (first defined at line {first.line}, column {first.column})"
                self.document.issues.append(YamlIssue(_mark(key_node), message))
                continue
            seen[key] = _mark(key_node)
            self.document.key_marks[(*path, key)] = _mark(key_node)
            result[key] = self.convert(value_node, (*path, key))
        return {**{key: value for key, value in merged.items() if key not in result}, **result}

    def _merge(self, node: Node, path: KeyPath) -> dict[Any, Any]:
        """The entries a ``<<:`` merge key brings in (a mapping, or a list of them; earlier ones win)."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[Any, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, MappingNode):
                self.document.issues.append(
                    YamlIssue(_mark(source), "a merge key (<<) needs a mapping or a list of them")
                )
                continue
            merged.update(self._mapping(source, path))
        return merged


class _TooLarge(Exception):
    def __init__(self, mark: Mark) -> None:
        super().__init__(mark)
        self.mark = mark


def _syntax_issue(error: yaml.YAMLError) -> YamlIssue:
    """A parser error as an issue at the parser's position."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return YamlIssue(Mark(1, 1), f"invalid YAML: {error}")
    mark = Mark(error.problem_mark.line + 1, error.problem_mark.column + 1)
    if error.problem == "but found another document":
        return YamlIssue(mark, "invalid YAML: a policy file holds one document; another starts here")
    message = f"invalid YAML: {error.problem}"
    if error.context and error.context_mark is not None and error.context.startswith("while"):
        start = error.context_mark
        message += f" ({error.context} that starts at line {start.line + 1}, column {start.column + 1})"
    elif error.context:
        message += f" ({error.context})"
    if error.context == "while scanning an alias" or "undefined alias" in str(error.problem):
        message += "; a value starting with * must be quoted, e.g. '*/15 * * * *'"
    return YamlIssue(mark, message)


def parse_yaml(text: str) -> YamlDocument:
    """Read one YAML document; syntax errors, duplicate keys and such are in ``issues`` (data ``None`` on syntax)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        return YamlDocument(data=None, issues=[_syntax_issue(error)])
    converter = _Converter()
    if root is None:
        return converter.document
    try:
        converter.document.data = converter.convert(root, ())
    except _TooLarge as error:
        return YamlDocument(data=None, issues=[YamlIssue(error.mark, f"the document expands past {MAX_NODES} nodes")])
    # A mapping reached through several aliases reports its issues once.
    converter.document.issues = list(dict.fromkeys(converter.document.issues))
    return converter.document
