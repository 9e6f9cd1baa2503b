"""Random human-like changes (transitions, reassignments, comments, completions, deletions)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from emulators.org.model import EventKind, Item, StatusCategory, StatusKind, Vendor
from emulators.org.timeline import encode_estimate
from emulators.store import ItemStore

__all__ = ["DEFAULT_WEIGHTS", "ActivityGenerator", "MutationKind", "MutationResult"]

_COMMENTS = ("Quick update: making progress.", "Blocked on review, will ping.", "Ready for another look.")


class MutationKind(StrEnum):
    """Kinds of simulated activity."""

    TRANSITION = "transition"
    REASSIGN = "reassign"
    COMMENT = "comment"
    COMPLETE = "complete"
    ESTIMATE = "estimate"
    DELETE = "delete"


DEFAULT_WEIGHTS: dict[MutationKind, float] = {
    MutationKind.TRANSITION: 0.35,
    MutationKind.REASSIGN: 0.15,
    MutationKind.COMMENT: 0.3,
    MutationKind.COMPLETE: 0.1,
    MutationKind.ESTIMATE: 0.08,
    MutationKind.DELETE: 0.02,
}


@dataclass(frozen=True)
class MutationResult:
    """One applied change."""

    kind: MutationKind
    index: int
    external_id: str
    key: str
    item: Item

    def to_json(self) -> dict[str, object]:
        """Control-API view."""
        return {
            "kind": self.kind.value,
            "id": self.external_id,
            "key": self.key,
            "status": self.item.status,
            "deleted": self.item.deleted,
        }


class ActivityGenerator:
    """Picks random live items and applies random changes by random human team members."""

    def __init__(self, store: ItemStore, rng: random.Random, weights: dict[MutationKind, float] | None = None):
        self.store = store
        self.rng = rng
        self.weights = dict(weights or DEFAULT_WEIGHTS)

    def burst(self, count: int, kinds: list[MutationKind] | None = None) -> list[MutationResult]:
        """Apply `count` random changes (optionally only of some kinds)."""
        results = []
        for _ in range(count):
            result = self.apply_random(kinds)
            if result is not None:
                results.append(result)
        return results

    def apply_random(self, kinds: list[MutationKind] | None = None) -> MutationResult | None:
        """Apply one random change; None if no live item was found after a few tries."""
        choices = [k for k in self.weights if kinds is None or k in kinds]
        kind = self.rng.choices(choices, weights=[self.weights[k] for k in choices])[0]
        for _ in range(8):
            index = self.rng.randrange(self.store.org.item_count(self.store.vendor))
            item = self.store.get(index)
            if item is None:
                continue
            after = self._apply(kind, item)
            if after is not None:
                return MutationResult(kind, index, after.external_id, after.key, after)
        return None

    def _apply(self, kind: MutationKind, item: Item) -> Item | None:
        store, vendor = self.store, self.store.vendor
        team = store.org.team(vendor, item.team)
        author = self.rng.choice(team.members)
        if kind is MutationKind.COMMENT:
            return store.apply(item.index, EventKind.COMMENT, self.rng.choice(_COMMENTS), author)
        if kind is MutationKind.REASSIGN:
            return store.apply(item.index, EventKind.ASSIGNEE, str(self.rng.choice(team.people)), author)
        if kind is MutationKind.ESTIMATE:
            points = encode_estimate(self.rng.choice((1.0, 2.0, 3.0, 5.0, 8.0)))
            return store.apply(item.index, EventKind.ESTIMATE, points, author)
        if kind is MutationKind.DELETE:
            return store.delete(item.index, author)
        if not item.status_category.is_open:
            return None
        workflow = team.workflow
        if kind is MutationKind.COMPLETE:
            target = workflow.by_kind(StatusKind.DONE)
        else:
            path = [s for s in workflow.statuses if s.kind not in (StatusKind.CANCELLED, StatusKind.INVENTED)]
            position = next((i for i, s in enumerate(path) if s.name == item.status), 0)
            target = path[min(position + 1, len(path) - 1)]
        if target is None or target.name == item.status:
            return None
        after = store.apply(item.index, EventKind.STATUS, target.name, author)
        if vendor is Vendor.JIRA and target.category is StatusCategory.DONE:
            after = store.apply(item.index, EventKind.RESOLUTION, "Done", author)
        return after
