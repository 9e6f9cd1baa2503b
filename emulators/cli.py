"""`baton emulate jira|trello|asana|all`: run vendor emulators on 127.0.0.1 (mounted by the Baton CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from emulators.config import DEFAULT_JIRA_SITE, EmulatorConfig, default_now
from emulators.faults import FaultSpecError, parse_fault_spec

if TYPE_CHECKING:
    from emulators.policy import RunningVendor
    from emulators.registry import VendorPlugin
    from emulators.server import ServedApp

__all__ = ["DEMO_CREDENTIALS", "Options", "build_served", "emulate_app"]

emulate_app = typer.Typer(help="Run local Jira, Trello and Asana emulators (seeded data, faults, webhooks).")

DEFAULT_PORTS = {"jira": 8101, "trello": 8102, "asana": 8103}
DEMO_CREDENTIALS: dict[str, dict[str, str]] = {
    "jira": {"email": "baton@example.com", "api_token": "emulator-token"},
    "trello": {"api_key": "emulator-key", "token": "emulator-token", "app_secret": "emulator-secret"},
    "asana": {"access_token": "emulator-token"},
}
# The emulators' credential names that the policy file spells differently (core/policy/connections.py).
POLICY_CREDENTIAL_KEYS: dict[str, dict[str, str]] = {"asana": {"access_token": "token"}}


class Switch(StrEnum):
    """on / off."""

    ON = "on"
    OFF = "off"


@dataclass(frozen=True)
class Options:
    """Flags shared by every `emulate` command."""

    seed: int = 1
    items: int = 1000
    host: str = "127.0.0.1"
    now: datetime | None = None
    latency_ms: float = 0.0
    rate_limit: bool = False
    faults: str = ""
    activity: float = 0.0
    webhook_time_scale: float = 0.01
    webhook_drop_rate: float = 0.0
    write_policy: Path | None = None
    jira_site: str | None = None
    legacy_search: bool = False
    jira_email: str = DEMO_CREDENTIALS["jira"]["email"]
    jira_token: str = DEMO_CREDENTIALS["jira"]["api_token"]
    trello_key: str = DEMO_CREDENTIALS["trello"]["api_key"]
    trello_token: str = DEMO_CREDENTIALS["trello"]["token"]
    trello_secret: str = DEMO_CREDENTIALS["trello"]["app_secret"]
    asana_token: str = DEMO_CREDENTIALS["asana"]["access_token"]
    asana_plan: str = "paid"

    def vendor_options(self, vendor: str) -> dict[str, str]:
        """Vendor-specific settings passed to the emulator (not written to the policy file)."""
        return {"asana": {"plan": self.asana_plan}}.get(vendor, {})

    def credentials(self, vendor: str) -> dict[str, str]:
        """The credential values a vendor emulator accepts (and the policy file lists)."""
        return {
            "jira": {"email": self.jira_email, "api_token": self.jira_token},
            "trello": {
                "api_key": self.trello_key,
                "token": self.trello_token,
                "app_secret": self.trello_secret,
            },
            "asana": {"access_token": self.asana_token},
        }.get(vendor, {})


def build_served(vendor_ports: list[tuple[str, int]], options: Options) -> tuple[list[ServedApp], list[RunningVendor]]:
    """Build the apps to serve and the connections to write; plugins come from the registry."""
    from emulators.policy import RunningVendor
    from emulators.server import ServedApp

    now = options.now or default_now()
    ports = dict(vendor_ports)
    jira_site = options.jira_site or (
        f"http://{options.host}:{ports['jira']}" if "jira" in ports else DEFAULT_JIRA_SITE
    )
    served: list[ServedApp] = []
    running: list[RunningVendor] = []
    for name, port in vendor_ports:
        plugin = _plugin(name)
        credentials = options.credentials(name)
        config = EmulatorConfig(
            vendor=name,
            seed=options.seed,
            items=options.items,
            now=now,
            host=options.host,
            port=port,
            latency_ms=options.latency_ms,
            rate_limit=options.rate_limit,
            faults=options.faults,
            activity_per_minute=options.activity,
            webhook_time_scale=options.webhook_time_scale,
            webhook_drop_rate=options.webhook_drop_rate,
            jira_site=jira_site,
            legacy_search=options.legacy_search,
            credentials=credentials,
            options=options.vendor_options(name),
        )
        served.append(ServedApp(plugin.build_app(config), port))
        secret = credentials.get(plugin.webhook_secret) if plugin.webhook_secret else None
        renamed = POLICY_CREDENTIAL_KEYS.get(name, {})
        listed = {renamed.get(k, k): v for k, v in credentials.items() if k != plugin.webhook_secret}
        base_url = f"http://{options.host}:{port}{plugin.base_path}"
        running.append(RunningVendor(f"{name}-emulator", name, base_url, listed, secret))
    return served, running


def _plugin(name: str) -> VendorPlugin:
    from emulators.registry import get_vendor

    try:
        return get_vendor(name)
    except KeyError as error:
        typer.echo(f"error: {error.args[0]}", err=True)
        raise typer.Exit(code=2) from error


def _run(vendor_ports: list[tuple[str, int]], options: Options) -> None:
    from emulators.policy import write_policy
    from emulators.server import serve_forever

    served, running = build_served(vendor_ports, options)
    if options.write_policy is not None:
        write_policy(options.write_policy, running)
        typer.echo(f"policy written to {options.write_policy}")
    for connection in running:
        typer.echo(f"{connection.vendor:7} {connection.base_url}  (control: {connection.base_url}/_emulator/health)")
    serve_forever(served, host=options.host)


def _faults(value: str) -> str:
    try:
        parse_fault_spec(value)
    except FaultSpecError as error:
        raise typer.BadParameter(str(error)) from error
    return value


SeedOpt = Annotated[int, typer.Option("--seed", help="Generator seed: same seed, same organisation.")]
ItemsOpt = Annotated[int, typer.Option("--items", min=300, help="Generated items per vendor.")]
HostOpt = Annotated[str, typer.Option("--host", help="Interface to bind.")]
NowOpt = Annotated[datetime | None, typer.Option("--now", help="The generator's now (default: the current UTC hour).")]
LatencyOpt = Annotated[float, typer.Option("--latency-ms", min=0, help="Added latency per request.")]
RateOpt = Annotated[Switch, typer.Option("--rate-limit", help="Enforce the vendor's rate limits.")]
FaultsOpt = Annotated[
    str, typer.Option("--faults", callback=_faults, help='e.g. "429=0.05,500=0.02,timeout=0.01,reset=0.01"')
]
ActivityOpt = Annotated[float, typer.Option("--activity", min=0, help="Simulated changes per minute (0 = off).")]
ScaleOpt = Annotated[
    float,
    typer.Option("--webhook-time-scale", min=0.0001, help="Wall seconds per emulated second of retry delays."),
]
DropOpt = Annotated[
    float,
    typer.Option(
        "--webhook-drop-rate", min=0.0, max=1.0, help="Share of webhook deliveries silently never sent (0..1)."
    ),
]
PolicyOpt = Annotated[Path | None, typer.Option("--write-policy", help="Write a policy YAML with the connections.")]
JiraSiteOpt = Annotated[str | None, typer.Option("--jira-site", help="Jira URL used in cross-tool links.")]
LegacySearchOpt = Annotated[
    bool,
    typer.Option("--legacy-search", help="Jira: serve the removed /search as Data Center does (startAt/total)."),
]
JiraEmailOpt = Annotated[str, typer.Option("--jira-email")]
JiraTokenOpt = Annotated[str, typer.Option("--jira-token")]
TrelloKeyOpt = Annotated[str, typer.Option("--trello-key")]
TrelloTokenOpt = Annotated[str, typer.Option("--trello-token")]
TrelloSecretOpt = Annotated[str, typer.Option("--trello-secret")]
AsanaTokenOpt = Annotated[str, typer.Option("--asana-token")]


class AsanaPlanChoice(StrEnum):
    """Asana domain plans (the per-minute rate limit: free 150, paid 1,500)."""

    FREE = "free"
    PAID = "paid"


AsanaPlanOpt = Annotated[AsanaPlanChoice, typer.Option("--asana-plan", help="Asana plan: free (150/min) or paid.")]
PortOpt = Annotated[int | None, typer.Option("--port", help="Port (default: 8101 jira, 8102 trello, 8103 asana).")]


def _options(values: dict[str, object]) -> Options:
    """Options from a command's keyword arguments (others, such as ports, are ignored)."""
    chosen = {k: v for k, v in values.items() if k in Options.__dataclass_fields__}
    chosen["rate_limit"] = chosen["rate_limit"] is Switch.ON
    if "asana_plan" in chosen:
        chosen["asana_plan"] = str(chosen["asana_plan"])
    return Options(**chosen)  # type: ignore[arg-type]


def _single(vendor: str) -> None:
    def command(
        port: PortOpt = None,
        seed: SeedOpt = 1,
        items: ItemsOpt = 1000,
        host: HostOpt = "127.0.0.1",
        now: NowOpt = None,
        latency_ms: LatencyOpt = 0.0,
        rate_limit: RateOpt = Switch.OFF,
        faults: FaultsOpt = "",
        activity: ActivityOpt = 0.0,
        webhook_time_scale: ScaleOpt = 0.01,
        webhook_drop_rate: DropOpt = 0.0,
        write_policy: PolicyOpt = None,
        jira_site: JiraSiteOpt = None,
        legacy_search: LegacySearchOpt = False,
        jira_email: JiraEmailOpt = DEMO_CREDENTIALS["jira"]["email"],
        jira_token: JiraTokenOpt = DEMO_CREDENTIALS["jira"]["api_token"],
        trello_key: TrelloKeyOpt = DEMO_CREDENTIALS["trello"]["api_key"],
        trello_token: TrelloTokenOpt = DEMO_CREDENTIALS["trello"]["token"],
        trello_secret: TrelloSecretOpt = DEMO_CREDENTIALS["trello"]["app_secret"],
        asana_token: AsanaTokenOpt = DEMO_CREDENTIALS["asana"]["access_token"],
        asana_plan: AsanaPlanOpt = AsanaPlanChoice.PAID,
    ) -> None:
        _run([(vendor, port or DEFAULT_PORTS[vendor])], _options(dict(locals())))

    command.__doc__ = f"Run the {vendor.capitalize()} emulator."
    emulate_app.command(vendor)(command)


for _vendor in ("jira", "trello", "asana"):
    _single(_vendor)


@emulate_app.command("all")
def emulate_all(
    jira_port: Annotated[int, typer.Option("--jira-port")] = DEFAULT_PORTS["jira"],
    trello_port: Annotated[int, typer.Option("--trello-port")] = DEFAULT_PORTS["trello"],
    asana_port: Annotated[int, typer.Option("--asana-port")] = DEFAULT_PORTS["asana"],
    seed: SeedOpt = 1,
    items: ItemsOpt = 1000,
    host: HostOpt = "127.0.0.1",
    now: NowOpt = None,
    latency_ms: LatencyOpt = 0.0,
    rate_limit: RateOpt = Switch.OFF,
    faults: FaultsOpt = "",
    activity: ActivityOpt = 0.0,
    webhook_time_scale: ScaleOpt = 0.01,
    webhook_drop_rate: DropOpt = 0.0,
    write_policy: PolicyOpt = None,
    jira_site: JiraSiteOpt = None,
    legacy_search: LegacySearchOpt = False,
    jira_email: JiraEmailOpt = DEMO_CREDENTIALS["jira"]["email"],
    jira_token: JiraTokenOpt = DEMO_CREDENTIALS["jira"]["api_token"],
    trello_key: TrelloKeyOpt = DEMO_CREDENTIALS["trello"]["api_key"],
    trello_token: TrelloTokenOpt = DEMO_CREDENTIALS["trello"]["token"],
    trello_secret: TrelloSecretOpt = DEMO_CREDENTIALS["trello"]["app_secret"],
    asana_token: AsanaTokenOpt = DEMO_CREDENTIALS["asana"]["access_token"],
    asana_plan: AsanaPlanOpt = AsanaPlanChoice.PAID,
) -> None:
    """Run the Jira, Trello and Asana emulators together (one organisation, one process)."""
    values = dict(locals())
    ports = [
        ("jira", values.pop("jira_port")),
        ("trello", values.pop("trello_port")),
        ("asana", values.pop("asana_port")),
    ]
    _run(ports, _options(values))
