"""Benchmarks: each module measures one thing and records it with the command that reproduces it."""
