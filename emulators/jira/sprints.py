"""Which sprints an issue's Sprint field lists: the closed sprints it was in, then its current sprint."""

from __future__ import annotations

from emulators.jira.site import JiraSite
from emulators.org.model import Event, EventKind, Item, Sprint, SprintState

__all__ = ["sprint_field"]


def sprint_field(site: JiraSite, item: Item, events: tuple[Event, ...]) -> list[Sprint]:
    """The sprints of an issue's Sprint field, in the order it entered them."""
    seen: dict[int, None] = {}
    for event in events:
        if event.kind is EventKind.SPRINT and event.after is not None:
            seen[int(event.after)] = None
    result = []
    for sprint_id in seen:
        sprint = site.sprint(sprint_id)
        if sprint is not None and (sprint_id == item.sprint or sprint.state is SprintState.CLOSED):
            result.append(sprint)
    return result
