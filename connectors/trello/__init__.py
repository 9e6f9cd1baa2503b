"""Trello REST v1."""
