"""Enumerations the policy file uses (core/ imports nothing of models/, so they are spelled here)."""

from enum import StrEnum

__all__ = ["ContainerKind", "ItemType", "MappedCategory", "RuleId", "Severity", "Vendor"]


class Vendor(StrEnum):
    """The tools Baton reads from."""

    JIRA = "jira"
    TRELLO = "trello"
    ASANA = "asana"


class MappedCategory(StrEnum):
    """A status category a mapping may assign (``unknown`` is what an unmapped status gets, never a target)."""

    BACKLOG = "backlog"
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Severity(StrEnum):
    """How much a finding matters; weighs in the hygiene score."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ContainerKind(StrEnum):
    """What a team's container is in its tool."""

    PROJECT = "project"
    BOARD = "board"
    LIST = "list"
    SECTION = "section"


class ItemType(StrEnum):
    """The normalised work item types an exemption may name."""

    EPIC = "epic"
    STORY = "story"
    TASK = "task"
    BUG = "bug"
    SUBTASK = "subtask"
    OTHER = "other"


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
