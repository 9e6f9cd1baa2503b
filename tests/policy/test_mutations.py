"""Property: whatever is done to the example, the loader returns a policy or raises PolicyError, never anything else."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.policy import PolicyError, PolicyProblem, load_policy
from tests.policy.helpers import EXAMPLE

EXAMPLE_TEXT = EXAMPLE.read_text()
EXAMPLE_DATA = yaml.safe_load(EXAMPLE_TEXT)
REPLACEMENTS: list[Any] = [None, 0, -1, 3.5, True, "", "text", "*/5 * * * *", [], ["a"], {}, {"env": "X"}, {"x": 1}]
INSERTIONS = [":", "[", "]", "{", "}", "-", " ", "  ", "\t", "*", "&a", "!!int", "'", '"', "\n", "#", "<<: "]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in the data, parents before children."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(paths(item, (*prefix, index)))
    return found


ALL_PATHS = paths(EXAMPLE_DATA)


def mutate(data: Any, path: tuple[Any, ...], replacement: Any, delete: bool) -> Any:
    """A copy of ``data`` with the value at ``path`` deleted or replaced."""
    result = copy.deepcopy(data)
    parent = result
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(replacement)
    return result


def assert_loads_or_explains(text: str) -> None:
    line_count = text.count("\n") + 2
    problems: tuple[PolicyProblem, ...] = ()
    try:
        load_policy(text)
    except PolicyError as error:
        problems = error.problems or (PolicyProblem("<policy>", 0, 0, ""),)  # an error must say something
    for problem in problems:
        assert 1 <= problem.line <= line_count
        assert problem.column >= 1
        assert problem.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(ALL_PATHS),
    replacement=st.sampled_from(REPLACEMENTS),
    delete=st.booleans(),
)
def test_structural_mutations_raise_only_policy_errors(path: tuple[Any, ...], replacement: Any, delete: bool) -> None:
    data = mutate(EXAMPLE_DATA, path, replacement, delete)
    assert_loads_or_explains(yaml.safe_dump(data, sort_keys=False))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(min_value=0, max_value=len(EXAMPLE_TEXT)),
    length=st.integers(min_value=0, max_value=40),
    insertion=st.sampled_from(INSERTIONS),
)
def test_text_mutations_raise_only_policy_errors(position: int, length: int, insertion: str) -> None:
    assert_loads_or_explains(EXAMPLE_TEXT[:position] + insertion + EXAMPLE_TEXT[position + length :])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_policy_errors(text: str) -> None:
    assert_loads_or_explains(text)
