"""The planted manifest: which subjects were planted for which rule, computed from the layout (O(planted))."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from emulators.org.generator import Organisation
from emulators.org.layout import PairKind, Section, Table, TeamLayout
from emulators.org.model import StatusKind, Vendor
from emulators.org.scenarios import Rule, planted_rule

__all__ = ["PlantedManifest", "PlantedSubject", "SubjectKind", "SubjectRef"]

SCOPE_CREEP_SHARE = 0.2
SCOPE_CREEP_GRACE = 24 * 3600.0


class SubjectKind(StrEnum):
    """What a finding is about."""

    ITEM = "item"
    SPRINT = "sprint"
    PERSON = "person"
    PAIR = "pair"
    STATUS = "status"
    TEAM = "team"


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """One vendor object: tool, external id, human key."""

    vendor: Vendor | None
    id: str
    key: str


@dataclass(frozen=True, slots=True)
class PlantedSubject:
    """A subject planted for a rule; pairs carry two refs."""

    rule: Rule
    kind: SubjectKind
    refs: tuple[SubjectRef, ...]
    index: int | None = None

    def to_json(self) -> dict[str, object]:
        """JSON form served by /_emulator/planted."""
        return {
            "rule": self.rule.value,
            "kind": self.kind.value,
            "refs": [{"vendor": r.vendor.value if r.vendor else None, "id": r.id, "key": r.key} for r in self.refs],
        }


class PlantedManifest:
    """Rule -> planted subjects for a whole organisation (all three tools)."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self._subjects: list[PlantedSubject] = []
        for vendor in Vendor:
            self._plant_items(vendor)
        self._plant_scope_creep()
        self._plant_overload()
        self._plant_pairs()
        self._plant_workflows()

    def subjects(self, rule: Rule | None = None, vendor: Vendor | None = None) -> list[PlantedSubject]:
        """Subjects, optionally of one rule and/or involving one tool."""
        return [
            s
            for s in self._subjects
            if (rule is None or s.rule is rule) and (vendor is None or any(r.vendor is vendor for r in s.refs))
        ]

    def item_indices(self, rule: Rule, vendor: Vendor) -> set[int]:
        """Indices of items planted for an item rule in a tool."""
        return {
            s.index
            for s in self._subjects
            if s.rule is rule and s.kind is SubjectKind.ITEM and s.index is not None and s.refs[0].vendor is vendor
        }

    def counts(self) -> dict[str, int]:
        """Number of planted subjects per rule."""
        counts = {rule.value: 0 for rule in Rule}
        for subject in self._subjects:
            counts[subject.rule.value] += 1
        return counts

    def _item_ref(self, vendor: Vendor, index: int) -> SubjectRef:
        identity = self.org.identity(vendor, index)
        return SubjectRef(vendor, identity.external_id, identity.key)

    def _plant_items(self, vendor: Vendor) -> None:
        for team in self.org.teams(vendor):
            layout = self.org.layout(vendor, team.index)
            for local in _planted_locals(layout, vendor):
                index = team.start + local
                rule = planted_rule(self.org.scenario(vendor, index), vendor)
                if rule is not None:
                    ref = self._item_ref(vendor, index)
                    self._subjects.append(PlantedSubject(rule, SubjectKind.ITEM, (ref,), index))

    def _plant_scope_creep(self) -> None:
        """R09 is evaluated on the generated active sprints (only head and active items can be in them)."""
        for team in self.org.teams(Vendor.JIRA):
            sprint = self.org.active_sprint(team.index)
            layout = self.org.layout(Vendor.JIRA, team.index)
            initial_count = late_count = 0
            initial_points = late_points = 0.0
            for local in range(layout.bulk_start):
                generated = self.org.generate(Vendor.JIRA, team.start + local)
                added = [e for e in generated.events if e.kind.value == "sprint" and e.after == str(sprint.id)]
                if generated.item.sprint != sprint.id or not added:
                    continue
                points = generated.item.estimate or 0.0
                if added[-1].at > sprint.start + SCOPE_CREEP_GRACE:
                    late_count, late_points = late_count + 1, late_points + points
                else:
                    initial_count, initial_points = initial_count + 1, initial_points + points
            creep = late_count > SCOPE_CREEP_SHARE * initial_count or late_points > SCOPE_CREEP_SHARE * initial_points
            if creep:
                ref = SubjectRef(Vendor.JIRA, str(sprint.id), sprint.name)
                self._subjects.append(PlantedSubject(Rule.R09, SubjectKind.SPRINT, (ref,)))

    def _plant_overload(self) -> None:
        for vendor in Vendor:
            person = self.org.person(self.org.overloaded_person(vendor))
            ref = SubjectRef(None, person.email, person.name)
            self._subjects.append(PlantedSubject(Rule.R14, SubjectKind.PERSON, (ref,)))

    def _plant_pairs(self) -> None:
        for g, group in enumerate(self.org.pair_groups):
            for j in range(group.count):
                if group.kind is PairKind.LINK and j % 3 != 2:
                    continue
                refs = tuple(self._item_ref(v, self.org.pair_member(g, j, v)) for v in (group.a, group.b))
                rule = Rule.R16 if group.kind is PairKind.LINK else Rule.R17
                self._subjects.append(PlantedSubject(rule, SubjectKind.PAIR, refs))

    def _plant_workflows(self) -> None:
        for vendor in Vendor:
            for team in self.org.teams(vendor):
                container = self.org.container_id(vendor, team.index)
                if team.workflow.drifted:
                    ref = SubjectRef(vendor, container, team.name)
                    self._subjects.append(PlantedSubject(Rule.R20, SubjectKind.TEAM, (ref,)))
                for status in team.workflow.statuses:
                    if status.kind is StatusKind.INVENTED:
                        ref = SubjectRef(vendor, container, status.name)
                        self._subjects.append(PlantedSubject(Rule.R18, SubjectKind.STATUS, (ref,)))


def _planted_locals(layout: TeamLayout, vendor: Vendor) -> list[int]:
    """Team-local indices whose table position holds a planted scenario (the head holds none)."""
    locals_: list[int] = []
    sections: tuple[tuple[Section, Table, int, int], ...] = (
        (Section.ACTIVE, layout.active, layout.head_length, layout.bulk_start),
        (Section.BULK, layout.bulk, layout.bulk_start, layout.size),
    )
    for _, table, start, stop in sections:
        positions = [p for p, s in enumerate(table.scenarios) if planted_rule(s, vendor) is not None]
        # A planted parent needs its child, which a truncated last cycle may cut off.
        last = {p: p + 1 if p + 1 < len(table) and table.parent_offsets[p + 1] == -1 else p for p in positions}
        for cycle_start in range(start, stop, len(table)):
            locals_.extend(cycle_start + p for p in positions if cycle_start + last[p] < stop)
    return locals_
