"""Vendor plugins: name -> factory building the ASGI app from an EmulatorConfig, plus demo credentials."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.types import ASGIApp

from emulators.config import EmulatorConfig

__all__ = [
    "BUILTIN_VENDOR_MODULES",
    "VendorPlugin",
    "discover_vendors",
    "get_vendor",
    "register",
    "registered",
]

# Each of these packages, once it exists, exposes `PLUGIN: VendorPlugin` in its __init__.py.
BUILTIN_VENDOR_MODULES = {"jira": "emulators.jira", "trello": "emulators.trello", "asana": "emulators.asana"}


@dataclass(frozen=True)
class VendorPlugin:
    """How the CLI starts a vendor emulator and writes its connection into a policy file."""

    name: str
    build_app: Callable[[EmulatorConfig], ASGIApp]
    default_port: int
    credentials: dict[str, str] = field(default_factory=dict)
    webhook_secret: str | None = None
    base_path: str = ""


_PLUGINS: dict[str, VendorPlugin] = {}


def register(plugin: VendorPlugin) -> VendorPlugin:
    """Make a vendor available to the CLI (replaces an earlier registration of the same name)."""
    _PLUGINS[plugin.name] = plugin
    return plugin


def discover_vendors() -> dict[str, VendorPlugin]:
    """Import the built-in vendor packages that exist and register their PLUGIN; return all registered."""
    for name, module_name in BUILTIN_VENDOR_MODULES.items():
        if name in _PLUGINS:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        plugin = getattr(module, "PLUGIN", None)
        if isinstance(plugin, VendorPlugin):
            register(plugin)
    return registered()


def registered() -> dict[str, VendorPlugin]:
    """The registered plugins by name."""
    return dict(_PLUGINS)


def get_vendor(name: str) -> VendorPlugin:
    """A registered plugin (after discovery); KeyError with the known names otherwise."""
    plugins = discover_vendors()
    if name not in plugins:
        known = ", ".join(sorted(plugins)) or "none yet"
        raise KeyError(f"no emulator registered for {name!r} (registered: {known})")
    return plugins[name]
