"""The Trello view of the generated organisation: ids and names of boards, lists, labels, fields, members.

Nothing here is stored state: every object is a pure function of the organisation (teams, workflows, people),
so ids map back to what they name in O(1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulators.ids import ObjectKind, parse_trello_id, trello_id, trello_short_link
from emulators.org.generator import DAY, Organisation
from emulators.org.model import ItemType, Person, Status, Team, Vendor

__all__ = ["BoardLabel", "BoardList", "TrelloCatalog"]

T = Vendor.TRELLO
LABEL_SLOTS = 64  # label ids per board: team.index * LABEL_SLOTS + position
LIST_SLOTS = 32
POS_STEP = 16384.0
# Labels every board has besides the team's own: planted ones and the item types (Trello has no issue types).
EXTRA_LABELS = ("blocked", "needs-triage")
TYPE_LABELS = tuple(t.value for t in ItemType)
_COLORS = ("green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink", "black")
_TYPE_COLORS = {"epic": "purple", "story": "green", "task": "sky", "bug": "red", "subtask": "lime"}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class BoardList:
    """A list (a workflow status) on a board."""

    id: str
    board: int
    position: int
    status: Status

    @property
    def name(self) -> str:
        """The list name: the raw status name."""
        return self.status.name

    @property
    def pos(self) -> float:
        """Trello position (lists in workflow order)."""
        return POS_STEP * (self.position + 1)


@dataclass(frozen=True, slots=True)
class BoardLabel:
    """A label on a board."""

    id: str
    board: int
    board_id: str
    name: str
    color: str


class TrelloCatalog:
    """Boards (teams), lists (statuses), labels, the points custom field, members (people), the workspace."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.teams: tuple[Team, ...] = org.teams(T)
        self.epoch = min(t.created_at for t in self.teams) - 30 * DAY
        self.workspace_id = trello_id(self.epoch, ObjectKind.WORKSPACE, 0)
        self.me: int = self.teams[0].members[0]
        self.board_ids = tuple(org.container_id(T, t.index) for t in self.teams)
        self._boards = {board_id: index for index, board_id in enumerate(self.board_ids)}
        self.lists = tuple(self._build_lists(t) for t in self.teams)
        self._lists = {lst.id: lst for lists in self.lists for lst in lists}
        self.labels = tuple(self._build_labels(t) for t in self.teams)
        self._labels = {label.id: label for labels in self.labels for label in labels}
        self.people: tuple[Person, ...] = tuple(p for p in org.people if T in p.accounts)
        self._people = {p.id for p in self.people}

    # ----- boards
    def board_id(self, team: int) -> str:
        """Id of a team's board."""
        return self.board_ids[team]

    def find_board(self, board_id: str) -> int | None:
        """Team index of a board id, or None."""
        return self._boards.get(board_id)

    def board_short_link(self, team: int) -> str:
        """A board's short link (stable)."""
        return trello_short_link(self.board_ids[team])

    def board_url(self, team: int) -> str:
        """The board's web URL."""
        slug = _NOT_ALNUM.sub("-", self.teams[team].name.lower()).strip("-")
        return f"https://trello.com/b/{self.board_short_link(team)}/{slug}"

    def board_members(self, team: int) -> tuple[int, ...]:
        """People on a board: the token owner (admin of every board), then the team's members and guests."""
        people = self.teams[team].people
        return people if self.me in people else (self.me, *people)

    def boards_of(self, person: int) -> tuple[int, ...]:
        """Teams whose boards a person belongs to."""
        return tuple(t.index for t in self.teams if person in self.board_members(t.index))

    # ----- lists
    def _build_lists(self, team: Team) -> tuple[BoardList, ...]:
        return tuple(
            BoardList(trello_id(team.created_at, ObjectKind.COLUMN, team.index * LIST_SLOTS + i), team.index, i, s)
            for i, s in enumerate(team.workflow.statuses)
        )

    def find_list(self, list_id: str) -> BoardList | None:
        """A list by id, or None."""
        return self._lists.get(list_id)

    def list_named(self, team: int, status: str) -> BoardList:
        """The list of a status on a team's board (the first list when the name is unknown)."""
        lists = self.lists[team]
        return next((lst for lst in lists if lst.name == status), lists[0])

    # ----- labels
    def _build_labels(self, team: Team) -> tuple[BoardLabel, ...]:
        names = [*team.labels, *EXTRA_LABELS, *TYPE_LABELS]
        return tuple(
            BoardLabel(
                trello_id(team.created_at, ObjectKind.LABEL, team.index * LABEL_SLOTS + i),
                team.index,
                self.org.container_id(T, team.index),
                name,
                _TYPE_COLORS.get(name, _COLORS[i % len(_COLORS)]),
            )
            for i, name in enumerate(names)
        )

    def find_label(self, label_id: str) -> BoardLabel | None:
        """A label by id, or None."""
        return self._labels.get(label_id)

    def label_named(self, team: int, name: str) -> BoardLabel | None:
        """A board's label by name."""
        return next((label for label in self.labels[team] if label.name == name), None)

    # ----- custom field (story points)
    def points_field_id(self, team: int) -> str:
        """Id of the board's number custom field holding story points."""
        return trello_id(self.teams[team].created_at, ObjectKind.CUSTOM_FIELD, team)

    def find_points_field(self, field_id: str) -> int | None:
        """Team index whose points field has this id, or None."""
        parsed = parse_trello_id(field_id)
        if parsed is None or parsed[0] is not ObjectKind.CUSTOM_FIELD or parsed[1] >= len(self.teams):
            return None
        return parsed[1] if self.points_field_id(parsed[1]) == field_id else None

    def points_item_id(self, card_id: str, index: int) -> str:
        """Id of a card's points customFieldItem (stable per card)."""
        return trello_id(int(card_id[:8], 16), ObjectKind.CUSTOM_FIELD, (1 << 48) + index)

    # ----- members
    def member_id(self, person: int) -> str:
        """A person's Trello member id."""
        return trello_id(self.epoch, ObjectKind.PERSON, person)

    def find_member(self, member_id: str) -> int | None:
        """Person id of a member id (or of `me`), or None."""
        if member_id == "me":
            return self.me
        parsed = parse_trello_id(member_id)
        if parsed is None or parsed[0] is not ObjectKind.PERSON or parsed[1] not in self._people:
            return None
        return parsed[1] if self.member_id(parsed[1]) == member_id else None

    def find_member_by_username(self, username: str) -> int | None:
        """Person id by username, or None (O(people))."""
        return next((p.id for p in self.people if self.username(p.id) == username), None)

    def full_name(self, person: int) -> str:
        """The name the person shows on Trello."""
        found = self.org.person(person)
        return found.accounts.get(T, found.name)

    def username(self, person: int) -> str:
        """A Trello username derived from the display name (unique: it ends with the person id)."""
        return f"{_NOT_ALNUM.sub('', self.full_name(person).lower())}{person}"

    def initials(self, person: int) -> str:
        """Upper-case initials of the display name."""
        words = [w for w in re.split(r"[\s._]+", self.full_name(person)) if w]
        return "".join(w[0] for w in words[:3]).upper()
