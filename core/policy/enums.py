"""Enumerations the policy file uses: its own (mapped categories, rule ids) and the shared ``core.enums``."""

from enum import StrEnum

from core.enums import ContainerKind, ItemType, Severity, Vendor

__all__ = ["AsanaPlan", "ContainerKind", "ItemType", "MappedCategory", "RuleId", "Severity", "Vendor"]


class MappedCategory(StrEnum):
    """A status category a mapping may assign (``unknown`` is what an unmapped status gets, never a target)."""

    BACKLOG = "backlog"
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class AsanaPlan(StrEnum):
    """The Asana plan of a workspace: its API rate limit is 150 requests a minute on free, 1,500 on paid plans."""

    FREE = "free"
    PAID = "paid"


class RuleId(StrEnum):
    """The rule catalogue's identifiers."""

    R01 = "R01"
    R02 = "R02"
    R03 = "R03"
    R04 = "R04"
    R05 = "R05"
    R06 = "R06"
    R07 = "R07"
    R08 = "R08"
    R09 = "R09"
    R10 = "R10"
    R11 = "R11"
    R12 = "R12"
    R13 = "R13"
    R14 = "R14"
    R15 = "R15"
    R16 = "R16"
    R17 = "R17"
    R18 = "R18"
    R19 = "R19"
    R20 = "R20"
