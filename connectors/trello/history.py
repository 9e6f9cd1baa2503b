"""Folding a newest-first stream of board actions into per-card histories. Pure (no HTTP).

A full pull reads cards newest first and actions newest first side by side: once the action stream has
passed the creation second of the oldest card of a page, every action of that page's cards has been seen,
so their histories are complete and leave the buffer. Only actions of older cards that happened after
that second stay buffered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.records import PersonIn, TransitionIn
from connectors.trello.mapping import BoardContext, CardHistory, action_card_id, action_transitions, map_member

__all__ = ["HistoryFold"]


@dataclass(slots=True)
class _CardLog:
    latest_action_id: str
    transitions: list[TransitionIn] = field(default_factory=list)


class HistoryFold:
    """Collects actions (newest first) per card; ``pop`` hands a card's history over, oldest first."""

    def __init__(self, context: BoardContext) -> None:
        self.context = context
        self._cards: dict[str, _CardLog] = {}
        self._people: dict[str, PersonIn] = {}
        self._people_seen: set[str] = set()
        self.deleted: list[str] = []

    def add(self, action: Mapping[str, Any]) -> str | None:
        """Fold one action (newer ones must come first); returns the card it touched."""
        card_id = action_card_id(action)
        creator = action.get("memberCreator")
        if isinstance(creator, Mapping) and creator.get("id") and creator["id"] not in self._people_seen:
            self._people_seen.add(str(creator["id"]))
            self._people[str(creator["id"])] = map_member(creator)
        if card_id is None:
            return None
        if action.get("type") == "deleteCard":
            self.deleted.append(card_id)
        log = self._cards.get(card_id)
        if log is None:
            log = self._cards[card_id] = _CardLog(str(action.get("id") or ""))
        log.transitions.extend(action_transitions(action, self.context))
        return card_id

    def pop(self, card_id: str) -> CardHistory:
        """The history of a card (empty if no action was seen), removed from the buffer."""
        log = self._cards.pop(card_id, None)
        if log is None:
            return CardHistory()
        ordered = sorted(log.transitions, key=lambda t: (t.changed_at, t.event_id, t.field))
        return CardHistory(tuple(ordered), log.latest_action_id)

    def take_people(self) -> tuple[PersonIn, ...]:
        """Action authors met since the last call."""
        people = tuple(self._people.values())
        self._people.clear()
        return people

    @property
    def buffered_cards(self) -> int:
        """Cards whose actions are held, waiting for the card page that lists them."""
        return len(self._cards)
