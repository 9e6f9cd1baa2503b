"""The Trello REST v1 emulator: boards, lists, cards, actions, webhooks and rate limits under `/1`."""

from emulators.registry import VendorPlugin
from emulators.trello.app import DEFAULT_CREDENTIALS, build_app

__all__ = ["PLUGIN", "build_app"]

PLUGIN = VendorPlugin(
    name="trello",
    build_app=build_app,
    default_port=8102,
    credentials=dict(DEFAULT_CREDENTIALS),
)
