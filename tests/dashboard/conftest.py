"""Fixtures for the dashboard tests: the seeded store of tests/api, the app served by uvicorn on an ephemeral port,
and Debian's chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, ConsoleMessage, Page

from tests.api.conftest import make_app, seeded
from tests.api.seed import Seeded
from tests.waiting import wait_for

__all__ = ["make_app", "seeded"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


class LiveServer:
    """An app served by uvicorn in a thread, on a port the OS chose."""

    def __init__(self, app: FastAPI) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, name="dashboard-uvicorn", daemon=True)

    def start(self) -> str:
        self.thread.start()
        wait_for(lambda: True if self.server.started else None, timeout=60)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture
def base_url(seeded: Seeded, make_app: Callable[..., FastAPI]) -> Iterator[str]:
    """The dashboard on the seeded store, over real HTTP."""
    server = LiveServer(make_app())
    url = server.start()
    yield url
    server.stop()


class WatchedPage:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {message.location}")

    def screenshot(self, name: str) -> Path:
        """Save a full-page screenshot under test-artifacts/dashboard/."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser: Browser) -> Iterator[WatchedPage]:
    """A fresh browser context (no cookies) at laptop size."""
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    context.set_default_timeout(30_000)
    watched = WatchedPage(context.new_page())
    yield watched
    context.close()


def sign_in(page: Page, base_url: str, key: str) -> None:
    """Sign in through the form and wait for the overview."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
