"""What one emulated Jira site is made of, derived from the organisation: users, projects, boards, statuses,
issue types, resolutions and the site-specific custom field ids (never the usual `customfield_100xx`)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from emulators.ids import jira_account_id
from emulators.org.generator import Organisation
from emulators.org.model import ItemType, Person, Sprint, StatusCategory, Team, Vendor

__all__ = [
    "CATEGORIES",
    "ISSUE_TYPES",
    "RESOLUTIONS",
    "CustomFields",
    "IssueTypeInfo",
    "JiraCategory",
    "JiraSite",
    "JiraStatus",
    "ResolutionInfo",
]


class JiraCategory(StrEnum):
    """Jira's four status categories (keys)."""

    UNDEFINED = "undefined"
    NEW = "new"
    INDETERMINATE = "indeterminate"
    DONE = "done"


@dataclass(frozen=True)
class CategoryInfo:
    """A status category as /statuscategory lists it."""

    id: int
    key: JiraCategory
    name: str
    color: str


CATEGORIES: tuple[CategoryInfo, ...] = (
    CategoryInfo(1, JiraCategory.UNDEFINED, "No Category", "medium-gray"),
    CategoryInfo(2, JiraCategory.NEW, "To Do", "blue-gray"),
    CategoryInfo(4, JiraCategory.INDETERMINATE, "In Progress", "yellow"),
    CategoryInfo(3, JiraCategory.DONE, "Done", "green"),
)
_CATEGORY_BY_KEY = {c.key: c for c in CATEGORIES}
_JIRA_CATEGORY = {
    StatusCategory.BACKLOG: JiraCategory.NEW,
    StatusCategory.TODO: JiraCategory.NEW,
    StatusCategory.IN_PROGRESS: JiraCategory.INDETERMINATE,
    StatusCategory.DONE: JiraCategory.DONE,
    StatusCategory.CANCELLED: JiraCategory.DONE,
}


@dataclass(frozen=True)
class JiraStatus:
    """A global Jira status: id, name, category."""

    id: str
    name: str
    category: CategoryInfo


@dataclass(frozen=True)
class IssueTypeInfo:
    """An issue type of the site."""

    id: str
    name: str
    subtask: bool
    hierarchy_level: int
    description: str


ISSUE_TYPES: dict[ItemType, IssueTypeInfo] = {
    ItemType.EPIC: IssueTypeInfo("10000", "Epic", False, 1, "A big user story that needs to be broken down."),
    ItemType.STORY: IssueTypeInfo("10001", "Story", False, 0, "Functionality or a feature expressed as a user goal."),
    ItemType.TASK: IssueTypeInfo("10002", "Task", False, 0, "A small, distinct piece of work."),
    ItemType.BUG: IssueTypeInfo("10003", "Bug", False, 0, "A problem or error."),
    ItemType.SUBTASK: IssueTypeInfo("10004", "Subtask", True, -1, "A small piece of work that's part of a task."),
}


@dataclass(frozen=True)
class ResolutionInfo:
    """A resolution of the site."""

    id: str
    name: str
    description: str


RESOLUTIONS: tuple[ResolutionInfo, ...] = (
    ResolutionInfo("10000", "Done", "Work has been completed on this issue."),
    ResolutionInfo("10001", "Won't Do", "This issue won't be actioned."),
    ResolutionInfo("10002", "Duplicate", "The problem is a duplicate of an existing issue."),
    ResolutionInfo("10003", "Cannot Reproduce", "This issue couldn't be reproduced."),
)


@dataclass(frozen=True)
class CustomFields:
    """The site's custom field ids (`customfield_NNNNN`), drawn from the seed."""

    story_points: str
    sprint: str
    flagged: str
    rank: str

    @classmethod
    def for_seed(cls, seed: int) -> CustomFields:
        """Distinct ids in 10100..19999, so no consumer can hard-code the common 10016 / 10020."""
        numbers = random.Random(f"jira-custom-fields:{seed}").sample(range(10100, 20000), 4)
        story_points, sprint, flagged, rank = (f"customfield_{n}" for n in numbers)
        return cls(story_points=story_points, sprint=sprint, flagged=flagged, rank=rank)


class JiraSite:
    """Lookups over the organisation as Jira shows it (all O(1) after construction)."""

    def __init__(self, org: Organisation, *, api_email: str) -> None:
        self.org = org
        self.api_email = api_email
        self.teams: tuple[Team, ...] = org.teams(Vendor.JIRA)
        self.fields = CustomFields.for_seed(org.seed)
        self._team_by_key = {t.key: t for t in self.teams}
        self._team_by_project_id = {org.container_id(Vendor.JIRA, t.index): t for t in self.teams}
        self._statuses = self._build_statuses()
        self._accounts = {jira_account_id(p.id): p.id for p in org.people_of(Vendor.JIRA)}
        self.api_person = self._choose_api_person()
        # Project order for `ORDER BY key`: projects by key, then issue number.
        self.key_rank = {t.index: rank for rank, t in enumerate(sorted(self.teams, key=lambda t: t.key))}

    # ----- people
    def _choose_api_person(self) -> int:
        """The account behind the demo token: a Jira-only member of the first team, outside UTC if possible."""
        members = [self.org.person(m) for m in self.teams[0].members if m != self.org.overloaded_person(Vendor.JIRA)]
        home_only = [p for p in members if set(p.accounts) == {Vendor.JIRA}] or members
        return next((p.id for p in home_only if p.timezone != "UTC"), home_only[0].id)

    @property
    def api_user(self) -> Person:
        """The authenticated user (myself)."""
        return self.org.person(self.api_person)

    def account_id(self, person: int) -> str:
        """A person's Atlassian account id."""
        return jira_account_id(person)

    def person_of(self, account_id: str) -> int | None:
        """The person with this account id (Jira accounts only)."""
        return self._accounts.get(account_id)

    def email_of(self, person: int) -> str:
        """The email Jira shows: the demo login for the API user, the organisation's otherwise."""
        return self.api_email if person == self.api_person else self.org.person(person).email

    def display_name(self, person: int) -> str:
        """The name a person has in Jira."""
        found = self.org.person(person)
        return found.accounts.get(Vendor.JIRA, found.name)

    @cached_property
    def jira_people(self) -> tuple[int, ...]:
        """Everyone with a Jira account, by id."""
        return tuple(p.id for p in self.org.people_of(Vendor.JIRA))

    # ----- projects, boards, sprints
    def team_by_key_or_id(self, key_or_id: str) -> Team | None:
        """The team whose project has this key or id."""
        return self._team_by_key.get(key_or_id.upper()) or self._team_by_project_id.get(key_or_id)

    def team_by_name(self, name: str) -> Team | None:
        """The team whose project has this name (case-insensitive)."""
        return next((t for t in self.teams if t.name.lower() == name.lower()), None)

    def project_id(self, team: int) -> str:
        """The numeric project id of a team."""
        return self.org.container_id(Vendor.JIRA, team)

    def board_id(self, team: int) -> int:
        """The scrum board of a team."""
        return team + 1

    def team_of_board(self, board_id: int) -> Team | None:
        """The team owning a board."""
        return self.teams[board_id - 1] if 1 <= board_id <= len(self.teams) else None

    def sprint(self, sprint_id: int) -> Sprint | None:
        """A sprint by id, or None."""
        try:
            return self.org.sprint(sprint_id)
        except KeyError:
            return None

    # ----- statuses
    def _build_statuses(self) -> dict[str, JiraStatus]:
        statuses: dict[str, JiraStatus] = {}
        for team in self.teams:
            for status in team.workflow.statuses:
                if status.name not in statuses:
                    category = _CATEGORY_BY_KEY[_JIRA_CATEGORY[status.category]]
                    statuses[status.name] = JiraStatus(str(10000 + len(statuses)), status.name, category)
        return statuses

    @property
    def statuses(self) -> tuple[JiraStatus, ...]:
        """Every status used by a project, in first-use order."""
        return tuple(self._statuses.values())

    def status(self, name: str) -> JiraStatus:
        """The global status of a raw status name."""
        found = self._statuses.get(name)
        if found is None:  # a status a client invented through an API write
            found = JiraStatus(str(10000 + len(self._statuses)), name, _CATEGORY_BY_KEY[JiraCategory.NEW])
            self._statuses[name] = found
        return found

    def find_status(self, name_or_id: str) -> JiraStatus | None:
        """A status by id or case-insensitive name."""
        lowered = name_or_id.lower()
        return next((s for s in self._statuses.values() if s.id == name_or_id or s.name.lower() == lowered), None)

    @staticmethod
    def find_category(name_key_or_id: str) -> CategoryInfo | None:
        """A status category by id, key or case-insensitive name."""
        lowered = name_key_or_id.lower()
        return next((c for c in CATEGORIES if lowered in (str(c.id), c.key.value, c.name.lower())), None)

    # ----- issue types and resolutions
    @staticmethod
    def issue_type(item_type: ItemType) -> IssueTypeInfo:
        """The Jira issue type of an item type."""
        return ISSUE_TYPES[item_type]

    @staticmethod
    def find_issue_type(name_or_id: str) -> ItemType | None:
        """An item type by issue type id or case-insensitive name (`Sub-task` too)."""
        lowered = name_or_id.lower().replace("-", "")
        return next(
            (t for t, info in ISSUE_TYPES.items() if name_or_id == info.id or lowered == info.name.lower()), None
        )

    @staticmethod
    def resolution(name: str) -> ResolutionInfo:
        """A resolution by name (unknown names get an id past the catalogue)."""
        found = next((r for r in RESOLUTIONS if r.name == name), None)
        return found or ResolutionInfo(str(10000 + len(RESOLUTIONS)), name, "")

    @staticmethod
    def category_key(category: StatusCategory) -> JiraCategory:
        """Jira's category of one of the organisation's status categories."""
        return _JIRA_CATEGORY[category]
