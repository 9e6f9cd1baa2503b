"""The hygiene score's weights: how much an open finding of each severity costs."""

from __future__ import annotations

from pydantic import Field, NonNegativeFloat

from core.policy.base import PolicyModel
from core.policy.enums import Severity

__all__ = ["Hygiene", "SeverityWeights"]


class SeverityWeights(PolicyModel):
    """Weight of an open finding by severity (the score is 100 minus the weighted share of items with findings)."""

    info: NonNegativeFloat = Field(default=0, description="Weight of an info finding.")
    low: NonNegativeFloat = Field(default=1, description="Weight of a low finding.")
    medium: NonNegativeFloat = Field(default=2, description="Weight of a medium finding.")
    high: NonNegativeFloat = Field(default=4, description="Weight of a high finding.")

    def weight(self, severity: Severity) -> float:
        """The weight of ``severity``."""
        return float(getattr(self, severity.value))


class Hygiene(PolicyModel):
    """Hygiene score settings."""

    weights: SeverityWeights = Field(default_factory=SeverityWeights, description="Weights by severity.")
