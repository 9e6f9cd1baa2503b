"""An independent evaluation of rules.md (default thresholds) over generated data, to check the manifest.

It reads only items, events, teams, sprints and people: never scenarios or the layout.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from zoneinfo import ZoneInfo

from emulators.org.generator import DAY, Organisation
from emulators.org.model import (
    Event,
    EventKind,
    GeneratedItem,
    Item,
    ItemType,
    StatusCategory,
    StatusKind,
    Vendor,
)

RECOGNISED = {
    "backlog", "to do", "in progress", "in review", "qa", "blocked", "ready for release", "done", "won't do",
}  # fmt: skip
REFERENCE = {"Backlog", "To Do", "In Progress", "In Review", "Done", "Won't Do"}


@dataclass
class Findings:
    """Fired subjects per rule, in the manifest's id vocabulary."""

    items: dict[str, set[tuple[Vendor, int]]]
    others: dict[str, set[frozenset[str] | str]]


def _category(item: Item, org: Organisation, name: str | None) -> StatusCategory | None:
    status = org.team(item.vendor, item.team).workflow.by_name(name or "")
    return status.category if status else None


def _human_activity(org: Organisation, events: tuple[Event, ...]) -> float:
    return max(e.at for e in events if not org.is_bot(e.author))


def _state_before(events: tuple[Event, ...], kind: EventKind, moment: float, initial: str | None) -> str | None:
    value = initial
    for event in events:
        if event.at < moment and (event.kind is kind or (kind is EventKind.STATUS and event.kind is EventKind.CREATED)):
            value = event.after
    return value


def _p85_thresholds(org: Organisation, all_items: dict[Vendor, list[GeneratedItem]]) -> dict[tuple[Vendor, int], float]:
    samples: dict[tuple[Vendor, int], list[float]] = defaultdict(list)
    for vendor, generated in all_items.items():
        for g in generated:
            item = g.item
            if item.status_category is not StatusCategory.DONE or item.resolved_at is None:
                continue
            if item.resolved_at < org.now - 90 * DAY:
                continue
            starts = [
                e.at for e in g.events if e.kind is EventKind.STATUS and
                _category(item, org, e.after) is StatusCategory.IN_PROGRESS
            ]  # fmt: skip
            if starts:
                samples[(vendor, item.team)].append(item.resolved_at - min(starts))
    thresholds = {}
    for vendor in Vendor:
        for team in org.teams(vendor):
            values = sorted(samples[(vendor, team.index)])
            if len(values) < 20:
                thresholds[(vendor, team.index)] = 10 * DAY
            else:
                thresholds[(vendor, team.index)] = values[math.ceil(0.85 * len(values)) - 1]
    return thresholds


def _blocked_since(org: Organisation, g: GeneratedItem) -> float | None:
    item = g.item
    status = org.team(item.vendor, item.team).workflow.by_name(item.status)
    starts = []
    if status is not None and status.kind is StatusKind.BLOCKED:
        starts.append(max(e.at for e in g.events if e.kind in (EventKind.STATUS, EventKind.CREATED)))
    if item.flagged:
        starts.append(max(e.at for e in g.events if e.kind is EventKind.FLAG))
    if "blocked" in item.labels:
        label_events = [e for e in g.events if e.kind is EventKind.LABELS and "blocked" in (e.after or "").split(",")]
        starts.append(min(e.at for e in label_events))
    return min(starts) if starts else None


def normalise(title: str) -> str:
    """Lower case, punctuation out, single spaces."""
    return " ".join(re.sub(r"[^\w\s]", " ", title.lower()).split())


def evaluate(org: Organisation, *, with_duplicates: bool = True) -> Findings:
    """Fire every rule of rules.md with default thresholds over all generated items."""
    now = org.now
    all_items = {v: [org.generate(v, i) for i in range(org.item_count(v))] for v in Vendor}
    items: dict[str, set[tuple[Vendor, int]]] = defaultdict(set)
    others: dict[str, set[frozenset[str] | str]] = defaultdict(set)
    thresholds = _p85_thresholds(org, all_items)
    children: dict[tuple[Vendor, int], list[Item]] = defaultdict(list)
    for vendor, generated in all_items.items():
        for g in generated:
            if g.item.parent is not None:
                children[(vendor, g.item.parent)].append(g.item)
    in_progress_by_email: dict[str, int] = defaultdict(int)
    for vendor, generated in all_items.items():
        for g in generated:
            item, events = g.item, g.events
            key = (vendor, item.index)
            cat = item.status_category
            team = org.team(vendor, item.team)
            activity = _human_activity(org, events)
            if cat in (StatusCategory.BACKLOG, StatusCategory.TODO):
                limit = 90 if cat is StatusCategory.BACKLOG else 30
                if now - activity > limit * DAY:
                    items["R01"].add(key)
            if cat is StatusCategory.IN_PROGRESS:
                if item.assignee is not None:
                    in_progress_by_email[org.person(item.assignee).email] += 1
                if now - activity > 5 * DAY:
                    items["R02"].add(key)
                spell_start = None
                previous = None
                for e in events:
                    if e.kind in (EventKind.STATUS, EventKind.CREATED):
                        now_cat = _category(item, org, e.after)
                        if now_cat is StatusCategory.IN_PROGRESS and previous is not StatusCategory.IN_PROGRESS:
                            spell_start = e.at
                        previous = now_cat
                assert spell_start is not None
                if now - spell_start > thresholds[(vendor, item.team)]:
                    items["R03"].add(key)
                if item.assignee is None:
                    items["R06"].add(key)
            blocked = _blocked_since(org, g)
            if cat.is_open and blocked is not None and now - blocked > 3 * DAY:
                items["R04"].add(key)
            committed = cat in (StatusCategory.TODO, StatusCategory.IN_PROGRESS) or (
                item.sprint is not None and org.sprint(item.sprint).state.value in ("active", "future")
            )
            if item.type.estimable and cat.is_open and committed and item.estimate is None:
                items["R05"].add(key)
            if item.type is not ItemType.EPIC and cat.is_open:
                ancestor, has_epic = item.parent, False
                while ancestor is not None:
                    parent = all_items[vendor][ancestor].item
                    if parent.type is ItemType.EPIC:
                        has_epic = True
                        break
                    ancestor = parent.parent
                if not has_epic:
                    items["R07"].add(key)
            if item.due is not None and cat.is_open:
                today = datetime.fromtimestamp(now, tz=ZoneInfo(team.timezone)).date()
                if item.due < today:
                    items["R08"].add(key)
            if vendor is Vendor.JIRA:
                stuck = 0
                for sprint in org.sprints(item.team):
                    if sprint.complete is None:
                        continue
                    member = _state_before(events, EventKind.SPRINT, sprint.complete, None)
                    status = _state_before(events, EventKind.STATUS, sprint.complete, None)
                    if member == str(sprint.id) and _category(item, org, status) is not StatusCategory.DONE:
                        stuck += 1
                if stuck >= 2:
                    items["R10"].add(key)
            for e in events:
                if e.kind is EventKind.STATUS and e.at >= now - 30 * DAY:
                    before, after = _category(item, org, e.before), _category(item, org, e.after)
                    if before is not None and not before.is_open and after is not None and after.is_open:
                        items["R11"].add(key)
            if cat is StatusCategory.DONE:
                visited = {e.after for e in events if e.kind is EventKind.STATUS}
                required = {s.name for s in team.workflow.progress_path()}
                if not required <= visited:
                    items["R12"].add(key)
            kids = children.get(key, [])
            if kids:
                open_kids = [k for k in kids if k.status_category.is_open]
                if cat is StatusCategory.DONE and open_kids:
                    items["R13"].add(key)
                all_done = all(k.status_category is StatusCategory.DONE for k in kids)
                if cat.is_open and all_done and now - max(k.resolved_at or 0 for k in kids) > 5 * DAY:
                    items["R13"].add(key)
            if cat in (StatusCategory.BACKLOG, StatusCategory.TODO) and item.created_at < now - 180 * DAY:
                started = any(
                    _category(item, org, e.after) is StatusCategory.IN_PROGRESS
                    for e in events
                    if e.kind is EventKind.STATUS
                )
                if not started:
                    items["R15"].add(key)
            done_unresolved = cat is StatusCategory.DONE and item.resolution is None
            if vendor is Vendor.JIRA and (done_unresolved or (cat.is_open and item.resolution)):
                items["R19"].add(key)
            for link in item.links:
                other = all_items[link.vendor][link.index].item
                pair = frozenset({f"{vendor}:{item.external_id}", f"{link.vendor}:{other.external_id}"})
                done, opened = (item, other) if cat is StatusCategory.DONE else (other, item)
                if done.status_category is StatusCategory.DONE and opened.status_category.is_open:
                    assert done.resolved_at is not None
                    if now - done.resolved_at > DAY:
                        others["R16"].add(pair)
    _scope_creep(org, all_items[Vendor.JIRA], others)
    for email, count in in_progress_by_email.items():
        if count > 3:
            others["R14"].add(email)
    for vendor in Vendor:
        for team in org.teams(vendor):
            names = {s.name for s in team.workflow.statuses}
            container = org.container_id(vendor, team.index)
            if names != REFERENCE:
                others["R20"].add(container)
            if vendor is not Vendor.JIRA:
                for name in names:
                    if name.lower() not in RECOGNISED:
                        others["R18"].add(f"{container}:{name}")
    if with_duplicates:
        _duplicates(org, all_items, others)
    return Findings(dict(items), dict(others))


def _scope_creep(
    org: Organisation, generated: list[GeneratedItem], others: dict[str, set[frozenset[str] | str]]
) -> None:
    for team in org.teams(Vendor.JIRA):
        sprint = org.active_sprint(team.index)
        initial = late = 0
        initial_points = late_points = 0.0
        for g in generated:
            if g.item.sprint != sprint.id:
                continue
            added = max(e.at for e in g.events if e.kind is EventKind.SPRINT and e.after == str(sprint.id))
            points = g.item.estimate or 0.0
            if added > sprint.start + DAY:
                late, late_points = late + 1, late_points + points
            else:
                initial, initial_points = initial + 1, initial_points + points
        if late > 0.2 * initial or late_points > 0.2 * initial_points:
            others["R09"].add(str(sprint.id))


def _duplicates(
    org: Organisation,
    all_items: dict[Vendor, list[GeneratedItem]],
    others: dict[str, set[frozenset[str] | str]],
) -> None:
    open_items = [g.item for gs in all_items.values() for g in gs if g.item.status_category.is_open]
    prepared = [(normalise(i.title), i) for i in open_items]
    for a in range(len(prepared)):
        title_a, item_a = prepared[a]
        linked = {(link.vendor, link.index) for link in item_a.links}
        for b in range(a + 1, len(prepared)):
            title_b, item_b = prepared[b]
            if abs(item_a.created_at - item_b.created_at) > 60 * DAY or (item_b.vendor, item_b.index) in linked:
                continue
            if any((link.vendor, link.index) == (item_a.vendor, item_a.index) for link in item_b.links):
                continue
            matcher = SequenceMatcher(None, title_a, title_b)
            if matcher.real_quick_ratio() >= 0.9 and matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9:
                others["R17"].add(
                    frozenset({f"{item_a.vendor}:{item_a.external_id}", f"{item_b.vendor}:{item_b.external_id}"})
                )
