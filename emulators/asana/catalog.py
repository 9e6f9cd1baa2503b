"""The Asana objects around tasks, derived from the organisation: workspace, teams, users, projects, sections,
custom fields and tags, with their gids (emulators.ids) and full records (built once, then shared)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from emulators.asana.timefmt import format_time
from emulators.ids import ObjectKind, asana_gid, parse_asana_gid
from emulators.org.generator import Organisation
from emulators.org.model import ItemType, Person, Status, StatusCategory, Team, Vendor

__all__ = ["ESTIMATE_FIELD", "TYPE_FIELD", "Catalog", "SectionRef"]

WEB = "https://app.asana.com"
WORKSPACE_NAME = "Acme"
ESTIMATE_FIELD = 1
TYPE_FIELD = 2
_ENUM_OPTION_BASE = 1000
_SECTIONS_PER_PROJECT = 100
_EXTRA_LABELS = ("blocked", "needs-triage")
_TYPE_COLOURS = {
    ItemType.EPIC: "purple",
    ItemType.STORY: "green",
    ItemType.TASK: "blue",
    ItemType.BUG: "red",
    ItemType.SUBTASK: "cool-gray",
}


@dataclass(frozen=True)
class SectionRef:
    """A section: the project (team index) and the status it stands for."""

    team: int
    position: int
    status: Status


class Catalog:
    """Gids and records of everything that is not a task or a story."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.vendor = Vendor.ASANA
        self.teams: tuple[Team, ...] = org.teams(Vendor.ASANA)
        self.me: int = self.teams[0].members[0]
        self.workspace_gid = asana_gid(ObjectKind.WORKSPACE, 0)
        self._people: dict[int, Person] = {p.id: p for p in org.people_of(Vendor.ASANA)}
        self._emails = {p.email.lower(): p.id for p in self._people.values()}
        labels = {label for team in org.teams(Vendor.ASANA) for label in team.labels} | set(_EXTRA_LABELS)
        self._labels: list[str] = sorted(labels)
        self._label_index = {label: i for i, label in enumerate(self._labels)}
        self._lock = threading.Lock()
        self.workspace = self._workspace_record()
        self._users = {pid: self._user_record(p) for pid, p in self._people.items()}
        self._team_records = [self._team_record(t) for t in self.teams]
        self._section_records = [
            [self._section_record(t, i, s) for i, s in enumerate(t.workflow.statuses)] for t in self.teams
        ]
        self.estimate_field = self._estimate_field_record()
        self.type_field = self._type_field_record()
        self._settings = [self._settings_records(t) for t in self.teams]
        self._projects = [self._project_record(t) for t in self.teams]

    # ----- gids
    def user_gid(self, person: int) -> str:
        """A person's user gid."""
        return asana_gid(ObjectKind.PERSON, person)

    def project_gid(self, team: int) -> str:
        """A team's project gid (the org's container id)."""
        return self.org.container_id(Vendor.ASANA, team)

    def team_gid(self, team: int) -> str:
        """A team's gid."""
        return asana_gid(ObjectKind.TEAM, team)

    def section_gid(self, team: int, position: int) -> str:
        """The gid of the section at `position` of a project's workflow."""
        return asana_gid(ObjectKind.COLUMN, team * _SECTIONS_PER_PROJECT + position)

    def tag_gid(self, label: str) -> str:
        """The tag of a label (labels first seen at run time get new tags)."""
        with self._lock:
            if label not in self._label_index:
                self._label_index[label] = len(self._labels)
                self._labels.append(label)
            return asana_gid(ObjectKind.LABEL, self._label_index[label])

    # ----- lookups from gids (None when unknown)
    def person(self, gid: str) -> int | None:
        """Person id of a user gid, `me`, or an email."""
        if gid == "me":
            return self.me
        if "@" in gid:
            return self._emails.get(gid.lower())
        parsed = parse_asana_gid(gid)
        if parsed is None or parsed[0] is not ObjectKind.PERSON or parsed[1] not in self._people:
            return None
        return parsed[1]

    def project_team(self, gid: str) -> int | None:
        """Team index of a project gid."""
        parsed = parse_asana_gid(gid)
        ok = parsed is not None and parsed[0] is ObjectKind.CONTAINER and parsed[1] < len(self.teams)
        return parsed[1] if ok and parsed is not None else None

    def team_index(self, gid: str) -> int | None:
        """Team index of a team gid."""
        parsed = parse_asana_gid(gid)
        ok = parsed is not None and parsed[0] is ObjectKind.TEAM and parsed[1] < len(self.teams)
        return parsed[1] if ok and parsed is not None else None

    def section(self, gid: str) -> SectionRef | None:
        """The section of a section gid."""
        parsed = parse_asana_gid(gid)
        if parsed is None or parsed[0] is not ObjectKind.COLUMN:
            return None
        team, position = divmod(parsed[1], _SECTIONS_PER_PROJECT)
        if team >= len(self.teams) or position >= len(self.teams[team].workflow.statuses):
            return None
        return SectionRef(team, position, self.teams[team].workflow.statuses[position])

    def section_of_status(self, team: int, status: str) -> str:
        """The section gid holding tasks of a status."""
        return self.section_gid(team, max(0, self.teams[team].workflow.position(status)))

    def label(self, tag_gid: str) -> str | None:
        """The label a tag stands for."""
        parsed = parse_asana_gid(tag_gid)
        if parsed is None or parsed[0] is not ObjectKind.LABEL:
            return None
        with self._lock:
            return self._labels[parsed[1]] if parsed[1] < len(self._labels) else None

    def is_workspace(self, gid: str | None) -> bool:
        """Whether a gid names the one workspace."""
        return gid == self.workspace_gid

    # ----- records
    def user(self, person: int) -> dict[str, Any]:
        """Full user record (people without an Asana account are rendered from their home name)."""
        record = self._users.get(person)
        return record if record is not None else self._user_record(self.org.person(person))

    def users(self) -> list[dict[str, Any]]:
        """Every user of the workspace, bots included, by gid."""
        return [self._users[pid] for pid in sorted(self._users)]

    def team(self, team: int) -> dict[str, Any]:
        """Full team record."""
        return self._team_records[team]

    def project(self, team: int) -> dict[str, Any]:
        """Full project record."""
        return self._projects[team]

    def sections(self, team: int) -> list[dict[str, Any]]:
        """A project's sections in board order."""
        return self._section_records[team]

    def section_record(self, ref: SectionRef) -> dict[str, Any]:
        """Full section record."""
        return self._section_records[ref.team][ref.position]

    def custom_field_settings(self, team: int) -> list[dict[str, Any]]:
        """The custom field settings of a project (Story Points, Type)."""
        return self._settings[team]

    def custom_field(self, gid: str) -> dict[str, Any] | None:
        """A custom field by gid."""
        return next((f for f in (self.estimate_field, self.type_field) if f["gid"] == gid), None)

    def type_option(self, item_type: ItemType) -> dict[str, Any]:
        """The enum option of an item type."""
        options: list[dict[str, Any]] = self.type_field["enum_options"]
        return options[list(ItemType).index(item_type)]

    def tag(self, label: str) -> dict[str, Any]:
        """Full tag record of a label."""
        gid = self.tag_gid(label)
        return {
            "gid": gid,
            "resource_type": "tag",
            "name": label,
            "color": "light-blue",
            "notes": "",
            "created_at": format_time(self.org.now - 400 * 86400.0),
            "followers": [],
            "workspace": self.workspace,
            "permalink_url": f"{WEB}/0/{gid}/{gid}",
        }

    def tags(self) -> list[dict[str, Any]]:
        """Every tag of the workspace."""
        with self._lock:
            labels = list(self._labels)
        return [self.tag(label) for label in labels]

    def projects(self) -> list[dict[str, Any]]:
        """Every project, in team order."""
        return list(self._projects)

    def is_closed(self, category: StatusCategory) -> bool:
        """Asana's `completed`: done and cancelled tasks are complete (the section tells them apart)."""
        return not category.is_open

    # ----- builders
    def _workspace_record(self) -> dict[str, Any]:
        return {
            "gid": self.workspace_gid,
            "resource_type": "workspace",
            "name": WORKSPACE_NAME,
            "email_domains": ["acme.example"],
            "is_organization": True,
        }

    def _user_record(self, person: Person) -> dict[str, Any]:
        gid = self.user_gid(person.id)
        return {
            "gid": gid,
            "resource_type": "user",
            "name": person.accounts.get(Vendor.ASANA, person.name),
            "email": person.email,
            "photo": None,
            "workspaces": [self.workspace],
        }

    def _team_record(self, team: Team) -> dict[str, Any]:
        gid = self.team_gid(team.index)
        return {
            "gid": gid,
            "resource_type": "team",
            "name": team.name,
            "description": f"The {team.name} team.",
            "html_description": f"<body>The {team.name} team.</body>",
            "organization": self.workspace,
            "permalink_url": f"{WEB}/0/{gid}/{gid}",
            "visibility": "request_to_join",
        }

    def _section_record(self, team: Team, position: int, status: Status) -> dict[str, Any]:
        project = {"gid": self.project_gid(team.index), "resource_type": "project", "name": team.name}
        return {
            "gid": self.section_gid(team.index, position),
            "resource_type": "section",
            "name": status.name,
            "created_at": format_time(team.created_at + position),
            "project": project,
            "projects": [project],
        }

    def _estimate_field_record(self) -> dict[str, Any]:
        return {
            "gid": asana_gid(ObjectKind.CUSTOM_FIELD, ESTIMATE_FIELD),
            "resource_type": "custom_field",
            "name": "Story Points",
            "resource_subtype": "number",
            "type": "number",
            "representation_type": "number",
            "description": "Estimate in story points.",
            "precision": 0,
            "format": "none",
            "enabled": True,
            "is_formula_field": False,
            "is_value_read_only": False,
            "is_global_to_workspace": True,
            "has_notifications_enabled": True,
            "id_prefix": None,
            "number_value": None,
            "display_value": None,
        }

    def _type_field_record(self) -> dict[str, Any]:
        options = [
            {
                "gid": asana_gid(ObjectKind.CUSTOM_FIELD, _ENUM_OPTION_BASE + n),
                "resource_type": "enum_option",
                "name": item_type.value.capitalize(),
                "enabled": True,
                "color": _TYPE_COLOURS[item_type],
            }
            for n, item_type in enumerate(ItemType)
        ]
        return {
            "gid": asana_gid(ObjectKind.CUSTOM_FIELD, TYPE_FIELD),
            "resource_type": "custom_field",
            "name": "Type",
            "resource_subtype": "enum",
            "type": "enum",
            "representation_type": "enum",
            "description": "Work item type.",
            "enum_options": options,
            "enabled": True,
            "is_formula_field": False,
            "is_value_read_only": False,
            "is_global_to_workspace": True,
            "has_notifications_enabled": True,
            "id_prefix": None,
            "enum_value": None,
            "display_value": None,
        }

    def _settings_records(self, team: Team) -> list[dict[str, Any]]:
        project = {"gid": self.project_gid(team.index), "resource_type": "project", "name": team.name}
        return [
            {
                "gid": asana_gid(ObjectKind.CUSTOM_FIELD, 100 + team.index * 10 + n),
                "resource_type": "custom_field_setting",
                "project": project,
                "parent": project,
                "is_important": True,
                "custom_field": field,
            }
            for n, field in enumerate((self.estimate_field, self.type_field))
        ]

    def _project_record(self, team: Team) -> dict[str, Any]:
        gid = self.project_gid(team.index)
        owner = team.members[0]
        return {
            "gid": gid,
            "resource_type": "project",
            "name": team.name,
            "archived": False,
            "color": "light-green",
            "icon": "board",
            "created_at": format_time(team.created_at),
            "modified_at": format_time(self.org.now),
            "current_status": None,
            "current_status_update": None,
            "custom_field_settings": self._settings[team.index],
            "default_view": "board",
            "due_date": None,
            "due_on": None,
            "start_on": None,
            "notes": f"Backlog of the {team.name} team.",
            "html_notes": f"<body>Backlog of the {team.name} team.</body>",
            "members": [self.user(p) for p in team.people],
            "public": True,
            "privacy_setting": "public_to_workspace",
            "completed": False,
            "completed_at": None,
            "completed_by": None,
            "followers": [self.user(owner)],
            "owner": self.user(owner),
            "team": self._team_records[team.index],
            "workspace": self.workspace,
            "permalink_url": f"{WEB}/0/{gid}/board",
        }
