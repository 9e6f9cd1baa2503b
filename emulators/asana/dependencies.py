"""Task dependencies (`addDependencies`): written through the API only, kept beside the item store."""

from __future__ import annotations

import threading
from collections import defaultdict

__all__ = ["DependencyGraph"]


class DependencyGraph:
    """task -> the tasks it depends on (and the reverse, its dependents)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._on: defaultdict[int, list[int]] = defaultdict(list)
        self._of: defaultdict[int, list[int]] = defaultdict(list)

    def add(self, task: int, dependencies: list[int]) -> list[int]:
        """Add dependencies (ignoring ones already there and the task itself); return the ones added."""
        added = []
        with self._lock:
            for dependency in dependencies:
                if dependency != task and dependency not in self._on[task]:
                    self._on[task].append(dependency)
                    self._of[dependency].append(task)
                    added.append(dependency)
        return added

    def remove(self, task: int, dependencies: list[int]) -> list[int]:
        """Remove dependencies; return the ones that were there."""
        removed = []
        with self._lock:
            for dependency in dependencies:
                if dependency in self._on[task]:
                    self._on[task].remove(dependency)
                    self._of[dependency].remove(task)
                    removed.append(dependency)
        return removed

    def dependencies(self, task: int) -> list[int]:
        """What a task waits on."""
        with self._lock:
            return list(self._on.get(task, ()))

    def dependents(self, task: int) -> list[int]:
        """What waits on a task."""
        with self._lock:
            return list(self._of.get(task, ()))
