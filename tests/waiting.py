"""Waiting on a condition in tests (a real process binding a port, a worker draining a queue)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], *, timeout: float = 60.0, interval: float = 0.1) -> T:
    """Call ``probe`` until it returns something other than ``None``; fail after ``timeout`` seconds."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        pause.wait(interval)
