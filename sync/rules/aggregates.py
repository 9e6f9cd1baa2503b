"""Streaming passes that build the set rules' inputs: R03 cycle-time limits, R09 sprint scopes, R14 loads,
R16 linked pairs, R17 duplicate candidates, R18/R20 observed statuses. Each reads the store in pages and keeps
only per-team, per-sprint, per-person or per-candidate state."""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from core.policy import Policy, RuleId
from core.policy.rules import AgingWip, DuplicateCandidate
from core.policy.status_mapping import normalise_status
from models.db import Database
from models.enums import ContainerKind, ItemType, SprintState, StatusCategory, Vendor
from models.tables import ITEMS, LABELS, LINKS, MEMBERSHIPS, TRANSITIONS
from sync.rule_inputs import ContainerInfo, Organisation, read_rule_items
from sync.rules.base import CycleLimit
from sync.rules.blocking import ColumnLoad, HeldItem, PersonLoad
from sync.rules.calendar import DAY_SECONDS
from sync.rules.cross_tool import DuplicatePair, LinkedPair, PairSide, blocking_keys, normalise_title
from sync.rules.sprints import SprintAddition, SprintScope
from sync.rules.status_names import default_category
from sync.rules.workflow import ObservedStatus, ObservedWorkflow

__all__ = [
    "cycle_times",
    "nearest_rank",
    "read_cycle_limits",
    "read_duplicate_pairs",
    "read_linked_pairs",
    "read_loads",
    "read_observed_statuses",
    "read_sprint_scopes",
]

_PAGE = 2_000
# A block bigger than this is a title too generic to compare (e.g. hundreds of cards called "Bug").
MAX_BLOCK = 64
_CLOSED = (StatusCategory.DONE.value, StatusCategory.CANCELLED.value)

# The item columns the set rules read, for the whole-store pass and the changed-items pass alike.
_SET_RULE_COLUMNS = (
    ITEMS.c.id,
    ITEMS.c.connection_id,
    ITEMS.c.source,
    ITEMS.c.key,
    ITEMS.c.title,
    ITEMS.c.url,
    ITEMS.c.type,
    ITEMS.c.status_raw,
    ITEMS.c.status_category,
    ITEMS.c.assignee_person_id,
    ITEMS.c.container_id,
    ITEMS.c.subcontainer_id,
    ITEMS.c.source_created_at,
    ITEMS.c.resolved_at,
)


def nearest_rank(values: list[float], percentile: float) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(percentile / 100 * len(values)) - 1)]


def cycle_times(
    database: Database, organisation: Organisation, since: datetime, containers: Collection[int] | None
) -> Iterator[tuple[str | None, float]]:
    """(team, cycle seconds) of every item done since ``since``: first in-progress -> final done."""
    for batch in read_rule_items(database, organisation, container_ids=containers, resolved_since=since, full=False):
        for item in batch:
            if item.status_category is not StatusCategory.DONE or item.resolved_at is None:
                continue
            starts = [c.at for c in item.status_changes() if c.to_category is StatusCategory.IN_PROGRESS]
            if starts:
                yield item.team, (item.resolved_at - min(starts)).total_seconds()


def read_cycle_limits(
    database: Database,
    organisation: Organisation,
    policy: Policy,
    now: datetime,
    teams: Collection[str | None],
) -> dict[str | None, CycleLimit]:
    """R03's limit per team: the percentile of recent cycle times, or the fallback when the sample is small."""
    settings = {team: policy.rules.for_team(RuleId.R03, team) for team in teams}
    typed = {team: s for team, s in settings.items() if isinstance(s, AgingWip)}
    if not typed:
        return {}
    window = max(s.window_days for s in typed.values())
    containers: set[int] | None = None
    if None not in typed:
        containers = {c for team in typed if team for c in organisation.containers_of_team(team)}
    samples: dict[str | None, list[float]] = defaultdict(list)
    for team, seconds in cycle_times(database, organisation, now - timedelta(days=window), containers):
        samples[team].append(seconds)
    limits: dict[str | None, CycleLimit] = {}
    for team, s in typed.items():
        values = sorted(samples.get(team, []))
        if len(values) < s.min_samples:
            limits[team] = CycleLimit(s.fallback_days * DAY_SECONDS, len(values), False)
        else:
            limits[team] = CycleLimit(nearest_rank(values, s.percentile), len(values), True)
    return limits


def read_sprint_scopes(
    database: Database, organisation: Organisation, sprint_ids: Collection[int] | None = None
) -> list[SprintScope]:
    """Each active sprint with the items in it now, when each was added and its points."""
    active = [
        s
        for s in organisation.sprints.values()
        if s.state is SprintState.ACTIVE and (sprint_ids is None or s.id in sprint_ids)
    ]
    scopes: list[SprintScope] = []
    with database.read_session() as session:
        for sprint in active:
            rows = session.execute(
                select(
                    ITEMS.c.id, MEMBERSHIPS.c.added_at, ITEMS.c.estimate, ITEMS.c.container_id, ITEMS.c.subcontainer_id
                )
                .select_from(MEMBERSHIPS.join(ITEMS, ITEMS.c.id == MEMBERSHIPS.c.work_item_id))
                .where(
                    MEMBERSHIPS.c.sprint_id == sprint.id,
                    MEMBERSHIPS.c.removed_at.is_(None),
                    ITEMS.c.deleted_at.is_(None),
                )
                .order_by(ITEMS.c.id)
            ).all()
            board = organisation.containers.get(sprint.board_container_id) if sprint.board_container_id else None
            teams = Counter(organisation.team_of(r.container_id, r.subcontainer_id) for r in rows)
            team = board.team if board and board.team else (teams.most_common(1)[0][0] if teams else None)
            additions = tuple(SprintAddition(int(r.id), r.added_at, float(r.estimate or 0.0)) for r in rows)
            scopes.append(SprintScope(sprint, team, additions))
    return scopes


@dataclass
class Loads:
    """R14's inputs: in-progress items per person, and open items per team column."""

    people: list[PersonLoad]
    columns: list[ColumnLoad]


def _light_items(database: Database, where: list[Any]) -> Iterator[list[Any]]:
    last = 0
    while True:
        with database.read_session() as session:
            rows = session.execute(
                select(*_SET_RULE_COLUMNS)
                .where(ITEMS.c.id > last, ITEMS.c.deleted_at.is_(None), *where)
                .order_by(ITEMS.c.id)
                .limit(_PAGE)
            ).all()
        if not rows:
            return
        last = int(rows[-1].id)
        yield list(rows)


def _effective(organisation: Organisation, row: Any) -> tuple[str | None, StatusCategory]:
    team = organisation.team_of(row.container_id, row.subcontainer_id)
    connection = organisation.connections.get(int(row.connection_id), ("?", Vendor.JIRA))[0]
    try:
        stored: StatusCategory | None = StatusCategory(row.status_category)
    except ValueError:
        stored = StatusCategory.UNKNOWN
    category = organisation.statuses.category(row.status_raw, stored, team, connection)
    return team, category or StatusCategory.UNKNOWN


def _display(row: Any) -> str:
    if row.source == Vendor.JIRA.value and row.key:
        return str(row.key)
    title = str(row.title)
    return f'"{title if len(title) <= 60 else title[:57] + "..."}"'


def read_loads(
    database: Database,
    organisation: Organisation,
    policy: Policy,
    *,
    person_ids: Collection[int] | None = None,
    teams: Collection[str] | None = None,
) -> Loads:
    """In-progress items per person (unified across tools) and open items per limited team column."""
    where: list[Any] = [ITEMS.c.status_category.not_in(_CLOSED)]
    if person_ids is not None:
        where.append(ITEMS.c.assignee_person_id.in_(sorted(person_ids)))
    held: dict[str, list[HeldItem]] = defaultdict(list)
    columns: Counter[tuple[str, str]] = Counter()
    limited = {
        name: {normalise_status(column): column for column in team.wip_limits}
        for name, team in policy.teams.items()
        if team.wip_limits and (teams is None or name in teams)
    }
    exemptions = policy.rules.get(RuleId.R14).exempt
    for rows in _light_items(database, where):
        for row in rows:
            team, category = _effective(organisation, row)
            if team in limited:
                wanted = limited[team]
                for name in (normalise_status(row.status_raw), category.value):
                    if name in wanted:
                        columns[(team, wanted[name])] += 1
            if category is not StatusCategory.IN_PROGRESS or row.assignee_person_id is None:
                continue
            names = organisation.people.names_of(int(row.assignee_person_id))
            if exemptions.exempts(labels=[], item_type=str(row.type), assignee_names=list(names)):
                continue
            key = organisation.people.key_of(int(row.assignee_person_id))
            assert key is not None
            held[key].append(HeldItem(int(row.id), _display(row), str(row.source), row.url, team))
    people = [PersonLoad(key, organisation.people.label_of(key), tuple(items)) for key, items in sorted(held.items())]
    loads = [ColumnLoad(team, column, count) for (team, column), count in sorted(columns.items())]
    if person_ids is None and teams is None:
        loads += [
            ColumnLoad(team, column, 0)
            for team, wanted in limited.items()
            for column in wanted.values()
            if (team, column) not in columns
        ]
    return Loads(people, loads)


def _sides(database: Database, organisation: Organisation, ids: Collection[int]) -> dict[int, PairSide]:
    """Pair sides for these item ids (live items only), with labels and assignee names for exemptions."""
    sides: dict[int, PairSide] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), _PAGE):
        chunk = wanted[start : start + _PAGE]
        with database.read_session() as session:
            labels: dict[int, list[str]] = defaultdict(list)
            for item_id, label in session.execute(
                select(LABELS.c.work_item_id, LABELS.c.label).where(LABELS.c.work_item_id.in_(chunk))
            ).all():
                labels[int(item_id)].append(str(label))
            rows = session.execute(
                select(*_SET_RULE_COLUMNS).where(ITEMS.c.id.in_(chunk), ITEMS.c.deleted_at.is_(None))
            ).all()
        for row in rows:
            team, category = _effective(organisation, row)
            try:
                item_type = ItemType(row.type)
            except ValueError:
                item_type = ItemType.OTHER
            sides[int(row.id)] = PairSide(
                id=int(row.id),
                source=str(row.source),
                display=_display(row),
                url=row.url,
                team=team,
                category=category,
                created_at=row.source_created_at,
                resolved_at=row.resolved_at,
                title=str(row.title),
                type=item_type,
                labels=tuple(sorted(labels.get(int(row.id), []))),
                assignee_names=organisation.people.names_of(row.assignee_person_id),
            )
    return sides


def read_linked_pairs(
    database: Database, organisation: Organisation, item_ids: Collection[int] | None = None
) -> list[LinkedPair]:
    """Every pair of live items in different tools joined by a resolved link (either direction counted once)."""
    pairs: set[tuple[int, int]] = set()
    source, target = ITEMS.alias("s"), ITEMS.alias("t")
    last = 0
    while True:
        query = (
            select(LINKS.c.id, LINKS.c.source_item_id, LINKS.c.target_item_id)
            .select_from(
                LINKS.join(source, source.c.id == LINKS.c.source_item_id).join(
                    target, target.c.id == LINKS.c.target_item_id
                )
            )
            .where(
                LINKS.c.id > last,
                source.c.source != target.c.source,
                source.c.deleted_at.is_(None),
                target.c.deleted_at.is_(None),
            )
            .order_by(LINKS.c.id)
            .limit(_PAGE)
        )
        if item_ids is not None:
            wanted = sorted(item_ids)
            query = query.where(or_(LINKS.c.source_item_id.in_(wanted), LINKS.c.target_item_id.in_(wanted)))
        with database.read_session() as session:
            rows = session.execute(query).all()
        if not rows:
            break
        last = int(rows[-1].id)
        pairs.update(tuple(sorted((int(r.source_item_id), int(r.target_item_id)))) for r in rows)  # type: ignore[misc]
    sides = _sides(database, organisation, {i for pair in pairs for i in pair})
    return [LinkedPair(sides[a], sides[b]) for a, b in sorted(pairs) if a in sides and b in sides]


def _candidate_pairs(
    database: Database, organisation: Organisation, containers: Collection[int] | None
) -> set[tuple[int, int]]:
    """Pairs of open items whose normalised titles share a blocking key (near-linear: hashes sorted once)."""
    import numpy as np  # only this rule needs it; `baton` commands that never get here start without it

    hashes = array("q")
    owners = array("q")
    where: list[Any] = [ITEMS.c.status_category.not_in(_CLOSED)]
    if containers is not None:
        wanted = sorted(containers)
        where.append(or_(ITEMS.c.container_id.in_(wanted), ITEMS.c.subcontainer_id.in_(wanted)))
    for rows in _light_items(database, where):
        for row in rows:
            for key in blocking_keys(normalise_title(str(row.title))):
                hashes.append(hash(key))
                owners.append(int(row.id))
    if not hashes:
        return set()
    keys = np.frombuffer(hashes, dtype=np.int64)
    ids = np.frombuffer(owners, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    keys, ids = keys[order], ids[order]
    boundaries = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate(([0], boundaries))
    stops = np.concatenate((boundaries, [len(keys)]))
    sizes = stops - starts
    pairs: set[tuple[int, int]] = set()
    for start, stop in zip(starts[sizes > 1].tolist(), stops[sizes > 1].tolist(), strict=True):
        members = sorted(set(ids[start:stop].tolist()))
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                pairs.add((first, second))
    return pairs


def _linked_among(database: Database, pairs: Collection[tuple[int, int]]) -> set[tuple[int, int]]:
    ids = sorted({i for pair in pairs for i in pair})
    linked: set[tuple[int, int]] = set()
    for start in range(0, len(ids), _PAGE):
        chunk = ids[start : start + _PAGE]
        with database.read_session() as session:
            for a, b in session.execute(
                select(LINKS.c.source_item_id, LINKS.c.target_item_id).where(
                    or_(LINKS.c.source_item_id.in_(chunk), LINKS.c.target_item_id.in_(chunk)),
                    LINKS.c.target_item_id.is_not(None),
                )
            ).all():
                linked.add((min(int(a), int(b)), max(int(a), int(b))))
    return linked


def read_duplicate_pairs(
    database: Database,
    organisation: Organisation,
    policy: Policy,
    *,
    containers: Collection[int] | None = None,
    pairs: Collection[tuple[int, int]] | None = None,
) -> list[DuplicatePair]:
    """R17's candidates: pairs from the title blocks (or the given pairs), with their sides and link status."""
    candidates = set(pairs) if pairs is not None else _candidate_pairs(database, organisation, containers)
    settings = policy.rules.get(RuleId.R17)
    assert isinstance(settings, DuplicateCandidate)
    sides = _sides(database, organisation, {i for pair in candidates for i in pair})
    linked = _linked_among(database, candidates)
    return [
        DuplicatePair(sides[a], sides[b], (a, b) in linked) for a, b in sorted(candidates) if a in sides and b in sides
    ]


def read_observed_statuses(
    database: Database, organisation: Organisation, container_ids: Collection[int] | None = None
) -> tuple[list[ObservedStatus], list[ObservedWorkflow]]:
    """Per top-level container: the statuses its items, lists / sections and history show, with their categories."""
    primary_of = {c.id: organisation.primary_container(c.id) for c in organisation.containers.values()}
    wanted = set(container_ids) if container_ids is not None else None

    def top(container_id: int | None, subcontainer_id: int | None) -> ContainerInfo | None:
        for candidate in (container_id, subcontainer_id):
            if candidate is not None and primary_of.get(candidate) is not None:
                return primary_of[candidate]
        return None

    current: dict[int, dict[str, tuple[str, StatusCategory | None, int]]] = defaultdict(dict)
    historical: dict[int, dict[str, str]] = defaultdict(dict)
    moves: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    complete: set[int] = set()
    for column in organisation.containers.values():
        if column.kind in (ContainerKind.LIST.value, ContainerKind.SECTION.value):
            parent = primary_of.get(column.id)
            if parent is not None and parent.id != column.id:
                complete.add(parent.id)
                current[parent.id].setdefault(normalise_status(column.name), (column.name, None, 0))
    with database.read_session() as session:
        rows = session.execute(
            select(
                ITEMS.c.container_id,
                ITEMS.c.subcontainer_id,
                ITEMS.c.connection_id,
                ITEMS.c.status_raw,
                ITEMS.c.status_category,
                func.count().label("n"),
            )
            .where(ITEMS.c.deleted_at.is_(None))
            .group_by(
                ITEMS.c.container_id,
                ITEMS.c.subcontainer_id,
                ITEMS.c.connection_id,
                ITEMS.c.status_raw,
                ITEMS.c.status_category,
            )
        ).all()
        history = session.execute(
            select(
                ITEMS.c.container_id,
                ITEMS.c.subcontainer_id,
                TRANSITIONS.c.from_value,
                TRANSITIONS.c.to_value,
                func.count().label("n"),
            )
            .select_from(TRANSITIONS.join(ITEMS, ITEMS.c.id == TRANSITIONS.c.work_item_id))
            .where(TRANSITIONS.c.field == "status", ITEMS.c.deleted_at.is_(None))
            .group_by(ITEMS.c.container_id, ITEMS.c.subcontainer_id, TRANSITIONS.c.from_value, TRANSITIONS.c.to_value)
        ).all()
    for row in rows:
        owner = top(row.container_id, row.subcontainer_id)
        if owner is None or (wanted is not None and owner.id not in wanted):
            continue
        _, category = _effective(organisation, row)
        key = normalise_status(row.status_raw)
        name, known, count = current[owner.id].get(key, (str(row.status_raw), None, 0))
        if known is None or known is StatusCategory.UNKNOWN:
            known = category
        current[owner.id][key] = (name, known, count + int(row.n))
    for row in history:
        owner = top(row.container_id, row.subcontainer_id)
        if owner is None or (wanted is not None and owner.id not in wanted):
            continue
        for value in (row.from_value, row.to_value):
            if value:
                historical[owner.id].setdefault(normalise_status(value), str(value))
        if row.from_value and row.to_value:
            moves[owner.id][(str(row.from_value), str(row.to_value))] += int(row.n)
    statuses: list[ObservedStatus] = []
    workflows: list[ObservedWorkflow] = []
    for container_id in sorted(set(current) | set(historical)):
        container = organisation.containers.get(container_id)
        if container is None or (wanted is not None and container_id not in wanted):
            continue
        connection = organisation.connections.get(container.connection_id, ("?", Vendor.JIRA))[0]
        for _key, (name, seen, count) in sorted(current[container_id].items()):
            mapped = organisation.statuses.override(name, container.team, connection)
            if mapped is None and seen is not None and seen is not StatusCategory.UNKNOWN:
                mapped = seen
            if mapped is None and count == 0:
                mapped = default_category(name)
            statuses.append(ObservedStatus(container, name, mapped, count))
        names = {key: name for key, (name, _, _) in current[container_id].items()}
        for key, name in historical[container_id].items():
            names.setdefault(key, name)
        workflows.append(
            ObservedWorkflow(
                container=container,
                statuses=tuple(sorted(names.values())),
                transitions=tuple(sorted((a, b, n) for (a, b), n in moves[container_id].items())),
                complete=container_id in complete,
            )
        )
    return statuses, workflows
