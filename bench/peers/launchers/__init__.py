"""Launchers that start peer extractors against local emulators (run with the peer's own interpreter)."""
