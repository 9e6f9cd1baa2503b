"""Baton's local vendor emulators: the shared engine (clock, org generator, faults, limits, webhooks)."""
