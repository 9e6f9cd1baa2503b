"""The deterministic organisation: teams, people, workflows, sprints, items as functions of (seed, index).

Only O(teams + people + sprints) objects are resident; an item and its history are generated on demand.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from emulators.clock import to_epoch
from emulators.org.identity import ItemIdentity, container_id, item_identity
from emulators.org.layout import PairGroup, PairKind, Slot, TeamLayout, build_table
from emulators.org.model import GeneratedItem, Person, Sprint, SprintState, Team, Vendor
from emulators.org.scenarios import ACTIVE_UNITS, BULK_UNITS, CREEP_UNITS, Scenario, creation_window
from emulators.org.words import FIRST_NAMES, LAST_NAMES, NICKNAMES, TEAM_NAMES, TITLE_SPACE
from emulators.org.workflows import WorkflowVariant, build_workflow

__all__ = ["DAY", "MIN_ITEMS", "OrgConfig", "Organisation"]

DAY = 86400.0
MIN_ITEMS = 300
SPRINT_DAYS = 14
CLOSED_SPRINTS = 26
FUTURE_SPRINTS = 2
_VENDOR_NO = {Vendor.JIRA: 1, Vendor.TRELLO: 2, Vendor.ASANA: 3}
_TIMEZONES = (
    "Europe/Berlin",
    "America/New_York",
    "UTC",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Europe/London",
)
_BOTS = {Vendor.JIRA: "Automation for Jira", Vendor.TRELLO: "Butler", Vendor.ASANA: "Asana Rules"}
_LABELS = ("frontend", "backend", "customer-request", "tech-debt", "security", "ux", "performance", "docs")
DEFAULT_NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


class Salt:
    """RNG stream numbers, so adding a draw in one stream never shifts another."""

    ITEM = 0
    CREATED = 1
    PAIR = 2


@dataclass(frozen=True)
class OrgConfig:
    """Inputs of the generator: same config, same organisation."""

    seed: int = 1
    items: int = 1000
    now: datetime = DEFAULT_NOW
    jira_site: str = "https://acme.atlassian.net"
    vendors: tuple[Vendor, ...] = field(default=(Vendor.JIRA, Vendor.TRELLO, Vendor.ASANA))

    def __post_init__(self) -> None:
        if self.items < MIN_ITEMS:
            raise ValueError(f"--items must be at least {MIN_ITEMS} per vendor")


def team_count(items: int) -> int:
    """4 teams per vendor at a few hundred items, one more per factor of ten, at most 8."""
    return max(4, min(8, 2 + int(math.log10(items))))


def team_size(items_in_team: int) -> int:
    """People in a team: grows slowly with its backlog, 6 to 60."""
    return max(6, min(60, 6 + int(math.sqrt(items_in_team) / 6)))


class Organisation:
    """The whole generated organisation across the three tools."""

    def __init__(self, config: OrgConfig) -> None:
        self.config = config
        self.now = to_epoch(config.now)
        self.seed = config.seed
        rng = random.Random(config.seed)
        self._people: list[Person] = []
        self._bots: dict[Vendor, int] = {}
        self._teams: dict[Vendor, tuple[Team, ...]] = {}
        self._starts: dict[Vendor, list[int]] = {}
        self._layouts: dict[Vendor, tuple[TeamLayout, ...]] = {}
        self._sprints: dict[int, tuple[Sprint, ...]] = {}
        self._sprint_by_id: dict[int, Sprint] = {}
        self._overloaded: dict[Vendor, int] = {}
        self._containers: dict[tuple[Vendor, int], str] = {}
        self.creep_team = 1
        self._build_people_and_teams(rng)
        self.pair_groups = self._build_pair_groups()
        self._build_sprints(rng)
        self._build_layouts()

    # ----- lookups
    @property
    def people(self) -> tuple[Person, ...]:
        """Every person, bots first."""
        return tuple(self._people)

    def person(self, person_id: int) -> Person:
        """The person with this id."""
        return self._people[person_id]

    def is_bot(self, person_id: int) -> bool:
        """Whether a person is an automation account."""
        return self._people[person_id].is_bot

    def bot(self, vendor: Vendor) -> Person:
        """The automation account of a tool."""
        return self._people[self._bots[vendor]]

    def people_of(self, vendor: Vendor) -> tuple[Person, ...]:
        """People with an account in this tool (bots included)."""
        return tuple(p for p in self._people if vendor in p.accounts)

    def teams(self, vendor: Vendor) -> tuple[Team, ...]:
        """Teams of one tool, in index order."""
        return self._teams[vendor]

    def team(self, vendor: Vendor, team: int) -> Team:
        """One team."""
        return self._teams[vendor][team]

    def layout(self, vendor: Vendor, team: int) -> TeamLayout:
        """The section layout of a team's index range."""
        return self._layouts[vendor][team]

    def container_id(self, vendor: Vendor, team: int) -> str:
        """Id of a team's container (Jira project id, Trello board id, Asana project gid)."""
        return self._containers[(vendor, team)]

    def item_count(self, vendor: Vendor) -> int:
        """Generated items in a tool."""
        return self.config.items

    def team_of(self, vendor: Vendor, index: int) -> Team:
        """The team whose range holds `index`."""
        if not 0 <= index < self.config.items:
            raise IndexError(index)
        return self._teams[vendor][bisect.bisect_right(self._starts[vendor], index) - 1]

    def sprints(self, team: int) -> tuple[Sprint, ...]:
        """Sprints of a Jira team, oldest first."""
        return self._sprints.get(team, ())

    def sprint(self, sprint_id: int) -> Sprint:
        """A Jira sprint by id."""
        return self._sprint_by_id[sprint_id]

    def active_sprint(self, team: int) -> Sprint:
        """The active sprint of a Jira team."""
        return next(s for s in self._sprints[team] if s.state is SprintState.ACTIVE)

    def closed_sprint_at(self, team: int, moment: float) -> Sprint | None:
        """The closed sprint of a Jira team running at `moment`, if any."""
        for sprint in self._sprints.get(team, ()):
            if sprint.state is SprintState.CLOSED and sprint.start <= moment < sprint.end:
                return sprint
        return None

    def overloaded_person(self, vendor: Vendor) -> int:
        """The person planted to hold four in-progress items in this tool (R14)."""
        return self._overloaded[vendor]

    def seat_person(self, vendor: Vendor, team: int, seat: int) -> int:
        """The member holding in-progress seat `seat` of a team (two seats per person)."""
        members = self.seat_members(vendor, team)
        return members[(seat // 2) % len(members)]

    def seat_members(self, vendor: Vendor, team: int) -> tuple[int, ...]:
        """Members who take in-progress seats (the planted overloaded person takes none)."""
        members = self._teams[vendor][team].members
        return tuple(m for m in members if m != self._overloaded.get(vendor))

    # ----- items
    def rng(self, vendor: Vendor, index: int, salt: int) -> random.Random:
        """The deterministic RNG stream of (seed, vendor, index, salt)."""
        return random.Random(((self.seed * 8 + _VENDOR_NO[vendor]) << 44 | index) * 8 + salt)

    def slot(self, vendor: Vendor, index: int) -> Slot:
        """Where an item sits and which scenario it follows (pairs resolved to their side's scenario)."""
        team = self.team_of(vendor, index)
        slot = self._layouts[vendor][team.index].slot(index - team.start)
        if slot.pair_group is None or slot.pair_index is None:
            return slot
        scenario = self.pair_scenario(slot.pair_group, slot.pair_index, vendor)
        return Slot(
            scenario,
            slot.section,
            0,
            slot.position,
            None,
            0,
            slot.epic_rank,
            slot.pair_group,
            slot.pair_index,
        )

    def scenario(self, vendor: Vendor, index: int) -> Scenario:
        """The scenario an item follows."""
        return self.slot(vendor, index).scenario

    def pair_scenario(self, group: int, pair_index: int, vendor: Vendor) -> Scenario:
        """Scenario of one side of a cross-tool pair: links open/done/mismatched, or a duplicate twin."""
        pair_group = self.pair_groups[group]
        if pair_group.kind is PairKind.DUP:
            return Scenario.DUP_TWIN
        phase = pair_index % 3
        if phase == 0:
            return Scenario.LINK_OPEN
        if phase == 1:
            return Scenario.LINK_DONE
        done_side = pair_group.a if (pair_index // 3) % 2 == 0 else pair_group.b
        return Scenario.LINK_MISMATCH_DONE if vendor is done_side else Scenario.LINK_MISMATCH_OPEN

    def pair_partner(self, vendor: Vendor, index: int) -> tuple[Vendor, int] | None:
        """The other side (vendor, index) of a pair item, or None."""
        slot = self.slot(vendor, index)
        if slot.pair_group is None or slot.pair_index is None:
            return None
        group = self.pair_groups[slot.pair_group]
        other = group.b if vendor is group.a else group.a
        return other, self.pair_member(slot.pair_group, slot.pair_index, other)

    def pair_member(self, group: int, pair_index: int, vendor: Vendor) -> int:
        """Index of pair `pair_index`'s item in `vendor`."""
        teams = self._teams[vendor]
        team = teams[pair_index % len(teams)]
        local = self._layouts[vendor][team.index].pair_slot(group, pair_index)
        if local is None:
            raise IndexError((group, pair_index))
        return team.start + local

    def epic_of(self, vendor: Vendor, team: Team, slot: Slot) -> int | None:
        """Index of the epic an item belongs to, or None (epics, subtasks and orphans)."""
        layout = self._layouts[vendor][team.index]
        if slot.epic_rank is None or layout.epics == 0:
            return None
        rank = slot.epic_rank if slot.epic_rank >= 0 else -1 - slot.epic_rank
        return team.start + rank % layout.epics

    def created_at(self, vendor: Vendor, index: int) -> float:
        """Creation time of an item, computed without generating it (Trello ids embed it)."""
        slot = self.slot(vendor, index)
        if slot.parent_offset:
            parent = index + slot.parent_offset
            return self.created_at(vendor, parent) + self.rng(vendor, parent, Salt.PAIR).uniform(0.01, 1.0) * DAY
        if slot.pair_group is not None and slot.pair_index is not None:
            return self.pair_created_at(slot.pair_group, slot.pair_index, vendor)
        window = creation_window(slot.scenario)
        low, high = window if window else (5.0, 160.0)
        return self.now - self.rng(vendor, index, Salt.CREATED).uniform(low, high) * DAY

    def pair_created_at(self, group: int, pair_index: int, vendor: Vendor) -> float:
        """Creation times of a pair: side a first, side b within days (duplicates within 20 days)."""
        pair_group = self.pair_groups[group]
        rng = random.Random((self.seed << 32) + group * 1_000_003 + pair_index)
        if pair_group.kind is PairKind.DUP:
            base = self.now - rng.uniform(25, 100) * DAY
            gap = rng.uniform(0, 20) * DAY
        else:
            base = self.now - rng.uniform(40, 160) * DAY
            gap = rng.uniform(0.1, 3) * DAY
        return base if vendor is pair_group.a else base + gap

    def pair_rng(self, group: int, pair_index: int) -> random.Random:
        """RNG shared by both sides of a pair (titles, done times)."""
        return random.Random((self.seed << 32) + group * 1_000_003 + pair_index + 7)

    def title_number(self, vendor: Vendor, index: int) -> int:
        """A per-item number for make_title: a seeded bijection of (vendor, index), so titles differ."""
        global_number = (_VENDOR_NO[vendor] - 1) * self.config.items + index
        return (global_number * 7919 + self.seed * 104729) % TITLE_SPACE

    def identity(self, vendor: Vendor, index: int, created: float | None = None) -> ItemIdentity:
        """External id, key and URL of an item, without generating it (pass `created` if known)."""
        team = self.team_of(vendor, index)
        return item_identity(
            vendor,
            index,
            project_key=team.key,
            number=index - team.start + 1,
            created=self.created_at(vendor, index) if created is None else created,
            container=self.container_id(vendor, team.index),
            jira_site=self.config.jira_site,
        )

    def generate(self, vendor: Vendor, index: int) -> GeneratedItem:
        """The item at `index` with its history; a pure function of (config, vendor, index)."""
        from emulators.org.builders import build_item

        return build_item(self, vendor, index)

    # ----- construction
    def _add_person(self, first: str, last: str, home: Vendor, rng: random.Random) -> int:
        person_id = len(self._people)
        email = f"{first}.{last}.{person_id}@acme.example".lower()
        name = f"{first} {last}"
        tz = rng.choice(_TIMEZONES)
        self._people.append(Person(person_id, email, name, home, {home: name}, timezone=tz))
        return person_id

    def _build_people_and_teams(self, rng: random.Random) -> None:
        for vendor, name in _BOTS.items():
            self._bots[vendor] = len(self._people)
            self._people.append(
                Person(len(self._people), f"{vendor}-bot@acme.example", name, vendor, {vendor: name}, True)
            )
        names = list(TEAM_NAMES)
        rng.shuffle(names)
        count = team_count(self.config.items)
        members_by_vendor: dict[Vendor, list[tuple[int, ...]]] = {}
        sizes_by_vendor: dict[Vendor, list[int]] = {}
        for vendor in Vendor:
            weights = [rng.uniform(0.75, 1.25) for _ in range(count)]
            sizes = [int(self.config.items * w / sum(weights)) for w in weights]
            sizes[0] += self.config.items - sum(sizes)
            sizes_by_vendor[vendor] = sizes
            team_members = []
            for size in sizes:
                ids = tuple(
                    self._add_person(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), vendor, rng)
                    for _ in range(team_size(size))
                )
                team_members.append(ids)
            members_by_vendor[vendor] = team_members
            self._overloaded[vendor] = team_members[0][-1]
        guests = self._add_guests(members_by_vendor, rng)
        for vendor_no, vendor in enumerate(Vendor):
            variants = self._workflow_variants(count, rng)
            teams = []
            start = 0
            for t in range(count):
                team_name, key = names[vendor_no * 8 + t]
                size = sizes_by_vendor[vendor][t]
                created = self.now - rng.uniform(400, 900) * DAY
                workflow = build_workflow(variants[t], vendor, invented=t)
                labels = tuple(sorted(rng.sample(_LABELS, 5)))
                team = Team(
                    vendor=vendor,
                    index=t,
                    name=team_name,
                    key=key,
                    timezone=_TIMEZONES[(t + vendor_no) % len(_TIMEZONES)],
                    workflow=workflow,
                    members=members_by_vendor[vendor][t],
                    guests=guests[(vendor, t)],
                    start=start,
                    stop=start + size,
                    labels=labels,
                    created_at=created,
                )
                self._containers[(vendor, t)] = container_id(vendor, t, created)
                teams.append(team)
                start += size
            self._teams[vendor] = tuple(teams)
            self._starts[vendor] = [t.start for t in teams]

    def _add_guests(
        self, members: dict[Vendor, list[tuple[int, ...]]], rng: random.Random
    ) -> dict[tuple[Vendor, int], tuple[int, ...]]:
        """Some people also work in a second or third tool, with the same email and often another name."""
        guests: dict[tuple[Vendor, int], tuple[int, ...]] = {}
        for vendor, teams in members.items():
            others = [p for v, ts in members.items() if v is not vendor for team in ts for p in team]
            for t, team in enumerate(teams):
                chosen = tuple(sorted(rng.sample(others, max(1, len(team) // 4))))
                for person_id in chosen:
                    person = self._people[person_id]
                    person.accounts[vendor] = _display_variant(person.name, rng)
                guests[(vendor, t)] = chosen
        return guests

    @staticmethod
    def _workflow_variants(count: int, rng: random.Random) -> list[WorkflowVariant]:
        """Team 0 follows the reference, team 1 always drifts, the rest are drawn."""
        drift = [v for v in WorkflowVariant if v is not WorkflowVariant.REFERENCE]
        chosen = [WorkflowVariant.REFERENCE, WorkflowVariant.INVENTED]
        chosen += [rng.choice([*drift, WorkflowVariant.REFERENCE]) for _ in range(count - 2)]
        return chosen

    def _build_pair_groups(self) -> tuple[PairGroup, ...]:
        items = self.config.items
        links, dups = max(2, items // 250), max(2, items // 500)
        j, t, a = Vendor.JIRA, Vendor.TRELLO, Vendor.ASANA
        return (
            PairGroup(PairKind.LINK, j, t, links),
            PairGroup(PairKind.LINK, j, a, links),
            PairGroup(PairKind.DUP, j, t, dups),
            PairGroup(PairKind.DUP, j, a, dups),
            PairGroup(PairKind.DUP, t, a, dups),
        )

    def _build_sprints(self, rng: random.Random) -> None:
        for team in self._teams[Vendor.JIRA]:
            active_start = self.now - rng.uniform(6.2, 7.8) * DAY
            sprints = []
            for seq in range(CLOSED_SPRINTS + 1 + FUTURE_SPRINTS):
                offset = seq - CLOSED_SPRINTS
                start = active_start + offset * SPRINT_DAYS * DAY
                end = start + SPRINT_DAYS * DAY
                state = SprintState.CLOSED if offset < 0 else SprintState.ACTIVE if offset == 0 else SprintState.FUTURE
                sprint = Sprint(
                    id=1 + team.index * 100 + seq,
                    team=team.index,
                    name=f"{team.key} Sprint {seq + 1}",
                    state=state,
                    start=start,
                    end=end,
                    complete=end if state is SprintState.CLOSED else None,
                    goal=f"{team.name} increment {seq + 1}",
                )
                sprints.append(sprint)
                self._sprint_by_id[sprint.id] = sprint
            self._sprints[team.index] = tuple(sprints)

    def _build_layouts(self) -> None:
        for vendor_no, vendor in enumerate(Vendor):
            table_rng = random.Random(self.seed * 31 + vendor_no)
            active = build_table(ACTIVE_UNITS, vendor, table_rng)
            creep = build_table(ACTIVE_UNITS + CREEP_UNITS, vendor, table_rng)
            bulk = build_table(BULK_UNITS, vendor, table_rng)
            layouts = []
            teams = self._teams[vendor]
            for team in teams:
                table = creep if vendor is Vendor.JIRA and team.index == self.creep_team else active
                seats = len(self.seat_members(vendor, team.index))
                layouts.append(
                    TeamLayout(
                        vendor=vendor,
                        team=team.index,
                        team_count=len(teams),
                        size=team.size,
                        epics=max(1, min(30, team.size // 400)),
                        overload=team.index == 0,
                        groups=self.pair_groups,
                        active=table,
                        bulk=bulk,
                        active_cycles=max(1, (2 * seats) // table.seats_per_cycle),
                    )
                )
            self._layouts[vendor] = tuple(layouts)


def _display_variant(name: str, rng: random.Random) -> str:
    """The same person's name as another tool shows it: same, nickname, initial, or a handle."""
    first, _, last = name.partition(" ")
    choice = rng.randrange(4)
    if choice == 0:
        return name
    if choice == 1:
        return f"{NICKNAMES.get(first, first[:3])} {last}"
    if choice == 2:
        return f"{first[0]}. {last}"
    return f"{first}.{last}".lower()
