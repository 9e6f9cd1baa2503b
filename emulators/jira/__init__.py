"""The Jira Cloud emulator: platform REST v3 (and v2), Agile 1.0 and admin webhooks on the shared engine."""

from emulators.jira.app import build_app
from emulators.jira.auth import DEMO_EMAIL, DEMO_TOKEN
from emulators.registry import VendorPlugin

__all__ = ["PLUGIN", "build_app"]

PLUGIN = VendorPlugin(
    name="jira",
    build_app=build_app,
    default_port=8101,
    credentials={"email": DEMO_EMAIL, "api_token": DEMO_TOKEN},
)
