"""Vendor connectors: one package per vendor, plus the protocol, the error tree and the one HTTP policy."""
