"""The organisation's reference workflow and the drifted variants some teams use."""

from __future__ import annotations

from enum import StrEnum

from emulators.org.model import Status, StatusCategory, StatusKind, Vendor, Workflow

__all__ = ["RECOGNISED_STATUS_NAMES", "REFERENCE_WORKFLOW", "WorkflowVariant", "build_workflow"]

_C = StatusCategory
_K = StatusKind
BACKLOG = Status("Backlog", _K.BACKLOG, _C.BACKLOG)
TODO = Status("To Do", _K.TODO, _C.TODO)
IN_PROGRESS = Status("In Progress", _K.IN_PROGRESS, _C.IN_PROGRESS)
REVIEW = Status("In Review", _K.REVIEW, _C.IN_PROGRESS)
QA = Status("QA", _K.QA, _C.IN_PROGRESS)
BLOCKED = Status("Blocked", _K.BLOCKED, _C.IN_PROGRESS)
READY = Status("Ready for Release", _K.READY_FOR_RELEASE, _C.IN_PROGRESS)
DONE = Status("Done", _K.DONE, _C.DONE)
WONT_DO = Status("Won't Do", _K.CANCELLED, _C.CANCELLED)
# Columns a team invented that no default name mapping covers (R18); only on Trello lists and Asana sections.
INVENTED = (
    Status("Waiting on Legal", _K.INVENTED, _C.TODO),
    Status("Parking Lot", _K.INVENTED, _C.TODO),
    Status("Needs Love", _K.INVENTED, _C.TODO),
)

REFERENCE_WORKFLOW = Workflow("reference", (BACKLOG, TODO, IN_PROGRESS, REVIEW, DONE, WONT_DO), drifted=False)

# Raw names a default name-based mapping is expected to cover (documented in docs/emulators.md).
RECOGNISED_STATUS_NAMES = frozenset(
    s.name.lower() for s in (BACKLOG, TODO, IN_PROGRESS, REVIEW, QA, BLOCKED, READY, DONE, WONT_DO)
)


class WorkflowVariant(StrEnum):
    """How a team's workflow drifts from the reference."""

    REFERENCE = "reference"
    QA = "qa"
    BLOCKED = "blocked"
    READY_FOR_RELEASE = "ready_for_release"
    QA_AND_BLOCKED = "qa_and_blocked"
    INVENTED = "invented"


def build_workflow(variant: WorkflowVariant, vendor: Vendor, invented: int = 0) -> Workflow:
    """The statuses of a variant; INVENTED becomes BLOCKED on Jira, where every status has a category."""
    if variant is WorkflowVariant.INVENTED and vendor is Vendor.JIRA:
        variant = WorkflowVariant.BLOCKED
    middle: tuple[Status, ...] = {
        WorkflowVariant.REFERENCE: (IN_PROGRESS, REVIEW),
        WorkflowVariant.QA: (IN_PROGRESS, REVIEW, QA),
        WorkflowVariant.BLOCKED: (IN_PROGRESS, BLOCKED, REVIEW),
        WorkflowVariant.READY_FOR_RELEASE: (IN_PROGRESS, REVIEW, READY),
        WorkflowVariant.QA_AND_BLOCKED: (IN_PROGRESS, BLOCKED, REVIEW, QA),
        WorkflowVariant.INVENTED: (IN_PROGRESS, REVIEW),
    }[variant]
    extra = (INVENTED[invented % len(INVENTED)],) if variant is WorkflowVariant.INVENTED else ()
    statuses = (BACKLOG, TODO, *extra, *middle, DONE, WONT_DO)
    return Workflow(variant.value, statuses, drifted=variant is not WorkflowVariant.REFERENCE)
