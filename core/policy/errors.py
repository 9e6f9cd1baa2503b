"""Problems found in a policy file, each with its file, line and column.

Errors::

    PolicyError            every problem of one load (syntax, unknown key, wrong type, invalid value, reference)
     '-- PolicyFileMissing  the file does not exist (the command line exits 2 on it)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PolicyError", "PolicyFileMissing", "PolicyProblem"]


@dataclass(frozen=True, order=True)
class PolicyProblem:
    """One error or warning: where (1-based line and column) and what, in plain English."""

    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


class PolicyError(Exception):
    """A policy file that cannot be used; ``problems`` lists every error found, in file order."""

    def __init__(self, problems: Iterable[PolicyProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda problem: (problem.line, problem.column, problem.message)))
        super().__init__("\n".join(str(problem) for problem in self.problems))


class PolicyFileMissing(PolicyError):
    """The policy file does not exist."""

    def __init__(self, source: str) -> None:
        super().__init__([PolicyProblem(source, 1, 1, "policy file not found")])
        self.source = source
