"""Asana API 1.0."""
