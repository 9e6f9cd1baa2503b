"""Hot reload: a valid change is picked up, a broken one keeps the old policy, an unchanged file is not parsed."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.policy import (
    FileStamp,
    LoadedPolicy,
    PolicyError,
    PolicyFileMissing,
    PolicyHolder,
    RefreshOutcome,
    load_policy_bytes,
    run_policy_refresh,
)
from tests.policy.helpers import EMULATOR_POLICY

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PATH = Path("/etc/baton/policy.yaml")
WITH_TEAM = EMULATOR_POLICY + "teams:\n  web:\n    containers: [{connection: jira, key: WEB}]\n"


class FakeFiles:
    """An in-memory file system: content and mtime per path, set by the test."""

    def __init__(self) -> None:
        self.content: dict[Path, bytes] = {}
        self.mtime: dict[Path, int] = {}
        self.reads = 0

    def write(self, path: Path, text: str, mtime: int) -> None:
        self.content[path] = text.encode()
        self.mtime[path] = mtime

    def stat(self, path: Path) -> FileStamp | None:
        if path not in self.content:
            return None
        return FileStamp(mtime_ns=self.mtime[path], size=len(self.content[path]))

    def read(self, path: Path) -> bytes:
        self.reads += 1
        if path not in self.content:
            raise FileNotFoundError(path)
        return self.content[path]


class CountingLoader:
    """The real loader, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, raw: bytes, source: str) -> LoadedPolicy:
        self.calls += 1
        return load_policy_bytes(raw, source)


@pytest.fixture
def files() -> FakeFiles:
    files = FakeFiles()
    files.write(PATH, EMULATOR_POLICY, mtime=1)
    return files


@pytest.fixture
def loader() -> CountingLoader:
    return CountingLoader()


@pytest.fixture
def holder(files: FakeFiles, loader: CountingLoader) -> PolicyHolder:
    return PolicyHolder.from_file(PATH, now=START, stat=files.stat, read=files.read, load=loader)


def test_the_initial_load(holder: PolicyHolder, loader: CountingLoader) -> None:
    assert loader.calls == 1
    assert [c.name for c in holder.current.policy.connections] == ["jira", "trello", "asana"]
    assert holder.loaded_at == START
    assert holder.last_error is None


def test_a_broken_file_at_start_raises(files: FakeFiles) -> None:
    files.write(PATH, "teams: [", mtime=1)
    with pytest.raises(PolicyError):
        PolicyHolder.from_file(PATH, now=START, stat=files.stat, read=files.read)
    with pytest.raises(PolicyFileMissing):
        PolicyHolder.from_file(Path("/nowhere.yaml"), now=START, stat=files.stat, read=files.read)


def test_an_unchanged_file_is_neither_read_nor_parsed(
    holder: PolicyHolder, files: FakeFiles, loader: CountingLoader
) -> None:
    reads = files.reads
    for minute in range(1, 6):
        result = holder.refresh(START + timedelta(minutes=minute))
        assert result.outcome is RefreshOutcome.UNCHANGED
    assert files.reads == reads
    assert loader.calls == 1


def test_a_touched_file_with_the_same_content_is_read_but_not_parsed(
    holder: PolicyHolder, files: FakeFiles, loader: CountingLoader
) -> None:
    files.write(PATH, EMULATOR_POLICY, mtime=2)
    assert holder.refresh(START + timedelta(minutes=1)).outcome is RefreshOutcome.UNCHANGED
    assert loader.calls == 1
    assert holder.refresh(START + timedelta(minutes=2)).outcome is RefreshOutcome.UNCHANGED
    assert files.reads == 2  # the initial load, then the touched file once


def test_a_valid_change_is_picked_up(holder: PolicyHolder, files: FakeFiles, loader: CountingLoader) -> None:
    files.write(PATH, WITH_TEAM, mtime=2)
    later = START + timedelta(minutes=1)
    result = holder.refresh(later)
    assert result.outcome is RefreshOutcome.RELOADED
    assert result.error is None
    assert list(holder.current.policy.teams) == ["web"]
    assert holder.loaded_at == later
    assert loader.calls == 2


def test_a_broken_change_keeps_the_old_policy_and_reports_once(
    holder: PolicyHolder, files: FakeFiles, loader: CountingLoader, caplog: pytest.LogCaptureFixture
) -> None:
    before = holder.current
    files.write(PATH, EMULATOR_POLICY + "teams:\n  web:\n    timezone: Mars/Olympus\n", mtime=2)
    with caplog.at_level(logging.ERROR, logger="baton.policy"):
        result = holder.refresh(START + timedelta(minutes=1))
    assert result.outcome is RefreshOutcome.REJECTED
    assert result.error is not None
    assert [(p.line, p.column) for p in result.error.problems] == [(22, 15)]
    assert holder.current is before
    assert holder.last_error is result.error
    assert "previous policy stays in force" in caplog.text
    assert "22:15: teams.web.timezone" in caplog.text
    # The same broken file is not parsed (nor logged) again; the error stays visible.
    again = holder.refresh(START + timedelta(minutes=2))
    assert again.outcome is RefreshOutcome.UNCHANGED
    assert again.error is result.error
    assert loader.calls == 2
    # Fixing the file brings the new policy in and clears the error.
    files.write(PATH, WITH_TEAM, mtime=3)
    assert holder.refresh(START + timedelta(minutes=3)).outcome is RefreshOutcome.RELOADED
    assert holder.last_error is None
    assert list(holder.current.policy.teams) == ["web"]


def test_reverting_a_broken_change_clears_the_error(holder: PolicyHolder, files: FakeFiles) -> None:
    files.write(PATH, "teams: [", mtime=2)
    assert holder.refresh(START).outcome is RefreshOutcome.REJECTED
    files.write(PATH, EMULATOR_POLICY, mtime=3)
    result = holder.refresh(START + timedelta(minutes=1))
    assert result.outcome is RefreshOutcome.UNCHANGED
    assert holder.last_error is None


def test_a_deleted_file_keeps_the_old_policy_and_is_reported_once(
    holder: PolicyHolder, files: FakeFiles, caplog: pytest.LogCaptureFixture
) -> None:
    before = holder.current
    del files.content[PATH]
    with caplog.at_level(logging.ERROR, logger="baton.policy"):
        result = holder.refresh(START + timedelta(minutes=1))
        again = holder.refresh(START + timedelta(minutes=2))
    assert result.outcome is RefreshOutcome.REJECTED
    assert isinstance(result.error, PolicyFileMissing)
    assert again.outcome is RefreshOutcome.UNCHANGED
    assert again.error is result.error
    assert len(caplog.records) == 1
    assert holder.policy is before.policy
    files.write(PATH, EMULATOR_POLICY, mtime=5)  # restored as it was
    assert holder.refresh(START + timedelta(minutes=3)).outcome is RefreshOutcome.UNCHANGED
    assert holder.last_error is None


def test_an_unreadable_file_is_rejected_not_raised(holder: PolicyHolder, files: FakeFiles) -> None:
    def refuse(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    files.write(PATH, WITH_TEAM, mtime=2)
    holder._read = refuse  # type: ignore[method-assign]
    result = holder.refresh(START)
    assert result.outcome is RefreshOutcome.REJECTED
    assert result.error is not None
    assert str(result.error) == f"{PATH}:1:1: cannot read the policy file: Permission denied"
    assert holder.policy.teams == {}


def test_a_real_file_is_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(EMULATOR_POLICY)
    holder = PolicyHolder.from_file(path, now=START)
    path.write_text(WITH_TEAM)  # a different size, so a different stamp whatever the mtime granularity
    assert holder.refresh(START + timedelta(seconds=1)).outcome is RefreshOutcome.RELOADED
    assert list(holder.current.policy.teams) == ["web"]


def test_reads_are_safe_while_another_thread_refreshes(holder: PolicyHolder, files: FakeFiles) -> None:
    texts = [EMULATOR_POLICY, WITH_TEAM]
    seen: set[int] = set()
    stop = threading.Event()

    def read_continuously() -> None:
        while not stop.is_set():
            seen.add(len(holder.current.policy.teams))

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        for version in range(2, 42):
            files.write(PATH, texts[(version + 1) % 2], mtime=version)
            assert holder.refresh(START + timedelta(seconds=version)).outcome is RefreshOutcome.RELOADED
    finally:
        stop.set()
        reader.join()
    assert seen <= {0, 1}


def test_the_refresh_task_refreshes_after_each_sleep(holder: PolicyHolder, files: FakeFiles) -> None:
    sleeps: list[float] = []
    clock_calls = [START + timedelta(minutes=minute) for minute in range(10)]

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            files.write(PATH, WITH_TEAM, mtime=2)
        if len(sleeps) == 4:
            raise asyncio.CancelledError

    async def scenario() -> None:
        task = asyncio.create_task(
            run_policy_refresh(holder, interval_seconds=30, clock=lambda: clock_calls.pop(0), sleep=fake_sleep)
        )
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert sleeps == [30, 30, 30, 30]
    assert list(holder.current.policy.teams) == ["web"]
    assert holder.loaded_at == START + timedelta(minutes=1)


def test_the_refresh_task_survives_a_failing_refresh(holder: PolicyHolder, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def broken_clock() -> datetime:
        calls.append(1)
        raise RuntimeError("clock broke")

    async def fake_sleep(seconds: float) -> None:
        if len(calls) == 3:
            raise asyncio.CancelledError

    async def scenario() -> None:
        with pytest.raises(asyncio.CancelledError):
            await run_policy_refresh(holder, interval_seconds=1, clock=broken_clock, sleep=fake_sleep)

    with caplog.at_level(logging.ERROR, logger="baton.policy"):
        asyncio.run(scenario())
    assert len(calls) == 3
    assert caplog.text.count("policy refresh failed") == 3


def _mtime_ns(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000_000)


def test_a_file_changed_moments_ago_is_read_once_it_has_settled(holder: PolicyHolder, files: FakeFiles) -> None:
    now = START + timedelta(minutes=5)
    files.write(PATH, WITH_TEAM[: len(WITH_TEAM) // 2], mtime=_mtime_ns(now - timedelta(milliseconds=200)))
    reads = files.reads
    first = holder.refresh(now)
    assert first.outcome is RefreshOutcome.SETTLING
    assert files.reads == reads  # not even read: it may be half-written
    files.write(PATH, WITH_TEAM, mtime=_mtime_ns(now + timedelta(milliseconds=100)))  # the writer finishes
    settled = holder.refresh(now + timedelta(seconds=5))
    assert settled.outcome is RefreshOutcome.RELOADED
    assert list(holder.policy.teams) == ["web"]


def test_a_file_written_while_it_is_read_is_not_applied(files: FakeFiles, loader: CountingLoader) -> None:
    class GrowingFiles(FakeFiles):
        """The writer appends the rest of the file right after the reader took the first half."""

        def read(self, path: Path) -> bytes:
            raw = super().read(path)
            if raw == WITH_TEAM[:100].encode():
                self.write(path, WITH_TEAM, mtime=self.mtime[path] + 1)
            return raw

    growing = GrowingFiles()
    growing.write(PATH, EMULATOR_POLICY, mtime=1)
    holder = PolicyHolder.from_file(PATH, now=START, stat=growing.stat, read=growing.read, load=loader)
    growing.write(PATH, WITH_TEAM[:100], mtime=2)
    assert holder.refresh(START + timedelta(seconds=5)).outcome is RefreshOutcome.SETTLING
    assert holder.policy.teams == {}
    assert loader.calls == 1  # the half file was never parsed
    assert holder.refresh(START + timedelta(seconds=10)).outcome is RefreshOutcome.RELOADED
    assert list(holder.policy.teams) == ["web"]
