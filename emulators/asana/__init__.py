"""The Asana API 1.0 emulator on the shared engine (`baton emulate asana`)."""

from emulators.asana.app import build_app
from emulators.asana.settings import DEFAULT_ACCESS_TOKEN
from emulators.registry import VendorPlugin

__all__ = ["PLUGIN", "build_app"]

PLUGIN = VendorPlugin(
    name="asana",
    build_app=build_app,
    default_port=8103,
    credentials={"access_token": DEFAULT_ACCESS_TOKEN},
)
