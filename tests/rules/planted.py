"""Compare the engine's open findings with the emulator's planted manifest, in the manifest's vocabulary."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from core.policy import Policy
from core.policy.status_mapping import normalise_status
from emulators.org.manifest import PlantedManifest, SubjectKind
from models.db import Database
from models.tables import CONTAINERS, FINDINGS, ITEMS, PEOPLE, SPRINTS

Subject = object


@dataclass
class Score:
    """Precision and recall of one rule."""

    planted: int
    fired: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.fired if self.fired else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.planted if self.planted else 1.0


def planted_subjects(manifest: PlantedManifest) -> dict[str, set[Subject]]:
    wanted: dict[str, set[Subject]] = defaultdict(set)
    for subject in manifest.subjects():
        refs = subject.refs
        if subject.kind is SubjectKind.ITEM:
            wanted[subject.rule.value].add((refs[0].vendor.value if refs[0].vendor else "", refs[0].id))
        elif subject.kind is SubjectKind.PAIR:
            wanted[subject.rule.value].add(frozenset(f"{r.vendor.value if r.vendor else ''}:{r.id}" for r in refs))
        elif subject.kind is SubjectKind.STATUS:
            wanted[subject.rule.value].add((refs[0].id, normalise_status(refs[0].key)))
        else:  # sprint, person (e-mail), team (container id)
            wanted[subject.rule.value].add(refs[0].id)
    return wanted


def fired_subjects(database: Database, policy: Policy | None = None) -> dict[str, set[Subject]]:
    """Open findings per rule in the manifest's vocabulary; a person the policy aliases is named by their first
    e-mail (as the manifest names people)."""
    aliases = {p.name: p.emails[0].casefold() for p in policy.people if p.emails} if policy is not None else {}
    with database.read_session() as session:
        items = {
            int(r.id): (str(r.source), str(r.external_id))
            for r in session.execute(select(ITEMS.c.id, ITEMS.c.source, ITEMS.c.external_id)).all()
        }
        containers = dict(session.execute(select(CONTAINERS.c.id, CONTAINERS.c.external_id)).all())
        sprints = dict(session.execute(select(SPRINTS.c.id, SPRINTS.c.external_id)).all())
        emails = {str(e) for e in session.execute(select(PEOPLE.c.email)).scalars() if e}
        rows = session.execute(
            select(FINDINGS.c.rule_id, FINDINGS.c.subject_type, FINDINGS.c.subject_key).where(
                FINDINGS.c.resolved_at.is_(None)
            )
        ).all()
    fired: dict[str, set[Subject]] = defaultdict(set)
    for rule_id, subject_type, key in rows:
        if subject_type == "work_item":
            fired[rule_id].add(items[int(key)])
        elif subject_type == "item_pair":
            a, b = (items[int(part)] for part in key.split(":"))
            fired[rule_id].add(frozenset({f"{a[0]}:{a[1]}", f"{b[0]}:{b[1]}"}))
        elif subject_type == "status":
            container, name = key.split(":", 1)
            fired[rule_id].add((containers[int(container)], name))
        elif subject_type == "container":
            fired[rule_id].add(containers[int(key)])
        elif subject_type == "sprint":
            fired[rule_id].add(sprints[int(key)])
        elif subject_type == "person":
            key = aliases.get(key, key)
            fired[rule_id].add(key if key in emails or key in aliases.values() else ("person", key))
        else:
            fired[rule_id].add((subject_type, key))
    return fired


def score(planted: dict[str, set[Subject]], fired: dict[str, set[Subject]]) -> dict[str, Score]:
    rules = sorted(set(planted) | set(fired) | {f"R{i:02d}" for i in range(1, 21)})
    return {
        rule: Score(
            len(planted.get(rule, set())),
            len(fired.get(rule, set())),
            len(planted.get(rule, set()) & fired.get(rule, set())),
        )
        for rule in rules
    }
