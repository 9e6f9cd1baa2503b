"""The per-team workflow as Jira transitions: every status of the team's workflow is reachable from any other."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.org.model import Item, Status

if TYPE_CHECKING:
    from emulators.jira.render import View

__all__ = ["find_transition", "transition_id", "transitions_of"]


def transition_id(position: int) -> str:
    """Jira-style transition ids: 11, 21, 31... by the target's position in the workflow."""
    return str(11 + 10 * position)


def _available(view: View, item: Item) -> list[tuple[int, Status]]:
    workflow = view.site.teams[item.team].workflow
    return [(i, s) for i, s in enumerate(workflow.statuses) if s.name != item.status]


def transitions_of(view: View, item: Item) -> list[dict[str, Any]]:
    """The transitions an issue offers now (to every other status of its team's workflow)."""
    return [
        {
            "id": transition_id(position),
            "name": status.name,
            "to": view.status(status.name),
            "hasScreen": False,
            "isGlobal": True,
            "isInitial": False,
            "isAvailable": True,
            "isConditional": False,
            "isLooped": False,
        }
        for position, status in _available(view, item)
    ]


def find_transition(view: View, item: Item, transition: str) -> Status | None:
    """The target status of an available transition, by id or name."""
    for position, status in _available(view, item):
        if transition in (transition_id(position), status.name):
            return status
    return None
