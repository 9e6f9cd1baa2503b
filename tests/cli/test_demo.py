"""`baton demo` end to end: a small organisation on the three emulators, served and synced, a change made through
Trello's API reaching the dashboard, and Ctrl-C (SIGINT) stopping every process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
TRELLO_AUTH = {"key": "emulator-key", "token": "emulator-token"}


class RunningDemo:
    """`baton demo` in its own process group, its output in a file."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.output = workdir / "demo-output.txt"
        env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
        env.pop("BATON_DATABASE_URL", None)
        env.pop("BATON_POLICY", None)
        with self.output.open("wb") as handle:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from main import run; run()",
                    "demo",
                    "--items",
                    "300",
                    "--port",
                    "0",
                    "--activity",
                    "0",
                ],
                cwd=workdir,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_until_running(self) -> str:
        """The dashboard URL, once the demo says it is running."""

        def running() -> str | None:
            assert self.process.poll() is None, f"the demo stopped:\n{self.text()}"
            match = re.search(r"Dashboard:\s+(http://127\.0\.0\.1:\d+/)", self.text())
            return match.group(1) if match and "Press Ctrl-C" in self.text() else None

        return wait_for(running, timeout=600, interval=1.0)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def running_demo(tmp_path: Path) -> Iterator[RunningDemo]:
    demo = RunningDemo(tmp_path)
    yield demo
    demo.kill()


def _port_of(text: str, vendor: str) -> int:
    match = re.search(rf"{vendor} http://127\.0\.0\.1:(\d+)", text)
    assert match is not None, text
    return int(match.group(1))


def _count(client: httpx.Client, query: str) -> int:
    page = client.get(f"/backlog?{query}")
    assert page.status_code == 200
    match = re.search(r"<strong>([\d,]+)</strong> items? match", page.text)
    assert match is not None
    return int(match.group(1).replace(",", ""))


def _rename_a_trello_card(port: int, name: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}/1", params=TRELLO_AUTH, timeout=30) as trello:
        board = trello.get("/members/me/boards", params={"fields": "name"}).json()[0]["id"]
        card = trello.get(f"/boards/{board}/cards", params={"fields": "name", "limit": 1}).json()[0]["id"]
        assert trello.put(f"/cards/{card}", params={"name": name}).status_code == 200


def test_demo_serves_every_vendor_follows_a_change_and_stops_on_ctrl_c(running_demo: RunningDemo) -> None:
    dashboard = running_demo.wait_until_running()
    output = running_demo.text()
    trello_port = _port_of(output, "Trello")
    key_file = running_demo.workdir / ".baton" / "demo-api-key"
    key = key_file.read_text().strip()
    assert key in output
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert (running_demo.workdir / ".baton" / "baton.db").exists()
    policy = (running_demo.workdir / ".baton" / "demo-policy.yaml").read_text()
    assert f"http://127.0.0.1:{trello_port}" in policy
    assert "emulator-token" not in policy

    with httpx.Client(base_url=dashboard, timeout=60, follow_redirects=True) as client:
        assert client.post("/sign-in", data={"api_key": key}).status_code == 200
        for vendor in ("jira", "trello", "asana"):
            assert _count(client, f"source={vendor}") == 300, vendor
        _rename_a_trello_card(trello_port, "Quokka demo rename")
        wait_for(lambda: True if _count(client, "q=Quokka") == 1 else None, timeout=300, interval=2.0)

    running_demo.process.send_signal(signal.SIGINT)
    assert running_demo.process.wait(timeout=120) == 0
    assert "Demo stopped." in running_demo.text()
    for url in (dashboard + "healthz", f"http://127.0.0.1:{trello_port}/_emulator/health"):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=5)
