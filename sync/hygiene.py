"""The hygiene score (rules.md) per team and per container: 100 minus a weighted share of open items with open
findings.

score = 100 * (1 - sum(w_i) / (w_max * N)), where N is the number of open items, w_i the weight (policy
``hygiene.weights``, by severity) of item i's most severe open finding (0 without one) and w_max the largest
weight. An item with a finding of the heaviest severity costs a full item; a snoozed finding does not count until
its snooze ends. Only findings about an item (``work_item_id``) count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from core.policy import Policy, Severity
from core.policy.hygiene import SeverityWeights
from models.db import Database
from models.tables import FINDINGS
from sync.rule_inputs import OPEN_CATEGORIES, load_organisation, read_items

__all__ = ["HygieneScore", "compute_hygiene", "hygiene_score", "item_weights"]


@dataclass(frozen=True, slots=True)
class HygieneScore:
    """The score of one team or container."""

    scope: str
    key: str
    name: str
    open_items: int
    items_with_findings: int
    weighted: float
    score: float


def hygiene_score(weights_of_open_items: Iterable[float], max_weight: float) -> tuple[int, int, float, float]:
    """(open items, items with findings, weighted sum, score) from each open item's finding weight (0 if none)."""
    values = list(weights_of_open_items)
    total = sum(values)
    flagged = sum(1 for value in values if value > 0)
    if not values or max_weight <= 0:
        return len(values), flagged, total, 100.0
    return len(values), flagged, total, round(100 * (1 - total / (max_weight * len(values))), 2)


def item_weights(findings: Iterable[tuple[int, str]], weights: SeverityWeights) -> dict[int, float]:
    """item id -> the weight of its most severe finding, from (item id, severity) pairs."""
    result: dict[int, float] = {}
    for item_id, severity in findings:
        try:
            weight = weights.weight(Severity(severity))
        except ValueError:
            continue
        result[item_id] = max(result.get(item_id, 0.0), weight)
    return result


def _open_finding_weights(database: Database, weights: SeverityWeights, now: datetime) -> Mapping[int, float]:
    with database.read_session() as session:
        rows = session.execute(
            select(FINDINGS.c.work_item_id, FINDINGS.c.severity).where(
                FINDINGS.c.resolved_at.is_(None),
                FINDINGS.c.work_item_id.is_not(None),
                or_(FINDINGS.c.snoozed_until.is_(None), FINDINGS.c.snoozed_until <= now),
            )
        ).all()
    return item_weights(((int(item_id), str(severity)) for item_id, severity in rows), weights)


def compute_hygiene(database: Database, policy: Policy, now: datetime) -> list[HygieneScore]:
    """Scores per team and per top-level container, from the open items and their open findings."""
    weights = policy.hygiene.weights
    max_weight = max(weights.weight(s) for s in Severity)
    by_item = _open_finding_weights(database, weights, now)
    organisation = load_organisation(database, policy)
    per_team: dict[str, list[float]] = defaultdict(list)
    per_container: dict[int, list[float]] = defaultdict(list)
    for rows in read_items(database, batch_size=5_000):
        for row in rows:
            team = organisation.team_of(row.container_id, row.subcontainer_id)
            connection = organisation.connections.get(int(row.connection_id), ("?", None))[0]
            category = organisation.statuses.category(row.status_raw, None, team, connection)
            open_item = (
                (category in OPEN_CATEGORIES)
                if category is not None
                else row.status_category
                not in (
                    "done",
                    "cancelled",
                )
            )
            if not open_item:
                continue
            weight = by_item.get(int(row.id), 0.0)
            if team is not None:
                per_team[team].append(weight)
            top = organisation.primary_container(row.subcontainer_id or row.container_id)
            if top is not None:
                per_container[top.id].append(weight)
    scores = []
    for team in sorted(set(policy.teams) | set(per_team)):
        scores.append(HygieneScore("team", team, team, *hygiene_score(per_team.get(team, []), max_weight)))
    for container_id, values in sorted(per_container.items()):
        container = organisation.containers[container_id]
        scores.append(HygieneScore("container", str(container_id), container.name, *hygiene_score(values, max_weight)))
    return scores
