"""Hot reload: the policy in force, swapped for the file's new content only when that content is valid."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from core.policy.errors import PolicyError, PolicyFileMissing, PolicyProblem
from core.policy.loader import LoadedPolicy, load_policy_bytes
from core.policy.model import Policy
from core.timeutil import Clock

__all__ = [
    "FileStamp",
    "PolicyHolder",
    "RefreshOutcome",
    "RefreshResult",
    "read_file_bytes",
    "run_policy_refresh",
    "stat_file",
]

logger = logging.getLogger("baton.policy")


@dataclass(frozen=True)
class FileStamp:
    """What tells a changed file cheaply: its modification time and size."""

    mtime_ns: int
    size: int


def stat_file(path: Path) -> FileStamp | None:
    """The file's stamp, or ``None`` when it does not exist (the default stat function)."""
    try:
        result = os.stat(path)
    except FileNotFoundError:
        return None
    return FileStamp(mtime_ns=result.st_mtime_ns, size=result.st_size)


def read_file_bytes(path: Path) -> bytes:
    """The file's content (the default read function)."""
    return path.read_bytes()


class RefreshOutcome(StrEnum):
    """What one refresh did."""

    UNCHANGED = "unchanged"  # same stamp, or same content: nothing parsed
    SETTLING = "settling"  # changed moments ago or while being read: looked at again on the next refresh
    RELOADED = "reloaded"  # a valid new policy is in force
    REJECTED = "rejected"  # the file changed but is broken (or gone): the previous policy stays in force


@dataclass(frozen=True)
class RefreshResult:
    """The outcome of one refresh, and the error when the change was rejected."""

    outcome: RefreshOutcome
    checked_at: datetime
    error: PolicyError | None = None


MISSING = FileStamp(mtime_ns=-1, size=-1)  # the stamp of a file that is not there

# A file written less than this long ago may still be half-written (an editor or `cp` writing in place rather than
# renaming a finished file over it): it is read on a later refresh, once it has stopped changing.
SETTLE_SECONDS = 1.0


def _still_being_written(stamp: FileStamp, now: datetime) -> bool:
    """True when the file changed within SETTLE_SECONDS before ``now`` (a modification time ahead of ``now``, from
    a clock we cannot compare with, does not hold the reload back)."""
    age = now.timestamp() - stamp.mtime_ns / 1e9
    return 0 <= age < SETTLE_SECONDS


StatFunction = Callable[[Path], FileStamp | None]
ReadFunction = Callable[[Path], bytes]
LoadFunction = Callable[[bytes, str], LoadedPolicy]


class PolicyHolder:
    """The policy in force; ``refresh(now)`` reloads a changed file, keeping the old policy if the new is broken."""

    def __init__(
        self,
        path: Path,
        loaded: LoadedPolicy,
        *,
        stamp: FileStamp,
        digest: str,
        now: datetime,
        stat: StatFunction = stat_file,
        read: ReadFunction = read_file_bytes,
        load: LoadFunction = load_policy_bytes,
    ) -> None:
        self.path = path
        self._current = loaded
        self._stamp = stamp
        self._digest = digest
        self._stat = stat
        self._read = read
        self._load = load
        self._lock = threading.Lock()  # guards the state readers see; held only to read or swap
        self._refresh_lock = threading.Lock()  # one refresh at a time; readers never wait on a parse
        self._loaded_at = now
        self._last_error: PolicyError | None = None

    @classmethod
    def from_file(
        cls,
        path: Path,
        *,
        now: datetime,
        stat: StatFunction = stat_file,
        read: ReadFunction = read_file_bytes,
        load: LoadFunction = load_policy_bytes,
    ) -> PolicyHolder:
        """Load the policy at ``path`` to start with; raises ``PolicyError`` when it is missing or broken."""
        stamp = stat(path)
        if stamp is None:
            raise PolicyFileMissing(str(path))
        raw = read(path)
        loaded = load(raw, str(path))
        return cls(path, loaded, stamp=stamp, digest=_digest(raw), now=now, stat=stat, read=read, load=load)

    @property
    def current(self) -> LoadedPolicy:
        """The policy in force (and its warnings)."""
        with self._lock:
            return self._current

    @property
    def policy(self) -> Policy:
        """The policy in force."""
        return self.current.policy

    @property
    def loaded_at(self) -> datetime:
        """When the policy in force was loaded."""
        with self._lock:
            return self._loaded_at

    @property
    def last_error(self) -> PolicyError | None:
        """Why the file's latest content is not in force (``None`` when it is)."""
        with self._lock:
            return self._last_error

    def refresh(self, now: datetime) -> RefreshResult:
        """Check the file; load it when stamp and content changed; keep the policy in force if the new one is broken."""
        with self._refresh_lock:
            try:
                stamp = self._stat(self.path) or MISSING
            except OSError as error:
                return self._reject(_unreadable(self.path, error), MISSING, now)
            with self._lock:
                if stamp == self._stamp:
                    return RefreshResult(RefreshOutcome.UNCHANGED, now, self._last_error)
            if stamp == MISSING:
                return self._reject(PolicyFileMissing(str(self.path)), stamp, now)
            if _still_being_written(stamp, now):
                return self._settling(now)
            try:
                raw = self._read(self.path)
            except FileNotFoundError:
                return self._reject(PolicyFileMissing(str(self.path)), MISSING, now)
            except OSError as error:
                return self._reject(_unreadable(self.path, error), stamp, now)
            if (self._stat(self.path) or MISSING) != stamp:  # written to while we read it
                return self._settling(now)
            digest = _digest(raw)
            if digest == self._digest:
                with self._lock:
                    self._stamp, self._last_error = stamp, None
                return RefreshResult(RefreshOutcome.UNCHANGED, now)
            try:
                loaded = self._load(raw, str(self.path))
            except PolicyError as error:
                return self._reject(error, stamp, now)
            with self._lock:
                self._current, self._stamp, self._digest = loaded, stamp, digest
                self._loaded_at, self._last_error = now, None
            logger.info("policy reloaded from %s", self.path)
            return RefreshResult(RefreshOutcome.RELOADED, now)

    def _settling(self, now: datetime) -> RefreshResult:
        """Leave the stamp as it was, so the next refresh looks at the file again."""
        with self._lock:
            return RefreshResult(RefreshOutcome.SETTLING, now, self._last_error)

    def _reject(self, error: PolicyError, stamp: FileStamp, now: datetime) -> RefreshResult:
        """Remember a broken change (so it is parsed and logged once), keep the policy in force."""
        with self._lock:
            self._stamp, self._last_error = stamp, error
        logger.error(
            "policy file %s changed but is not usable; the previous policy stays in force:\n%s", self.path, error
        )
        return RefreshResult(RefreshOutcome.REJECTED, now, error)


def _unreadable(path: Path, error: OSError) -> PolicyError:
    return PolicyError([PolicyProblem(str(path), 1, 1, f"cannot read the policy file: {error.strerror or error}")])


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


async def run_policy_refresh(
    holder: PolicyHolder,
    *,
    interval_seconds: float,
    clock: Clock,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_reload: Callable[[LoadedPolicy], None] | None = None,
) -> None:
    """Refresh ``holder`` every ``interval_seconds`` until cancelled (start it with ``asyncio.create_task``).

    ``on_reload`` runs after a changed, valid policy came into force (e.g. to rebuild webhook receivers).
    """
    while True:
        await sleep(interval_seconds)
        try:
            result = holder.refresh(clock())
            if on_reload is not None and result.outcome is RefreshOutcome.RELOADED:
                on_reload(holder.current)
        except Exception:  # a bug in one refresh must not end hot reload for the life of the server
            logger.exception("policy refresh failed")
