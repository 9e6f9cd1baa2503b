"""The status names a default name-based mapping covers (Trello lists and Asana sections carry no category).

Used only for a list or section that holds no item yet: an item's own category (from its connector, or the
policy) always wins. A name outside this table and outside the policy's ``status_mapping`` is unmapped (R18).
"""

from __future__ import annotations

from connectors.vocabulary import STATUS_NAME_VOCABULARY, category_of_status_name
from models.enums import StatusCategory

__all__ = ["DEFAULT_STATUS_NAMES", "default_category"]

# The connectors' vocabulary: R18 treats an empty column exactly as a connector would classify its items.
DEFAULT_STATUS_NAMES = STATUS_NAME_VOCABULARY


def default_category(raw: str) -> StatusCategory | None:
    """The default category of a status name, or None when the table does not cover it."""
    return category_of_status_name(raw)
