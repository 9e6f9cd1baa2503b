"""Trello has no status categories: Baton's built-in vocabulary of list names stands in for one.

The policy's per-team overrides still win (the classifier sees this as the "vendor category"). A list name
outside the vocabulary has no vendor category, so without an override it becomes ``unknown``.
"""

from __future__ import annotations

from connectors.vocabulary import STATUS_NAME_VOCABULARY, category_of_status_name, normalise_status_name

__all__ = ["DEFAULT_LIST_CATEGORIES", "list_category", "normalise_list_name"]

# Trello's names for the shared vocabulary (connectors/vocabulary.py).
DEFAULT_LIST_CATEGORIES = STATUS_NAME_VOCABULARY
normalise_list_name = normalise_status_name
list_category = category_of_status_name
