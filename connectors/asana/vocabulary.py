"""Asana has no status categories: a section's name gives the vendor category, ``completed`` overrides it.

The built-in vocabulary (``connectors/vocabulary.py``, shared with Trello and rule R18; case- and
space-insensitive section names), in short:

============================================================  ===============
section name                                                   category
============================================================  ===============
Backlog, Icebox, Ideas                                         backlog
To Do, Todo, Ready, Up Next, Next, Selected for Development   todo
In Progress, Doing, WIP, In Review, (Code) Review, QA,         in_progress
Testing, Blocked, Ready for Release
Done, Complete, Completed, Shipped, Released                   done
Won't Do, Wont Do, Cancelled, Canceled, Rejected               cancelled
============================================================  ===============

A completed task is ``done``, or ``cancelled`` when its section says so; an open task in a done or
cancelled column keeps the column's category (boards often skip ticking completion). Any other name gives no vendor
category: the policy's mapping may still classify it, else the item is ``unknown`` (and a finding says so).
"""

from __future__ import annotations

from connectors.vocabulary import STATUS_NAME_VOCABULARY, category_of_status_name
from models.enums import StatusCategory

__all__ = ["SECTION_VOCABULARY", "category_of_section", "vendor_category"]

_C = StatusCategory
# Asana's names for the shared vocabulary (connectors/vocabulary.py).
SECTION_VOCABULARY = STATUS_NAME_VOCABULARY
category_of_section = category_of_status_name


def vendor_category(section_name: str, completed: bool) -> StatusCategory | None:
    """Asana's own verdict: ``completed`` first (done, or cancelled per the section), then the section name."""
    by_name = category_of_section(section_name)
    if completed:
        return _C.CANCELLED if by_name is _C.CANCELLED else _C.DONE
    # An open task in a "Done" column: boards often skip ticking completion, so the column is believed.
    return by_name
