"""Run JQL over the store: resolve a query into plain criteria, evaluate them over per-team facts, order the
matches and page through them with keyset tokens (stable while other issues change).

Facts of generated issues (created, updated, status, sprints) come from a per-team index built on the first
query that needs them (one generation per issue); written issues are read from the store's overlay.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from emulators.jira.dates import parse_jql_date
from emulators.jira.errors import bad_request
from emulators.jira.jql import Clause, JqlError, JqlField, JqlQuery, Op, SortKey
from emulators.jira.site import JiraCategory, JiraSite
from emulators.jira.sprints import sprint_field
from emulators.org.model import Item, Vendor
from emulators.store import ItemStore

__all__ = ["Condition", "Criteria", "SearchEngine", "SearchResult", "criteria_from_jql"]

UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
_NO_SPRINT = -1
_DATA_ATTRIBUTES = frozenset({"status", "category", "updated", "created", "sprint", "sprint_field"})


@dataclass(frozen=True)
class Condition:
    """One test on an issue's facts: `attribute op values` (IN means any of; NOT_IN none of)."""

    attribute: str
    op: Op
    values: frozenset[object]


@dataclass(frozen=True)
class Criteria:
    """A resolved query: candidate projects and issues, conditions, ordering (hashable, so it keys a cache)."""

    teams: frozenset[int] | None = None
    indices: frozenset[int] | None = None
    conditions: tuple[Condition, ...] = ()
    order: tuple[SortKey, ...] = ()

    def needs_data(self) -> bool:
        """Whether any condition or sort key needs more than the issue's position."""
        return any(c.attribute in _DATA_ATTRIBUTES for c in self.conditions) or any(
            s.field in ("updated", "created") for s in self.order
        )

    def updated_floor(self) -> float | None:
        """The highest lower bound an `updated >=` or `updated >` condition sets (None when there is none): an
        issue updated before it cannot match, so a search skips it as an indexed search would."""
        bounds = [
            float(next(iter(c.values)))  # type: ignore[arg-type]
            for c in self.conditions
            if c.attribute == "updated" and c.op in (Op.GE, Op.GT)
        ]
        return max(bounds) if bounds else None

    def restrict(self, *conditions: Condition, teams: frozenset[int] | None = None) -> Criteria:
        """These criteria plus more conditions (and a narrower project set)."""
        narrowed = self.teams if teams is None else (teams if self.teams is None else self.teams & teams)
        return Criteria(narrowed, self.indices, (*self.conditions, *conditions), self.order)


class Facts(NamedTuple):
    """What criteria look at for one issue."""

    item_index: int
    team: int
    position: int
    created: float
    updated: float
    status: str
    sprint: int
    sprint_field: tuple[int, ...]


def criteria_from_jql(query: JqlQuery, site: JiraSite, store: ItemStore, *, now: float, time_zone: str) -> Criteria:
    """Resolve names, keys and dates of a parsed query; JqlError for values Jira would refuse."""
    teams: frozenset[int] | None = None
    indices: frozenset[int] | None = None
    conditions: list[Condition] = []
    for clause in query.clauses:
        positive = clause.op in (Op.EQ, Op.IN)
        if clause.field is JqlField.PROJECT:
            chosen = frozenset(_project(site, v) for v in clause.values)
            if positive:
                teams = chosen if teams is None else teams & chosen
            else:
                conditions.append(Condition("team", Op.NOT_IN, frozenset(chosen)))
        elif clause.field in (JqlField.KEY, JqlField.ID):
            found = frozenset(_issue(store, clause, v) for v in clause.values)
            if positive:
                indices = found if indices is None else indices & found
            else:
                conditions.append(Condition("item_index", Op.NOT_IN, frozenset(found)))
        elif clause.field is JqlField.STATUS:
            names = frozenset(_status(site, v) for v in clause.values)
            conditions.append(Condition("status", Op.IN if positive else Op.NOT_IN, frozenset(names)))
        elif clause.field is JqlField.STATUS_CATEGORY:
            keys = frozenset(_category(site, v) for v in clause.values)
            conditions.append(Condition("category", Op.IN if positive else Op.NOT_IN, frozenset(keys)))
        else:
            moment = parse_jql_date(clause.values[0], time_zone=time_zone, now=now, field=clause.field.value)
            op = Op.GE if clause.op is Op.EQ else clause.op
            if clause.op is Op.EQ:  # `updated = "2025-01-31"` means within that minute
                conditions.append(Condition(clause.field.value, Op.LT, frozenset({moment + 60.0})))
            conditions.append(Condition(clause.field.value, op, frozenset({moment})))
    return Criteria(teams, indices, tuple(conditions), query.order)


def _project(site: JiraSite, value: str) -> int:
    team = site.team_by_key_or_id(value) or site.team_by_name(value)
    if team is None:
        raise JqlError(f"The value '{value}' does not exist for the field 'project'.")
    return team.index


def _issue(store: ItemStore, clause: Clause, value: str) -> int:
    index = store.find(value) if value.isdigit() else store.find_key(value.upper())
    if index is None:
        raise JqlError(f"An issue with key '{value}' does not exist for field '{clause.field.value}'.")
    return index


def _status(site: JiraSite, value: str) -> str:
    status = site.find_status(value)
    if status is None:
        raise JqlError(f"The value '{value}' does not exist for the field 'status'.")
    return status.name


def _category(site: JiraSite, value: str) -> JiraCategory:
    category = site.find_category(value)
    if category is None:
        raise JqlError(f"The value '{value}' does not exist for the field 'statusCategory'.")
    return category.key


@dataclass
class _TeamFacts:
    """Facts of a team's generated issues, by position in the team's range."""

    created: array[float]
    updated: array[float]
    status: array[int]
    sprint: array[int]
    sprint_fields: dict[int, tuple[int, ...]]


@dataclass(frozen=True)
class SearchResult:
    """Matching issues in order, with their sort keys (for keyset paging)."""

    keys: list[tuple[float, ...]]
    indices: list[int]

    def __len__(self) -> int:
        return len(self.indices)


class SearchEngine:
    """Evaluates criteria over one Jira store; results are cached per (criteria, store writes)."""

    def __init__(self, store: ItemStore, site: JiraSite, *, cache_size: int = 32) -> None:
        self.store = store
        self.site = site
        self._facts: dict[int, _TeamFacts] = {}
        self._status_names: list[str] = []
        self._status_codes: dict[str, int] = {}
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[Criteria, int], SearchResult] = OrderedDict()
        self._cache_size = cache_size
        self.generated_for_index = 0

    # ----- facts
    def _team_facts(self, team: int) -> _TeamFacts:
        with self._lock:
            found = self._facts.get(team)
            if found is not None:
                return found
            spec = self.site.teams[team]
            facts = _TeamFacts(array("d"), array("d"), array("H"), array("i"), {})
            org = self.store.org
            for index in range(spec.start, spec.stop):
                generated = org.generate(Vendor.JIRA, index)
                item = generated.item
                facts.created.append(item.created_at)
                facts.updated.append(item.updated_at)
                facts.status.append(self._code(item.status))
                facts.sprint.append(_NO_SPRINT if item.sprint is None else item.sprint)
                sprints = tuple(s.id for s in sprint_field(self.site, item, generated.events))
                if sprints:
                    facts.sprint_fields[index - spec.start] = sprints
            self.generated_for_index += spec.size
            self._facts[team] = facts
            return facts

    def _code(self, status: str) -> int:
        code = self._status_codes.get(status)
        if code is None:
            code = self._status_codes[status] = len(self._status_names)
            self._status_names.append(status)
        return code

    def facts_of_item(self, item: Item) -> Facts:
        """Facts of a current item (written issues, webhook filters)."""
        sprints = tuple(s.id for s in sprint_field(self.site, item, self.store.history(item.index)))
        return Facts(
            item.index,
            item.team,
            item.number,
            item.created_at,
            item.updated_at,
            item.status,
            _NO_SPRINT if item.sprint is None else item.sprint,
            sprints,
        )

    def _candidates(self, criteria: Criteria) -> Iterable[Facts]:
        store = self.store
        base_count = store.org.item_count(Vendor.JIRA)
        written = set(store.changed_since(float("-inf")))
        needs_data = criteria.needs_data()
        floor = criteria.updated_floor()
        teams = sorted(criteria.teams) if criteria.teams is not None else list(store.teams)
        for team in teams:
            spec = self.site.teams[team]
            alive = store.page_indices(team, 0, store.count(team))
            if criteria.indices is not None:
                alive = [i for i in alive if i in criteria.indices]
            facts = (
                self._team_facts(team)
                if needs_data and any(i < base_count and i not in written for i in alive)
                else None
            )
            for index in alive:
                if index in written or index >= base_count:
                    item = store.get(index)
                    if item is not None:
                        yield self.facts_of_item(item)
                elif facts is not None:
                    local = index - spec.start
                    if floor is not None and facts.updated[local] < floor:
                        continue
                    yield Facts(
                        index,
                        team,
                        local + 1,
                        facts.created[local],
                        facts.updated[local],
                        self._status_names[facts.status[local]],
                        facts.sprint[local],
                        facts.sprint_fields.get(local, ()),
                    )
                else:
                    yield Facts(index, team, index - spec.start + 1, 0.0, 0.0, "", _NO_SPRINT, ())

    # ----- evaluation
    def matches(self, criteria: Criteria, facts: Facts) -> bool:
        """Whether one issue meets the criteria."""
        if criteria.teams is not None and facts.team not in criteria.teams:
            return False
        if criteria.indices is not None and facts.item_index not in criteria.indices:
            return False
        return all(self._holds(c, facts) for c in criteria.conditions)

    def _holds(self, condition: Condition, facts: Facts) -> bool:
        attribute, op, values = condition.attribute, condition.op, condition.values
        if attribute in ("updated", "created"):
            moment = facts.updated if attribute == "updated" else facts.created
            bound = float(next(iter(values)))  # type: ignore[arg-type]
            return {
                Op.GE: moment >= bound,
                Op.GT: moment > bound,
                Op.LE: moment <= bound,
                Op.LT: moment < bound,
            }[op]
        value: object
        if attribute == "sprint_field":
            hit = any(s in values for s in facts.sprint_field)
            return hit if op is Op.IN else not hit
        value = self.site.status(facts.status).category.key if attribute == "category" else getattr(facts, attribute)
        return (value in values) == (op is Op.IN)

    def sort_key(self, order: tuple[SortKey, ...], facts: Facts) -> tuple[float, ...]:
        """The ordering tuple of an issue (index last, as the tie-breaker)."""
        key: list[float] = []
        for term in order or (SortKey("key", False),):
            sign = -1.0 if term.descending else 1.0
            if term.field == "updated":
                key.append(sign * facts.updated)
            elif term.field == "created":
                key.append(sign * facts.created)
            elif term.field == "id":
                key.append(sign * facts.item_index)
            else:
                key.extend((sign * self.site.key_rank[facts.team], sign * facts.position))
        key.append(float(facts.item_index))
        return tuple(key)

    def run(self, criteria: Criteria) -> SearchResult:
        """Every match, ordered (cached until the store changes)."""
        cache_key = (criteria, self.store.writes)
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None:
                self._cache.move_to_end(cache_key)
                return cached
        rows = [
            (self.sort_key(criteria.order, f), f.item_index)
            for f in self._candidates(criteria)
            if self.matches(criteria, f)
        ]
        rows.sort()
        result = SearchResult([k for k, _ in rows], [i for _, i in rows])
        with self._lock:
            self._cache[cache_key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def count(self, criteria: Criteria) -> int:
        """How many issues match (a projects-only query reads the containers' live counts, as Jira's index does)."""
        if not criteria.conditions and criteria.indices is None:
            teams = criteria.teams if criteria.teams is not None else self.store.teams
            return sum(self.store.count(team) for team in teams)
        return len(self.run(criteria))

    def item_matches(self, criteria: Criteria, item: Item) -> bool:
        """Whether one current item meets the criteria (webhook filters)."""
        return self.matches(criteria, self.facts_of_item(item))


# ----- nextPageToken: the fingerprint of the query and the sort key of the last issue returned
def encode_token(fingerprint: str, key: tuple[float, ...]) -> str:
    """An opaque page token."""
    payload = json.dumps({"q": _digest(fingerprint), "k": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_token(token: str, fingerprint: str) -> tuple[float, ...]:
    """The sort key a token continues after; 400 when it is malformed or belongs to another query."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = tuple(float(v) for v in payload["k"])
        digest = payload["q"]
    except (ValueError, KeyError, TypeError) as error:
        raise bad_request("The provided next page token is invalid or expired.") from error
    if digest != _digest(fingerprint):
        raise bad_request("The provided next page token is invalid or expired.")
    return key


def page_window(result: SearchResult, after: tuple[float, ...] | None, limit: int) -> tuple[int, int]:
    """Positions [start, stop) of the page following `after` (the first page when None)."""
    start = 0 if after is None else bisect.bisect_right(result.keys, after)
    return start, min(start + limit, len(result))


def _digest(fingerprint: str) -> str:
    return hashlib.sha1(fingerprint.encode()).hexdigest()[:16]


def unbounded_error() -> Exception:
    """Jira's answer to a query without restriction."""
    return bad_request(UNBOUNDED)
