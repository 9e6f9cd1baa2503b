"""Evaluation entry points: a full sweep, and an incremental evaluation of the items a sync or webhook changed.

Both stream items in batches, run the pure item rules, write findings per batch (open, refresh, resolve the
batch's items' findings that stopped firing), then run the set rules over their streamed aggregates and resolve
their findings within the evaluated scope. Time is passed in; nothing here reads a clock except to time itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.policy import Policy, RuleId
from models.db import Database
from models.tables import FINDINGS, ITEMS, LINKS
from sync.findings import (
    RuleTally,
    Tallies,
    open_or_refresh_findings,
    resolve_findings_of_gone_items,
    resolve_item_findings,
    resolve_unfired_findings,
)
from sync.links import record_mentions, resolve_links
from sync.rule_inputs import Organisation, RuleItem, assign_container_teams, load_organisation, read_rule_items
from sync.rules.aggregates import (
    read_cycle_limits,
    read_duplicate_pairs,
    read_linked_pairs,
    read_loads,
    read_observed_statuses,
    read_sprint_scopes,
)
from sync.rules.base import Fired, RuleContext, SubjectType, build_context
from sync.rules.blocking import column_over_limit, person_over_limit
from sync.rules.cross_tool import duplicate_candidate, linked_status_mismatch
from sync.rules.registry import ITEM_RULES
from sync.rules.sprints import scope_creep
from sync.rules.workflow import unmapped_status, workflow_drift

__all__ = ["EvaluationSummary", "evaluate_item_rules", "evaluate_items", "run_sweep"]

ALL_RULES = frozenset(RuleId)
Scope = Callable[[str, str | None], bool]


@dataclass
class EvaluationSummary:
    """What an evaluation did, per rule."""

    tallies: dict[str, RuleTally] = field(default_factory=dict)
    items: int = 0
    seconds: float = 0.0

    def merge(self, tallies: Tallies) -> None:
        """Add per-rule counts."""
        for rule_id, tally in tallies.items():
            self.tallies.setdefault(rule_id, RuleTally()).add(tally)

    def rows(self) -> list[tuple[str, RuleTally]]:
        """(rule id, tally) in rule order."""
        return sorted(self.tallies.items())


def evaluate_item_rules(item: RuleItem, ctx: RuleContext, rule_ids: Collection[RuleId] = ALL_RULES) -> list[Fired]:
    """Every item rule in ``rule_ids`` that fires for ``item`` (pure)."""
    return [fired for spec in ITEM_RULES if spec.id in rule_ids if (fired := spec.evaluate(item, ctx)) is not None]


def _item_pass(
    database: Database,
    ctx: RuleContext,
    organisation: Organisation,
    rule_ids: frozenset[RuleId],
    summary: EvaluationSummary,
    *,
    containers: Collection[int] | None,
    item_ids: Collection[int] | None,
    batch_size: int,
) -> None:
    item_rule_ids = [spec.id.value for spec in ITEM_RULES if spec.id in rule_ids]
    if not item_rule_ids:
        return
    for batch in read_rule_items(
        database, organisation, container_ids=containers, item_ids=item_ids, batch_size=batch_size
    ):
        fired = [f for item in batch for f in evaluate_item_rules(item, ctx, rule_ids)]
        with database.session() as session:
            summary.merge(open_or_refresh_findings(session, fired, ctx.now))
            summary.merge(resolve_item_findings(session, [i.id for i in batch], item_rule_ids, fired, ctx.now))
            session.commit()
        summary.items += len(batch)


def _apply_set_rule(
    database: Database,
    summary: EvaluationSummary,
    rule_id: RuleId,
    subject_types: Sequence[SubjectType],
    fired: Iterable[Fired],
    now: datetime,
    in_scope: Scope,
) -> None:
    kept = [f for f in fired if in_scope(f.subject_key, f.team)]
    with database.session() as session:
        summary.merge(open_or_refresh_findings(session, kept, now))
        resolved = resolve_unfired_findings(session, rule_id.value, subject_types, kept, now, in_scope)
        session.commit()
    summary.merge({rule_id.value: RuleTally(resolved=resolved)})


def _fire(items: Iterable[Any], rule: Callable[[Any, RuleContext], Fired | None], ctx: RuleContext) -> list[Fired]:
    return [fired for subject in items if (fired := rule(subject, ctx)) is not None]


def _team_scope(team: str | None) -> Scope:
    return lambda key, finding_team: team is None or finding_team == team


def _context(
    database: Database,
    organisation: Organisation,
    policy: Policy,
    now: datetime,
    rule_ids: frozenset[RuleId],
    teams: Collection[str | None],
) -> RuleContext:
    limits = read_cycle_limits(database, organisation, policy, now, teams) if RuleId.R03 in rule_ids else {}
    return build_context(policy, now, sprints=organisation.sprints, cycle_limits=limits)


def _prepare(database: Database, policy: Policy, now: datetime, item_ids: Collection[int] | None) -> Organisation:
    organisation = load_organisation(database, policy)
    assign_container_teams(database, organisation)
    record_mentions(database, now, item_ids)
    resolve_links(database)
    return organisation


def run_sweep(
    database: Database,
    policy: Policy,
    now: datetime,
    *,
    team: str | None = None,
    rules: Collection[RuleId] | None = None,
    batch_size: int = 1_000,
) -> EvaluationSummary:
    """Evaluate every rule over every live item (or one team's, or some rules); resolve what stopped firing."""
    started = time.perf_counter()
    rule_ids = frozenset(rules) if rules is not None else ALL_RULES
    summary = EvaluationSummary()
    organisation = _prepare(database, policy, now, None)
    containers = organisation.containers_of_team(team) if team is not None else None
    teams: list[str | None] = [team] if team is not None else [None, *policy.teams]
    ctx = _context(database, organisation, policy, now, rule_ids, teams)
    _item_pass(
        database, ctx, organisation, rule_ids, summary, containers=containers, item_ids=None, batch_size=batch_size
    )
    if team is None:
        item_rule_ids = [spec.id.value for spec in ITEM_RULES if spec.id in rule_ids]
        with database.session() as session:
            summary.merge(resolve_findings_of_gone_items(session, item_rule_ids, now))
            session.commit()
    in_team = _team_scope(team)
    if RuleId.R09 in rule_ids:
        scopes = read_sprint_scopes(database, organisation)
        _apply_set_rule(
            database, summary, RuleId.R09, [SubjectType.SPRINT], _fire(scopes, scope_creep, ctx), now, in_team
        )
    if RuleId.R14 in rule_ids:
        loads = read_loads(database, organisation, policy)
        fired = _fire(loads.people, person_over_limit, ctx) + _fire(loads.columns, column_over_limit, ctx)
        _apply_set_rule(database, summary, RuleId.R14, [SubjectType.PERSON, SubjectType.COLUMN], fired, now, in_team)
    if RuleId.R16 in rule_ids:
        pairs = read_linked_pairs(database, organisation)
        _apply_set_rule(
            database,
            summary,
            RuleId.R16,
            [SubjectType.ITEM_PAIR],
            _fire(pairs, linked_status_mismatch, ctx),
            now,
            in_team,
        )
    if RuleId.R17 in rule_ids:
        duplicates = read_duplicate_pairs(database, organisation, policy)
        _apply_set_rule(
            database,
            summary,
            RuleId.R17,
            [SubjectType.ITEM_PAIR],
            _fire(duplicates, duplicate_candidate, ctx),
            now,
            in_team,
        )
    if RuleId.R18 in rule_ids or RuleId.R20 in rule_ids:
        statuses, workflows = read_observed_statuses(database, organisation, containers)
        if RuleId.R18 in rule_ids:
            _apply_set_rule(
                database, summary, RuleId.R18, [SubjectType.STATUS], _fire(statuses, unmapped_status, ctx), now, in_team
            )
        if RuleId.R20 in rule_ids:
            _apply_set_rule(
                database,
                summary,
                RuleId.R20,
                [SubjectType.CONTAINER],
                _fire(workflows, workflow_drift, ctx),
                now,
                in_team,
            )
    summary.seconds = time.perf_counter() - started
    return summary


def _related_items(database: Database, item_ids: Collection[int]) -> set[int]:
    """The items whose findings may change with these: themselves, their parents, items linking to them and
    items they link to."""
    ids = sorted(set(item_ids))
    related = set(ids)
    with database.read_session() as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = session.execute(
                select(ITEMS.c.connection_id, ITEMS.c.parent_external_id, ITEMS.c.epic_external_id).where(
                    ITEMS.c.id.in_(chunk)
                )
            ).all()
            parents = {
                (int(r.connection_id), str(v)) for r in rows for v in (r.parent_external_id, r.epic_external_id) if v
            }
            for connection_id, external_id in parents:
                related.update(
                    int(i)
                    for i in session.execute(
                        select(ITEMS.c.id).where(
                            ITEMS.c.connection_id == connection_id, ITEMS.c.external_id == external_id
                        )
                    ).scalars()
                )
            related.update(
                int(i)
                for i in session.execute(
                    select(LINKS.c.source_item_id).where(LINKS.c.target_item_id.in_(chunk))
                ).scalars()
            )
            # A Trello card's parent is the card it is attached to (sync/rule_inputs.py).
            related.update(
                int(i)
                for i in session.execute(
                    select(LINKS.c.target_item_id).where(
                        LINKS.c.source_item_id.in_(chunk), LINKS.c.target_item_id.is_not(None)
                    )
                ).scalars()
            )
    return related


def _open_pair_keys(database: Database, rule_id: RuleId, item_ids: Collection[int]) -> set[tuple[int, int]]:
    """Pairs of the rule's open findings that involve any of these items."""
    wanted = {str(i) for i in item_ids}
    with database.read_session() as session:
        keys = session.execute(
            select(FINDINGS.c.subject_key).where(
                FINDINGS.c.rule_id == rule_id.value,
                FINDINGS.c.subject_type == SubjectType.ITEM_PAIR.value,
                FINDINGS.c.resolved_at.is_(None),
            )
        ).scalars()
        pairs = [str(key).split(":") for key in keys]
    return {(int(a), int(b)) for a, b in pairs if a in wanted or b in wanted}


def evaluate_items(
    database: Database,
    policy: Policy,
    item_ids: Collection[int],
    now: datetime,
    *,
    rules: Collection[RuleId] | None = None,
    batch_size: int = 1_000,
) -> EvaluationSummary:
    """Evaluate the items a sync or webhook changed, and the set rules that depend on them.

    Only findings of the evaluated subjects are resolved. New duplicate candidates (R17) are found by sweeps; an
    incremental evaluation re-checks the open R17 findings of the changed items.
    """
    started = time.perf_counter()
    rule_ids = frozenset(rules) if rules is not None else ALL_RULES
    summary = EvaluationSummary()
    if not item_ids:
        return summary
    organisation = _prepare(database, policy, now, item_ids)
    scope = _related_items(database, item_ids)
    with database.read_session() as session:
        rows = session.execute(
            select(
                ITEMS.c.id,
                ITEMS.c.container_id,
                ITEMS.c.subcontainer_id,
                ITEMS.c.assignee_person_id,
                ITEMS.c.deleted_at,
            ).where(ITEMS.c.id.in_(sorted(scope)))
        ).all()
    teams = {organisation.team_of(r.container_id, r.subcontainer_id) for r in rows}
    ctx = _context(database, organisation, policy, now, rule_ids, teams)
    _item_pass(database, ctx, organisation, rule_ids, summary, containers=None, item_ids=scope, batch_size=batch_size)
    gone = set(scope) - {int(r.id) for r in rows if r.deleted_at is None}
    if gone:  # tombstoned (or purged) items: their item findings resolve now
        with database.session() as session:
            item_rule_ids = [spec.id.value for spec in ITEM_RULES if spec.id in rule_ids]
            summary.merge(resolve_item_findings(session, gone, item_rule_ids, [], now))
            session.commit()
    if RuleId.R09 in rule_ids:
        sprint_ids = {m.sprint_id for m in _memberships(database, scope)}
        scopes = read_sprint_scopes(database, organisation, sprint_ids)
        keys = {str(s) for s in sprint_ids}
        _apply_set_rule(
            database,
            summary,
            RuleId.R09,
            [SubjectType.SPRINT],
            _fire(scopes, scope_creep, ctx),
            now,
            lambda key, team: key in keys,
        )
    if RuleId.R14 in rule_ids:
        people = {int(r.assignee_person_id) for r in rows if r.assignee_person_id is not None}
        people |= _people_with_open_r14(database, organisation)
        team_names = {t for t in teams if t is not None}
        loads = read_loads(database, organisation, policy, person_ids=people, teams=team_names)
        person_keys = {organisation.people.key_of(p) for p in people}
        fired = _fire(loads.people, person_over_limit, ctx) + _fire(loads.columns, column_over_limit, ctx)
        _apply_set_rule(
            database,
            summary,
            RuleId.R14,
            [SubjectType.PERSON, SubjectType.COLUMN],
            fired,
            now,
            lambda key, team: key in person_keys or key.split(":", 1)[0] in team_names,
        )
    wanted = {str(i) for i in scope}

    def involves(key: str, team: str | None) -> bool:
        return any(part in wanted for part in key.split(":"))

    if RuleId.R16 in rule_ids:
        pairs = read_linked_pairs(database, organisation, scope)
        _apply_set_rule(
            database,
            summary,
            RuleId.R16,
            [SubjectType.ITEM_PAIR],
            _fire(pairs, linked_status_mismatch, ctx),
            now,
            involves,
        )
    if RuleId.R17 in rule_ids:
        known = _open_pair_keys(database, RuleId.R17, scope)
        duplicates = read_duplicate_pairs(database, organisation, policy, pairs=known)
        keys17 = {f"{a}:{b}" for a, b in known}
        _apply_set_rule(
            database,
            summary,
            RuleId.R17,
            [SubjectType.ITEM_PAIR],
            _fire(duplicates, duplicate_candidate, ctx),
            now,
            lambda key, team: key in keys17,
        )
    if RuleId.R18 in rule_ids or RuleId.R20 in rule_ids:
        tops = {
            top.id
            for r in rows
            for top in (organisation.primary_container(r.subcontainer_id or r.container_id),)
            if top is not None
        }
        statuses, workflows = read_observed_statuses(database, organisation, tops)
        top_keys = {str(t) for t in tops}
        if RuleId.R18 in rule_ids:
            _apply_set_rule(
                database,
                summary,
                RuleId.R18,
                [SubjectType.STATUS],
                _fire(statuses, unmapped_status, ctx),
                now,
                lambda key, team: key.split(":", 1)[0] in top_keys,
            )
        if RuleId.R20 in rule_ids:
            _apply_set_rule(
                database,
                summary,
                RuleId.R20,
                [SubjectType.CONTAINER],
                _fire(workflows, workflow_drift, ctx),
                now,
                lambda key, team: key in top_keys,
            )
    summary.seconds = time.perf_counter() - started
    return summary


def _memberships(database: Database, item_ids: Collection[int]) -> list[Any]:
    from models.tables import MEMBERSHIPS

    with database.read_session() as session:
        return list(
            session.execute(
                select(MEMBERSHIPS.c.sprint_id).where(
                    MEMBERSHIPS.c.work_item_id.in_(sorted(item_ids)), MEMBERSHIPS.c.removed_at.is_(None)
                )
            ).all()
        )


def _people_with_open_r14(database: Database, organisation: Organisation) -> set[int]:
    """Person ids behind the open per-person R14 findings (so a person whose load dropped is re-checked)."""
    with database.read_session() as session:
        keys = set(
            session.execute(
                select(FINDINGS.c.subject_key).where(
                    FINDINGS.c.rule_id == RuleId.R14.value,
                    FINDINGS.c.subject_type == SubjectType.PERSON.value,
                    FINDINGS.c.resolved_at.is_(None),
                )
            ).scalars()
        )
    return {person_id for person_id, key in organisation.people.canonical.items() if key in keys}
