"""The organisation's reference workflow (rules R12 and R20 compare teams against it)."""

from __future__ import annotations

from pydantic import Field

from core.policy.base import PolicyModel, Text
from core.policy.enums import MappedCategory
from core.policy.status_mapping import normalise_status

__all__ = ["Workflow", "WorkflowState"]


class WorkflowState(PolicyModel):
    """One state of the reference workflow."""

    name: Text = Field(description="The state's name, as teams should spell it, e.g. In Review.")
    category: MappedCategory = Field(description="backlog, todo, in_progress, done or cancelled.")


class Workflow(PolicyModel):
    """States in order, and the transitions allowed between them (none listed: any transition is allowed)."""

    states: list[WorkflowState] = Field(default_factory=list, description="The states, in their usual order.")
    transitions: dict[Text, list[Text]] = Field(
        default_factory=dict, description="From state -> the states it may move to. Omit to allow any transition."
    )

    def state(self, name: str) -> WorkflowState | None:
        """The state called ``name`` (case-insensitive), or ``None``."""
        wanted = normalise_status(name)
        return next((state for state in self.states if normalise_status(state.name) == wanted), None)

    def allows(self, source: str, target: str) -> bool:
        """Whether the reference workflow allows moving from ``source`` to ``target``."""
        if not self.transitions:
            return True
        wanted = normalise_status(source)
        for origin, targets in self.transitions.items():
            if normalise_status(origin) == wanted:
                return normalise_status(target) in {normalise_status(name) for name in targets}
        return False
