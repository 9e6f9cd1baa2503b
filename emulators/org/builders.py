"""Scenario recipes: each writes a timed history whose folded state is exactly what the scenario promises."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

from emulators.org.generator import DAY, Organisation, Salt
from emulators.org.layout import PairKind, Slot
from emulators.org.model import (
    CrossLink,
    EventKind,
    GeneratedItem,
    Item,
    ItemType,
    LinkKind,
    Status,
    StatusKind,
    Team,
    Vendor,
)
from emulators.org.scenarios import Scenario
from emulators.org.timeline import ItemBuilder, encode_estimate, encode_labels
from emulators.org.words import make_title, near_duplicate

__all__ = ["build_item"]

HOUR = 3600.0
S = Scenario
_POINTS = (1.0, 2.0, 3.0, 5.0, 8.0)
_COMMENTS = (
    "Picked this up, first pass today.",
    "Can we confirm the acceptance criteria with design?",
    "Pushed a draft, feedback welcome.",
    "Moved to next week, waiting on the API change.",
    "Customer asked about this again on the support call.",
    "Still relevant after the last release?",
    "Added screenshots of the current behaviour.",
    "Pairing on this tomorrow morning.",
)
_BOT_COMMENTS = ("Automated reminder: this item has a due date soon.", "Synced from the release pipeline.")


class Draft:
    """The context a recipe writes into: rng, timeline builder and shorthands for common changes."""

    def __init__(self, org: Organisation, vendor: Vendor, index: int, slot: Slot) -> None:
        self.org = org
        self.vendor = vendor
        self.index = index
        self.slot = slot
        self.team: Team = org.team_of(vendor, index)
        self.now = org.now
        self.rng = org.rng(vendor, index, Salt.ITEM)
        self.created = org.created_at(vendor, index)
        self.workflow = self.team.workflow
        self.bot = org.bot(vendor).id
        self.builder: ItemBuilder | None = None

    def start(self, item_type: ItemType, status: StatusKind, title: str, description: str, **extra: object) -> None:
        """Create the item at its creation time in `status`."""
        identity = self.org.identity(self.vendor, self.index, self.created)
        parent: int | None = None
        if self.slot.parent_offset:
            parent = self.index + self.slot.parent_offset
        elif item_type is not ItemType.EPIC:
            parent = self.org.epic_of(self.vendor, self.team, self.slot)
        labels = tuple(sorted(self.rng.sample(self.team.labels, self.rng.randrange(3))))
        initial = Item(
            vendor=self.vendor,
            index=self.index,
            team=self.team.index,
            number=self.index - self.team.start + 1,
            external_id=identity.external_id,
            key=identity.key,
            url=identity.url,
            type=item_type,
            title=title,
            description=description,
            status=self.status_name(status),
            status_category=self._status(status).category,
            assignee=None,
            reporter=self.person(),
            labels=labels,
            estimate=None,
            due=None,
            sprint=None,
            parent=extra.get("parent", parent),  # type: ignore[arg-type]
            flagged=False,
            resolution=None,
            links=extra.get("links", ()),  # type: ignore[arg-type]
            created_at=self.created,
            updated_at=self.created,
            resolved_at=None,
            last_activity_at=self.created,
        )
        self.builder = ItemBuilder(initial, self.workflow, self.org.is_bot)
        self.reporter = initial.reporter
        self.labels = labels

    def _status(self, kind: StatusKind) -> Status:
        status = self.workflow.by_kind(kind)
        if status is None and kind in (StatusKind.REVIEW, StatusKind.QA, StatusKind.READY_FOR_RELEASE):
            status = self.workflow.by_kind(StatusKind.IN_PROGRESS)
        if status is None:
            raise ValueError(f"workflow {self.workflow.name} has no {kind} status")
        return status

    def status_name(self, kind: StatusKind) -> str:
        """Raw name of the team's status of a kind (review falls back to In Progress)."""
        return self._status(kind).name

    def title(self) -> str:
        """This item's generated title."""
        return make_title(self.org.title_number(self.vendor, self.index))

    def person(self) -> int:
        """A random person of the team (members and guests)."""
        return self.rng.choice(self.team.people)

    def change(self, at: float, kind: EventKind, value: str | None, author: int | None = None) -> None:
        """Record one change (by a random team person unless given)."""
        assert self.builder is not None
        # Nothing happens before creation or after now, whatever a recipe's ranges say.
        at = min(max(at, self.created + 1.0), self.now)
        self.builder.change(at, self.person() if author is None else author, kind, value)

    def move(self, at: float, kind: StatusKind, author: int | None = None) -> None:
        """Transition to the team's status of `kind`."""
        self.change(at, EventKind.STATUS, self.status_name(kind), author)

    def comment(self, at: float, author: int | None = None) -> None:
        """A human comment (or a bot's when author is the bot)."""
        text = self.rng.choice(_BOT_COMMENTS if author == self.bot else _COMMENTS)
        self.change(at, EventKind.COMMENT, text, author)

    def recent_comment(self, max_days: float, min_days: float = 0.05) -> None:
        """A human comment between `min_days` and `max_days` ago."""
        self.comment(self.now - self.rng.uniform(min_days, max_days) * DAY)

    def estimate(self, at: float, small: bool = False) -> None:
        """Set story points."""
        points = self.rng.choice(_POINTS[:3] if small else _POINTS)
        self.change(at, EventKind.ESTIMATE, encode_estimate(points), self.reporter)

    def assign(self, at: float, person: int) -> None:
        """Set the assignee."""
        self.change(at, EventKind.ASSIGNEE, str(person))

    def sprint(self, at: float, sprint_id: int | None) -> None:
        """Move the item into a sprint (Jira only)."""
        if self.vendor is Vendor.JIRA:
            self.change(at, EventKind.SPRINT, None if sprint_id is None else str(sprint_id))

    def resolve(self, at: float, resolution: str | None, author: int | None = None) -> None:
        """Set or clear the Jira resolution."""
        if self.vendor is Vendor.JIRA:
            self.change(at, EventKind.RESOLUTION, resolution, author)

    def block(self, at: float, author: int) -> None:
        """Block the item: the team's Blocked column if any, else a `blocked` label (and a Jira flag)."""
        if self.workflow.by_kind(StatusKind.BLOCKED) is not None:
            self.move(at, StatusKind.BLOCKED, author)
            return
        self.change(at, EventKind.LABELS, encode_labels((*self.labels, "blocked")), author)
        if self.vendor is Vendor.JIRA:
            self.change(at, EventKind.FLAG, "true", author)

    def walk_to_done(self, started: float, done: float, assignee: int, *, resolution: bool = True) -> None:
        """Assign, pass every in-progress column in order, reach Done; comments along the way."""
        self.assign(started, assignee)
        path = self.workflow.progress_path()
        for step, status in enumerate(path):
            at = started + (done - started) * step / (len(path) + 0.5)
            self.change(at, EventKind.STATUS, status.name, assignee)
        finisher = self.bot if self.rng.random() < 0.2 else assignee
        self.move(done, StatusKind.DONE, finisher)
        if resolution:
            self.resolve(done, "Done", finisher)
        for _ in range(self.rng.randrange(3)):
            self.comment(self.rng.uniform(self.created, done))

    def build(self) -> GeneratedItem:
        """Fold the recorded history."""
        assert self.builder is not None
        item, events = self.builder.build()
        return GeneratedItem(item, events)


def _estimable(rng: random.Random) -> ItemType:
    draw = rng.random()
    return ItemType.STORY if draw < 0.5 else ItemType.TASK if draw < 0.75 else ItemType.BUG


def _description(rng: random.Random) -> str:
    return rng.choice(
        (
            "As a customer I want this to work reliably so that I can finish my task.",
            "Steps to reproduce are in the support ticket. Expected and actual behaviour below.",
            "Follow-up from the planning session; see the design notes.",
            "",
        )
    )


def _future_due(d: Draft) -> None:
    if d.rng.random() < 0.25:
        due = datetime.fromtimestamp(d.now + d.rng.uniform(3, 60) * DAY, tz=UTC).date()
        d.change(d.created + HOUR, EventKind.DUE, due.isoformat(), d.reporter)


def _open_item(
    d: Draft,
    status: StatusKind = StatusKind.TODO,
    *,
    estimate: bool = True,
    assign: bool = True,
    **extra: object,
) -> None:
    """A healthy open item: estimated, maybe assigned, recent human activity."""
    item_type = extra.pop("item_type", None) or _estimable(d.rng)
    d.start(item_type, status, extra.pop("title", None) or d.title(), _description(d.rng), **extra)  # type: ignore[arg-type]
    if estimate and item_type.estimable:  # type: ignore[attr-defined]
        d.estimate(d.created + 0.1 * HOUR)
    if assign and d.rng.random() < 0.5:
        d.assign(d.created + HOUR, d.person())


def _todo(d: Draft) -> None:
    _open_item(d)
    _future_due(d)
    d.recent_comment(10)


def _backlog(d: Draft) -> None:
    _open_item(d, StatusKind.BACKLOG, estimate=d.rng.random() < 0.5)
    if d.now - d.created > 55 * DAY:
        d.recent_comment(55, 1)


def _done_times(d: Draft, rng: random.Random, created: float) -> tuple[float, float]:
    started = created + rng.uniform(0.2, 10) * DAY
    return started, started + rng.uniform(3, 12) * DAY


def _add_closed_sprint(d: Draft, done: float) -> None:
    if d.vendor is not Vendor.JIRA:
        return
    sprint = d.org.closed_sprint_at(d.team.index, done)
    if sprint is not None:
        d.sprint(max(d.created + HOUR, sprint.start - HOUR), sprint.id)


def _done(d: Draft, *, resolution: bool = True, item_type: ItemType | None = None) -> None:
    d.start(item_type or _estimable(d.rng), StatusKind.TODO, d.title(), _description(d.rng))
    d.estimate(d.created + 0.1 * HOUR)
    started, done = _done_times(d, d.rng, d.created)
    d.walk_to_done(started, done, d.person(), resolution=resolution)
    _add_closed_sprint(d, done)


def _cancelled(d: Draft) -> None:
    d.start(_estimable(d.rng), StatusKind.TODO, d.title(), _description(d.rng))
    at = d.created + d.rng.uniform(1, 20) * DAY
    author = d.person()
    d.move(at, StatusKind.CANCELLED, author)
    d.resolve(at, "Won't Do", author)


def _epic(d: Draft) -> None:
    d.start(ItemType.EPIC, StatusKind.TODO, "Epic: " + d.title(), _description(d.rng))
    d.assign(d.created + HOUR, d.rng.choice(d.team.members))
    d.recent_comment(10)


def _active_sprint_add(d: Draft, late: bool = False) -> None:
    if d.vendor is not Vendor.JIRA:
        return
    sprint = d.org.active_sprint(d.team.index)
    if late:
        d.sprint(sprint.start + d.rng.uniform(1.5 * DAY, d.now - sprint.start - 0.2 * DAY), sprint.id)
    else:
        d.sprint(sprint.start - HOUR, sprint.id)


def _wip(d: Draft, person: int | None, *, max_start_days: float = 3.0) -> None:
    _open_item(d, assign=person is not None)
    _active_sprint_add(d)
    started = d.now - d.rng.uniform(0.5, max_start_days) * DAY
    author = person if person is not None else d.person()
    if person is not None:
        d.assign(started, person)
    d.move(started, StatusKind.IN_PROGRESS, author)
    return None


def _seat(d: Draft) -> int:
    assert d.slot.seat is not None
    return d.org.seat_person(d.vendor, d.team.index, d.slot.seat)


def _wip_normal(d: Draft) -> None:
    _wip(d, _seat(d))
    d.recent_comment(1)


def _wip_review(d: Draft) -> None:
    person = _seat(d)
    _open_item(d)
    _active_sprint_add(d)
    started = d.now - d.rng.uniform(1, 3) * DAY
    d.assign(started, person)
    d.move(started, StatusKind.IN_PROGRESS, person)
    d.move(d.now - d.rng.uniform(0.2, 0.9) * DAY, StatusKind.REVIEW, person)


def _wip_blocked(d: Draft, *, long: bool) -> None:
    person = _seat(d)
    _open_item(d)
    _active_sprint_add(d)
    started = d.now - (d.rng.uniform(4.5, 5.5) if long else d.rng.uniform(2, 3)) * DAY
    blocked = d.now - (d.rng.uniform(3.5, 4.4) if long else d.rng.uniform(0.5, 1.9)) * DAY
    d.assign(started, person)
    d.move(started, StatusKind.IN_PROGRESS, person)
    d.block(blocked, person)
    d.recent_comment(1 if long else 0.4)


def _stale_wip(d: Draft) -> None:
    person = _seat(d)
    _open_item(d)
    _active_sprint_add(d)
    started = d.now - d.rng.uniform(5.6, 7.5) * DAY
    d.assign(started, person)
    d.move(started, StatusKind.IN_PROGRESS, person)
    d.comment(d.now - d.rng.uniform(0.1, 2) * DAY, d.bot)


def _aging_wip(d: Draft) -> None:
    person = _seat(d)
    _open_item(d)
    _active_sprint_add(d)
    started = d.now - d.rng.uniform(20, 45) * DAY
    d.assign(started, person)
    d.move(started, StatusKind.IN_PROGRESS, person)
    d.comment(started + d.rng.uniform(1, 5) * DAY, person)
    d.recent_comment(2)


def _wip_unassigned(d: Draft) -> None:
    _wip(d, None)
    d.recent_comment(1)


def _wip_overload(d: Draft) -> None:
    _wip(d, d.org.overloaded_person(d.vendor))
    d.recent_comment(1)


def _sprint_todo(d: Draft, *, estimate: bool = True, late: bool = False, small: bool = False) -> None:
    item_type = _estimable(d.rng)
    d.start(item_type, StatusKind.TODO, d.title(), _description(d.rng))
    if estimate:
        d.estimate(d.created + 0.1 * HOUR, small=small)
    _active_sprint_add(d, late=late)
    d.recent_comment(5)


def _sprint_done(d: Draft) -> None:
    d.start(_estimable(d.rng), StatusKind.TODO, d.title(), _description(d.rng))
    d.estimate(d.created + 0.1 * HOUR)
    if d.vendor is Vendor.JIRA:
        sprint = d.org.active_sprint(d.team.index)
        done = sprint.start + d.rng.uniform(0.3 * DAY, d.now - sprint.start - 0.3 * DAY)
        _active_sprint_add(d)
    else:
        done = d.now - d.rng.uniform(0.3, 6) * DAY
    d.walk_to_done(done - d.rng.uniform(3, 12) * DAY, done, d.person())


def _carry_over(d: Draft) -> None:
    d.start(_estimable(d.rng), StatusKind.TODO, d.title(), _description(d.rng))
    d.estimate(d.created + 0.1 * HOUR)
    sprints = d.org.sprints(d.team.index)
    active = next(i for i, s in enumerate(sprints) if s.id == d.org.active_sprint(d.team.index).id)
    two_back, one_back = sprints[active - 2], sprints[active - 1]
    d.sprint(two_back.start - HOUR, two_back.id)
    d.sprint(two_back.end, one_back.id)
    d.sprint(one_back.end, sprints[active].id)
    d.recent_comment(5)


def _stale_todo(d: Draft) -> None:
    _open_item(d)
    age_days = (d.now - d.created) / DAY
    d.comment(d.now - d.rng.uniform(33, min(44, age_days - 1)) * DAY)
    d.comment(d.now - d.rng.uniform(0.5, 10) * DAY, d.bot)


def _stale_backlog(d: Draft) -> None:
    _open_item(d, StatusKind.BACKLOG)
    label = encode_labels((*d.labels, "needs-triage"))
    d.change(d.now - d.rng.uniform(1, 30) * DAY, EventKind.LABELS, label, d.bot)


def _no_estimate(d: Draft) -> None:
    _open_item(d, estimate=False)
    d.recent_comment(10)


def _orphan(d: Draft) -> None:
    _open_item(d, parent=None)
    d.recent_comment(10)


def _overdue(d: Draft) -> None:
    _open_item(d)
    due = datetime.fromtimestamp(d.now - d.rng.uniform(2, 20) * DAY, tz=UTC).date()
    d.change(d.created + HOUR, EventKind.DUE, due.isoformat(), d.reporter)
    d.recent_comment(10)


def _reopened(d: Draft) -> None:
    _done_without_sprint(d, d.created)
    reopened = d.now - d.rng.uniform(2, 22) * DAY
    author = d.person()
    d.move(reopened, StatusKind.TODO, author)
    d.resolve(reopened, None, author)
    d.recent_comment(5)


def _done_without_sprint(d: Draft, created: float) -> None:
    d.start(_estimable(d.rng), StatusKind.TODO, d.title(), _description(d.rng))
    d.estimate(created + 0.1 * HOUR)
    started = created + d.rng.uniform(1, 5) * DAY
    d.walk_to_done(started, started + d.rng.uniform(3, 12) * DAY, d.person())


def _skipped_progress(d: Draft) -> None:
    d.start(_estimable(d.rng), StatusKind.TODO, d.title(), _description(d.rng))
    d.estimate(d.created + 0.1 * HOUR)
    person = d.person()
    d.assign(d.created + HOUR, person)
    done = d.created + d.rng.uniform(1, 20) * DAY
    d.move(done, StatusKind.DONE, person)
    d.resolve(done, "Done", person)
    _add_closed_sprint(d, done)


def _zombie(d: Draft) -> None:
    _open_item(d, StatusKind.BACKLOG, estimate=d.rng.random() < 0.5)
    d.recent_comment(20, 1)


def _open_with_resolution(d: Draft) -> None:
    _open_item(d)
    d.resolve(d.created + 2 * HOUR, "Done", d.reporter)
    d.recent_comment(10)


# ----- parents and subtasks
def _parent_rng(d: Draft) -> random.Random:
    return d.org.rng(d.vendor, d.index, Salt.PAIR)


def _parent_done(d: Draft) -> None:
    d.start(ItemType.STORY, StatusKind.TODO, d.title(), _description(d.rng))
    d.estimate(d.created + 0.1 * HOUR)
    started, done = _done_times(d, _parent_rng(d), d.created)
    d.walk_to_done(started, done, d.person())
    _add_closed_sprint(d, done)


def _subtask_done(d: Draft) -> None:
    parent = d.index + d.slot.parent_offset
    started, done = _done_times(d, d.org.rng(d.vendor, parent, Salt.PAIR), d.org.created_at(d.vendor, parent))
    started = max(started, d.created + HOUR)
    d.start(ItemType.SUBTASK, StatusKind.TODO, "Subtask: " + d.title(), "")
    span = done - started
    d.walk_to_done(started + span * d.rng.uniform(0, 0.3), done - span * d.rng.uniform(0, 0.1), d.person())


def _parent_open(d: Draft) -> None:
    _open_item(d, item_type=ItemType.STORY)
    d.recent_comment(10)


def _subtask_open(d: Draft) -> None:
    d.start(ItemType.SUBTASK, StatusKind.TODO, "Subtask: " + d.title(), "")
    d.recent_comment(10)


def _child_done_under_open(d: Draft) -> None:
    d.start(ItemType.SUBTASK, StatusKind.TODO, "Subtask: " + d.title(), "")
    done = d.now - d.rng.uniform(6, 15) * DAY
    d.walk_to_done(done - d.rng.uniform(3, 12) * DAY, done, d.person())


# ----- cross-tool pairs
def _pair(d: Draft) -> None:
    slot = d.slot
    assert slot.pair_group is not None
    assert slot.pair_index is not None
    org = d.org
    group = org.pair_groups[slot.pair_group]
    other = group.b if d.vendor is group.a else group.a
    other_index = org.pair_member(slot.pair_group, slot.pair_index, other)
    other_id = org.identity(other, other_index)
    prng = org.pair_rng(slot.pair_group, slot.pair_index)
    base_title = make_title(org.title_number(group.a, org.pair_member(slot.pair_group, slot.pair_index, group.a)))
    links: tuple[CrossLink, ...] = ()
    if group.kind is PairKind.DUP:
        title = base_title if d.vendor is group.a else near_duplicate(base_title, prng)
        description = _description(d.rng)
    elif d.vendor is Vendor.JIRA:
        title = base_title
        description = f"Design discussion: {other_id.url}"
        links = (CrossLink(other, other_index, other_id.external_id, other_id.key, other_id.url, LinkKind.REMOTE_LINK),)
    else:
        title = f"[{other_id.key}] {base_title}"
        description = f"Tracked in Jira: {other_id.url}"
        links = (CrossLink(other, other_index, other_id.external_id, other_id.key, other_id.url, LinkKind.MENTION),)
    scenario = slot.scenario
    if scenario in (S.LINK_DONE, S.LINK_MISMATCH_DONE):
        d.start(_estimable(d.rng), StatusKind.TODO, title, description, links=links)
        d.estimate(d.created + 0.1 * HOUR)
        latest = max(org.pair_created_at(slot.pair_group, slot.pair_index, v) for v in (group.a, group.b))
        if scenario is S.LINK_DONE:
            done = latest + prng.uniform(14, 24) * DAY + d.rng.uniform(-10, 10) * HOUR
        else:
            done = d.now - prng.uniform(3, 20) * DAY
        d.walk_to_done(done - d.rng.uniform(3, 12) * DAY, done, d.person())
        return
    _open_item(d, title=title, links=links)
    d.recent_comment(10)


_RECIPES: dict[Scenario, Callable[[Draft], None]] = {
    S.EPIC: _epic,
    S.WIP_OVERLOAD: _wip_overload,
    S.LINK_OPEN: _pair,
    S.LINK_DONE: _pair,
    S.LINK_MISMATCH_DONE: _pair,
    S.LINK_MISMATCH_OPEN: _pair,
    S.DUP_TWIN: _pair,
    S.WIP: _wip_normal,
    S.WIP_REVIEW: _wip_review,
    S.WIP_BLOCKED: lambda d: _wip_blocked(d, long=False),
    S.STALE_WIP: _stale_wip,
    S.AGING_WIP: _aging_wip,
    S.BLOCKED_LONG: lambda d: _wip_blocked(d, long=True),
    S.WIP_UNASSIGNED: _wip_unassigned,
    S.SPRINT_TODO: _sprint_todo,
    S.SPRINT_DONE: _sprint_done,
    S.SPRINT_LATE: lambda d: _sprint_todo(d, late=True, small=True),
    S.SPRINT_CREEP: lambda d: _sprint_todo(d, late=True),
    S.CARRY_OVER: _carry_over,
    S.SPRINT_NO_ESTIMATE: lambda d: _sprint_todo(d, estimate=False),
    S.DONE: _done,
    S.CANCELLED: _cancelled,
    S.BACKLOG: _backlog,
    S.TODO: _todo,
    S.PARENT_DONE: _parent_done,
    S.SUBTASK_DONE: _subtask_done,
    S.PARENT_OPEN: _parent_open,
    S.SUBTASK_OPEN: _subtask_open,
    S.STALE_TODO: _stale_todo,
    S.STALE_BACKLOG: _stale_backlog,
    S.NO_ESTIMATE: _no_estimate,
    S.ORPHAN: _orphan,
    S.OVERDUE: _overdue,
    S.REOPENED: _reopened,
    S.SKIPPED_PROGRESS: _skipped_progress,
    S.PARENT_DONE_CHILD_OPEN: _parent_done,
    S.CHILD_OPEN_UNDER_DONE: _subtask_open,
    S.PARENT_OPEN_CHILD_DONE: _parent_open,
    S.CHILD_DONE_UNDER_OPEN: _child_done_under_open,
    S.ZOMBIE: _zombie,
    S.DONE_NO_RESOLUTION: lambda d: _done(d, resolution=False),
    S.OPEN_WITH_RESOLUTION: _open_with_resolution,
}


def build_item(org: Organisation, vendor: Vendor, index: int) -> GeneratedItem:
    """Generate the item at `index` of `vendor` by running its scenario's recipe."""
    slot = org.slot(vendor, index)
    draft = Draft(org, vendor, index, slot)
    _RECIPES[slot.scenario](draft)
    return draft.build()
