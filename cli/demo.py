"""`baton demo`: Baton live on emulated Jira, Trello and Asana in one command, stopped cleanly with Ctrl-C.

Steps: start the three emulators (one process, a generated organisation, the activity simulator on), write the
policy from examples/demo-policy.yaml, migrate the SQLite store under `.baton/`, create (or reuse) an admin API
key, start `baton serve`, register the webhooks with the emulators, run the first full sync, the rules and a first
report, then print the dashboard URL and the key and wait. Every long-running child runs in its own process group,
so stopping the demo stops all of them; running it again reuses the store, the key and the policy.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from emulators.cli import DEMO_CREDENTIALS

if TYPE_CHECKING:
    from emulators.org.generator import Organisation

__all__ = [
    "DemoPaths",
    "demo",
    "pick_ports",
    "render_demo_policy",
    "team_blocks",
]

console = Console()

TEMPLATE = Path(__file__).resolve().parents[1] / "examples" / "demo-policy.yaml"
DEFAULT_EMULATOR_PORTS = {"jira": 8101, "trello": 8102, "asana": 8103}
READY_TIMEOUT = 300.0
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class DemoPaths:
    """Where the demo keeps its state (under ``.baton/`` of the working directory)."""

    root: Path

    @property
    def database(self) -> Path:
        """The SQLite store."""
        return self.root / "baton.db"

    @property
    def policy(self) -> Path:
        """The policy written from examples/demo-policy.yaml."""
        return self.root / "demo-policy.yaml"

    @property
    def api_key(self) -> Path:
        """The admin API key (mode 0600)."""
        return self.root / "demo-api-key"

    @property
    def jira_webhook_secret(self) -> Path:
        """The secret Jira signs its webhooks with (generated once)."""
        return self.root / "demo-jira-webhook-secret"

    def log(self, name: str) -> Path:
        """The log file of child ``name``."""
        return self.root / f"demo-{name}.log"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "team"


def team_blocks(organisation: Organisation) -> str:
    """The policy's ``teams:`` entries: one per generated team, owning its container in its tool.

    A team of the same name in several tools owns all its containers (one team across tools).
    """
    from emulators.org.model import Vendor

    containers: dict[str, list[str]] = {}
    zones: dict[str, str] = {}
    for vendor in (Vendor.JIRA, Vendor.TRELLO, Vendor.ASANA):
        for team in organisation.teams(vendor):
            slug = _slug(team.name)
            ref = (
                f"{{connection: jira, kind: project, key: {team.key}}}"
                if vendor is Vendor.JIRA
                else f"{{connection: {vendor}, kind: {'board' if vendor is Vendor.TRELLO else 'project'}, "
                f"name: {json.dumps(team.name)}}}"
            )
            containers.setdefault(slug, []).append(ref)
            zones.setdefault(slug, team.timezone)
    lines: list[str] = []
    for slug in sorted(containers):
        lines.append(f"  {slug}:")
        lines.append("    containers:")
        lines.extend(f"      - {ref}" for ref in containers[slug])
        lines.append(f"    timezone: {zones[slug]}")
    return "\n".join(lines)


def render_demo_policy(template: str, urls: Mapping[str, str], teams: str) -> str:
    """The demo policy: ``template`` with the emulators' URLs and the teams filled in."""
    return Template(template).substitute(
        JIRA_URL=urls["jira"], TRELLO_URL=urls["trello"], ASANA_URL=urls["asana"], TEAMS=teams
    )


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_ports(port: int) -> dict[str, int]:
    """Ports for Baton and the three emulators: the defaults, or (with ``port`` 0) free ones the OS chose."""
    if port != 0:
        return {"baton": port, **DEFAULT_EMULATOR_PORTS}
    chosen: dict[str, int] = {}
    sockets = []
    for name in ("baton", "jira", "trello", "asana"):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        sockets.append(listener)
        chosen[name] = int(listener.getsockname()[1])
    for listener in sockets:
        listener.close()
    return chosen


def _read_or_create(path: Path, create: str) -> str:
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    path.write_text(create + "\n")
    path.chmod(0o600)
    return create


@dataclass
class Children:
    """The demo's long-running processes, each the leader of its own process group."""

    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)

    def start(self, name: str, command: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        """Start ``command`` as child ``name`` in a new session (its own process group), output to ``log``."""
        handle = log.open("ab")
        self.logs.append(handle)
        self.processes[name] = subprocess.Popen(
            list(command), env=dict(env), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def restart(self, name: str, command: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        """Stop child ``name`` (its whole process group) and start it again with ``command``."""
        _stop_group(self.processes.pop(name))
        self.start(name, command, env, log)

    def exited(self) -> str | None:
        """The name of a child that stopped on its own, if any."""
        return next((name for name, process in self.processes.items() if process.poll() is not None), None)

    def stop(self) -> None:
        """SIGTERM every process group (newest first), then SIGKILL what is still there after a grace period."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes.values():
            _await_group(process, deadline)
        for handle in self.logs:
            handle.close()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM one child's process group; SIGKILL it after the grace period."""
    _signal_group(process, signal.SIGTERM)
    _await_group(process, time.monotonic() + STOP_TIMEOUT)


def _await_group(process: subprocess.Popen[bytes], deadline: float) -> None:
    try:
        process.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _baton(*args: str) -> list[str]:
    """The command line of a `baton` subcommand run by this interpreter."""
    return [sys.executable, "-c", "from main import run; run()", *args]


def _wait_ready(url: str, children: Children, what: str) -> None:
    import httpx

    deadline = time.monotonic() + READY_TIMEOUT
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            stopped = children.exited()
            if stopped is not None:
                raise DemoFailed(f"{stopped} stopped while starting (see its log under .baton/)")
            try:
                if client.get(url).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    raise DemoFailed(f"{what} did not answer at {url} within {READY_TIMEOUT:.0f} s")


class DemoFailed(Exception):
    """A demo step failed; the message says which."""


def _section(title: str, started: float) -> None:
    """A step's heading, with the time since the demo started (so a newcomer sees where the minutes go)."""
    elapsed = int(time.monotonic() - started)
    console.rule(f"[bold]{title}[/] [dim]{elapsed // 60}:{elapsed % 60:02d}[/]")


def _run_step(
    title: str,
    command: Sequence[str],
    env: Mapping[str, str],
    started: float,
    *,
    capture: bool = False,
    required: bool = True,
) -> str:
    """Run one `baton` step in the foreground; a failed optional step is a warning, a failed required one ends."""
    _section(title, started)
    result = subprocess.run(list(command), env=dict(env), check=False, stdout=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        if required:
            raise DemoFailed(f"{title} failed (exit {result.returncode})")
        console.print(f"[yellow]{title} failed (exit {result.returncode}); the demo goes on without it.[/]")
    return result.stdout.decode() if capture and result.stdout else ""


def _environment(paths: DemoPaths, ports: Mapping[str, int], jira_secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "BATON_DATABASE_URL": f"sqlite:///{paths.database}",
            "BATON_POLICY": str(paths.policy),
            "BATON_PUBLIC_URL": f"http://127.0.0.1:{ports['baton']}",
            "BATON_DEMO_JIRA_EMAIL": DEMO_CREDENTIALS["jira"]["email"],
            "BATON_DEMO_JIRA_TOKEN": DEMO_CREDENTIALS["jira"]["api_token"],
            "BATON_DEMO_JIRA_WEBHOOK_SECRET": jira_secret,
            "BATON_DEMO_TRELLO_KEY": DEMO_CREDENTIALS["trello"]["api_key"],
            "BATON_DEMO_TRELLO_TOKEN": DEMO_CREDENTIALS["trello"]["token"],
            "BATON_DEMO_TRELLO_SECRET": DEMO_CREDENTIALS["trello"]["app_secret"],
            "BATON_DEMO_ASANA_TOKEN": DEMO_CREDENTIALS["asana"]["access_token"],
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _api_key(paths: DemoPaths, env: Mapping[str, str], started: float) -> str:
    """The saved admin key when the store still knows it, else a new one (saved, owner-readable only)."""
    if paths.api_key.exists():
        saved = paths.api_key.read_text().strip()
        from api.auth.keys import resolve_api_key
        from models.db import Database

        database = Database.from_url(f"sqlite:///{paths.database}")
        try:
            if saved and resolve_api_key(database, saved) is not None:
                console.print("Reusing the admin API key in .baton/demo-api-key")
                return saved
        finally:
            database.dispose()
    output = _run_step(
        "Admin API key", _baton("apikey", "create", "--role", "admin", "--name", "demo"), env, started, capture=True
    )
    key = output.strip().splitlines()[-1].strip()
    paths.api_key.write_text(key + "\n")
    paths.api_key.chmod(0o600)
    return key


def _open_dashboard(dashboard: str, key: str) -> None:
    """Sign in and load the overview once: checks the dashboard answers, and draws its charts before you look."""
    import httpx

    try:
        with httpx.Client(base_url=dashboard, timeout=120.0, follow_redirects=True) as client:
            client.post("sign-in", data={"api_key": key}).raise_for_status()
            client.get("").raise_for_status()
    except httpx.HTTPError as error:
        console.print(f"[yellow]The dashboard did not load ({error}); see .baton/demo-serve.log.[/]")


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signum)


def demo(
    items: Annotated[int, typer.Option("--items", min=300, help="Generated items per vendor.")] = 5_000,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Baton's port (0: any free port).")] = 8000,
    activity: Annotated[
        float, typer.Option("--activity", min=0, help="Simulated changes per minute in each emulator.")
    ] = 30.0,
    seed: Annotated[int, typer.Option("--seed", help="The generated organisation's seed.")] = 1,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Keep serving until Ctrl-C (default).")] = True,
) -> None:
    """Baton on emulated Jira, Trello and Asana: emulators, policy, store, server, webhooks, sync, rules, report."""
    paths = DemoPaths(Path(".baton").resolve())
    paths.root.mkdir(parents=True, exist_ok=True)
    ports = pick_ports(port)
    busy = [f"{name} ({number})" for name, number in ports.items() if not _port_is_free(number)]
    if busy:
        console.print(f"[red]Ports in use: {', '.join(busy)}.[/] Is another demo running? Stop it, or use --port 0.")
        raise typer.Exit(2)
    jira_secret = _read_or_create(paths.jira_webhook_secret, secrets.token_urlsafe(24))
    env = _environment(paths, ports, jira_secret)
    children = Children()
    # Ctrl-C and `kill` both stop the demo the same way (SIGINT is set too: a shell may start it ignored).
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _start(paths, ports, items, activity, seed, env, children)
        if wait:
            console.print("Press [bold]Ctrl-C[/] to stop the demo.")
            while (stopped := children.exited()) is None:
                time.sleep(0.5)
            raise DemoFailed(f"{stopped} stopped unexpectedly (see .baton/demo-{stopped}.log)")
    except KeyboardInterrupt:
        console.print("\nStopping the demo ...")
    except DemoFailed as error:
        console.print(f"[red]Demo failed:[/] {error}")
        raise typer.Exit(1) from error
    finally:
        children.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        console.print("Demo stopped.")


def _start(
    paths: DemoPaths,
    ports: Mapping[str, int],
    items: int,
    activity: float,
    seed: int,
    env: Mapping[str, str],
    children: Children,
) -> None:
    started = time.monotonic()
    urls = {vendor: f"http://127.0.0.1:{ports[vendor]}" for vendor in ("jira", "trello", "asana")}
    _section("Emulators", started)
    console.print(f"Jira {urls['jira']}, Trello {urls['trello']}, Asana {urls['asana']}: {items:,} items each")
    children.start(
        "emulators",
        _baton(
            "emulate",
            "all",
            "--jira-port",
            str(ports["jira"]),
            "--trello-port",
            str(ports["trello"]),
            "--asana-port",
            str(ports["asana"]),
            "--items",
            str(items),
            "--seed",
            str(seed),
            "--activity",
            str(activity),
        ),
        env,
        paths.log("emulators"),
    )
    from emulators.org.generator import Organisation, OrgConfig

    policy = render_demo_policy(
        TEMPLATE.read_text(), urls, team_blocks(Organisation(OrgConfig(seed=seed, items=items)))
    )
    if not paths.policy.exists() or paths.policy.read_text() != policy:
        paths.policy.write_text(policy)
        console.print(f"Policy written to {paths.policy}")
    else:
        console.print(f"Reusing the policy {paths.policy}")
    _run_step("Store (SQLite, .baton/baton.db)", _baton("db", "upgrade"), env, started)
    key = _api_key(paths, env, started)
    dashboard = f"http://127.0.0.1:{ports['baton']}/"
    serve = _baton("serve", "--host", "127.0.0.1", "--port", str(ports["baton"]), "--no-migrate")
    # Until the first full sync is done, the scheduler would pull every connection a second time (its first
    # incremental sync has no cursor yet): serve webhooks without it, then restart with it.
    children.start("serve", [*serve, "--no-scheduler"], env, paths.log("serve"))
    for vendor, url in urls.items():
        _wait_ready(f"{url}/_emulator/health", children, f"the {vendor} emulator")
    _wait_ready(f"{dashboard}healthz", children, "baton serve")
    # The dashboard is usable from here on: items appear page by page as the first sync stores them.
    _section("Dashboard", started)
    console.print(
        f"[bold]{dashboard}[/] is up: sign in with the admin API key [bold]{key}[/] (also in {paths.api_key})."
    )
    console.print("It fills in as the first sync below stores each page; findings and the report follow.")
    # Polling keeps the store fresh without webhooks: a registration problem is reported, not fatal.
    _run_step("Webhooks", _baton("webhooks", "register"), env, started, required=False)
    _run_step("First full sync", _baton("sync", "--full"), env, started)
    _run_step("Rules", _baton("rules", "run"), env, started)
    report = paths.root / "demo-report.html"
    _run_step("First report", _baton("report", "--format", "html", "--out", str(report)), env, started, required=False)
    console.print(f"Stored (see the dashboard's Reports page) and written to {report}")
    _section("Scheduler", started)
    console.print("Restarting baton serve with its scheduler: syncs every minute, rules every five")
    children.restart("serve", serve, env, paths.log("serve"))
    _wait_ready(f"{dashboard}healthz", children, "baton serve")
    _open_dashboard(dashboard, key)
    _section("[green]Baton is running", started)
    console.print(f"Dashboard:     [bold]{dashboard}[/]")
    console.print(f"Admin API key: [bold]{key}[/]  (also in {paths.api_key})")
    console.print(f"Logs:          {paths.log('serve')}, {paths.log('emulators')}")
