"""Render the organisation as Jira JSON: users, statuses, projects, sprints and issues with their fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulators.jira.changelog import changelog_page_of, comment_json, comments_of
from emulators.jira.fields import FieldSelection, field_catalogue
from emulators.jira.formats import agile_time, jira_date, jira_time, rich_text
from emulators.jira.site import ISSUE_TYPES, IssueTypeInfo, JiraSite, JiraStatus
from emulators.jira.sprints import sprint_field
from emulators.jira.workflow import transitions_of
from emulators.org.model import Event, Item, Sprint, SprintState, Team
from emulators.store import ItemStore

__all__ = ["EXPANDED_CHANGELOG_LIMIT", "View"]

EXPANDED_CHANGELOG_LIMIT = 40  # Jira embeds at most the 40 most recent histories


def _avatars(base: str, seed: str) -> dict[str, str]:
    return {
        size: f"{base}/secure/useravatar?size={size}&avatarId={seed}" for size in ("48x48", "24x24", "16x16", "32x32")
    }


@dataclass(frozen=True)
class View:
    """Renders for one request: the site, the base URL for `self` links and the API version (2 or 3)."""

    site: JiraSite
    base_url: str
    version: int = 3
    lookup: Callable[[int], Item | None] | None = None

    # ----- small objects
    def api(self, path: str) -> str:
        """A platform API URL of this view's version."""
        return f"{self.base_url}/rest/api/{self.version}/{path}"

    def user(self, person: int | None) -> dict[str, Any] | None:
        """A user (None stays None)."""
        if person is None:
            return None
        found = self.site.org.person(person)
        account_id = self.site.account_id(person)
        return {
            "self": self.api(f"user?accountId={account_id}"),
            "accountId": account_id,
            "emailAddress": self.site.email_of(person),
            "avatarUrls": _avatars(self.base_url, str(10000 + person)),
            "displayName": self.site.display_name(person),
            "active": True,
            "timeZone": found.timezone,
            "accountType": "app" if found.is_bot else "atlassian",
        }

    def myself(self) -> dict[str, Any]:
        """GET /myself."""
        user = self.user(self.site.api_person)
        assert user is not None
        return {
            **user,
            "locale": "en_US",
            "groups": {"size": 2, "items": []},
            "applicationRoles": {"size": 1, "items": []},
        }

    def category(self, status: JiraStatus) -> dict[str, Any]:
        """A status category."""
        category = status.category
        return {
            "self": self.api(f"statuscategory/{category.id}"),
            "id": category.id,
            "key": category.key.value,
            "colorName": category.color,
            "name": category.name,
        }

    def status(self, name: str) -> dict[str, Any]:
        """A status with its category."""
        status = self.site.status(name)
        return {
            "self": self.api(f"status/{status.id}"),
            "description": "",
            "iconUrl": f"{self.base_url}/images/icons/statuses/generic.png",
            "name": status.name,
            "untranslatedName": status.name,
            "id": status.id,
            "statusCategory": self.category(status),
        }

    def issue_type(self, info: IssueTypeInfo) -> dict[str, Any]:
        """An issue type."""
        return {
            "self": self.api(f"issuetype/{info.id}"),
            "id": info.id,
            "description": info.description,
            "iconUrl": f"{self.base_url}/images/icons/issuetypes/{info.name.lower()}.svg",
            "name": info.name,
            "subtask": info.subtask,
            "hierarchyLevel": info.hierarchy_level,
            "avatarId": 10300 + int(info.id) % 100,
        }

    def resolution(self, name: str | None) -> dict[str, Any] | None:
        """A resolution (None stays None)."""
        if name is None:
            return None
        info = self.site.resolution(name)
        return {
            "self": self.api(f"resolution/{info.id}"),
            "id": info.id,
            "description": info.description,
            "name": info.name,
        }

    def priority(self) -> dict[str, Any]:
        """Every generated issue has Medium priority."""
        return {
            "self": self.api("priority/3"),
            "iconUrl": f"{self.base_url}/images/icons/priorities/medium.svg",
            "name": "Medium",
            "id": "3",
        }

    def project_ref(self, team: Team) -> dict[str, Any]:
        """A project as embedded in an issue."""
        project_id = self.site.project_id(team.index)
        return {
            "self": self.api(f"project/{project_id}"),
            "id": project_id,
            "key": team.key,
            "name": team.name,
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": _avatars(self.base_url, project_id),
        }

    def project(self, team: Team, expand: frozenset[str] = frozenset()) -> dict[str, Any]:
        """A project as /project and /project/search list it."""
        body = {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            **self.project_ref(team),
            "style": "classic",
            "isPrivate": False,
            "properties": {},
            "projectCategory": self.project_category(),
            "uuid": f"00000000-0000-4000-8000-{team.index:012d}",
        }
        if "description" in expand:
            body["description"] = f"{team.name} backlog"
        if "lead" in expand:
            body["lead"] = self.user(team.members[0])
        if "url" in expand:
            body["url"] = f"{self.site.org.config.jira_site}/jira/software/c/projects/{team.key}"
        if "projectKeys" in expand:
            body["projectKeys"] = [team.key]
        if "issueTypes" in expand:
            body["issueTypes"] = [self.issue_type(info) for info in ISSUE_TYPES.values()]
        if "insight" in expand:
            body["insight"] = {"totalIssueCount": 0, "lastIssueUpdateTime": jira_time(self.site.org.now)}
        return body

    def project_category(self) -> dict[str, Any]:
        """The one project category every project belongs to."""
        return {
            "self": self.api("projectCategory/10000"),
            "id": "10000",
            "name": "Engineering",
            "description": "Product engineering teams",
        }

    def sprint(self, sprint: Sprint, *, agile: bool = False) -> dict[str, Any]:
        """A sprint (Agile API shape with `self`; the sprint custom field shape otherwise)."""
        body: dict[str, Any] = {
            "id": sprint.id,
            "name": sprint.name,
            "state": sprint.state.value,
            "boardId": self.site.board_id(sprint.team),
            "goal": sprint.goal,
            "startDate": agile_time(sprint.start),
            "endDate": agile_time(sprint.end),
        }
        if sprint.complete is not None:
            body["completeDate"] = agile_time(sprint.complete)
        if agile:
            body = {
                "self": f"{self.base_url}/rest/agile/1.0/sprint/{sprint.id}",
                **{k: v for k, v in body.items() if k != "boardId"},
                "createdDate": agile_time(sprint.start - 3 * 86400),
                "originBoardId": self.site.board_id(sprint.team),
            }
        return body

    # ----- issues
    def issue(
        self,
        store: ItemStore,
        item: Item,
        selection: FieldSelection,
        expand: frozenset[str] = frozenset(),
        *,
        agile: bool = False,
        events: tuple[Event, ...] | None = None,
    ) -> dict[str, Any]:
        """An issue with the selected fields and expansions (history generated only when needed)."""
        if not selection.wants_key and not expand:
            return {"id": item.external_id}
        body: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": item.external_id,
            "self": self.api(f"issue/{item.external_id}"),
            "key": item.key,
        }
        history: tuple[Event, ...] | None = events

        def all_events() -> tuple[Event, ...]:
            nonlocal history
            if history is None:
                history = store.history(item.index)
            return history

        fields: dict[str, Any] = {}
        renderers = self._renderers(store, item, all_events)
        for field in field_catalogue(self.site.fields):
            render = renderers.get(field.id)
            if render is not None and selection.wants(field):
                fields[field.id] = render()
        if agile and (selection.all_fields or selection.navigable):
            fields.update(self._agile_fields(item, all_events()))
        if selection.include - {"id", "key"} or selection.all_fields or selection.navigable or fields:
            body["fields"] = fields
        if "changelog" in expand:
            page = changelog_page_of(self, item, all_events())
            recent = page[-EXPANDED_CHANGELOG_LIMIT:]
            body["changelog"] = {"startAt": 0, "maxResults": len(recent), "total": len(page), "histories": recent}
        if "transitions" in expand:
            body["transitions"] = transitions_of(self, item)
        if "names" in expand:
            body["names"] = {f.id: f.name for f in field_catalogue(self.site.fields) if f.id in fields}
        return body

    def _renderers(
        self, store: ItemStore, item: Item, events: Callable[[], tuple[Event, ...]]
    ) -> dict[str, Callable[[], Any]]:
        site = self.site
        custom = site.fields
        team = site.teams[item.team]
        return {
            "summary": lambda: item.title,
            "description": lambda: rich_text(item.description, self.version),
            "issuetype": lambda: self.issue_type(ISSUE_TYPES[item.type]),
            "project": lambda: self.project_ref(team),
            "status": lambda: self.status(item.status),
            "priority": self.priority,
            "assignee": lambda: self.user(item.assignee),
            "reporter": lambda: self.user(item.reporter),
            "creator": lambda: self.user(item.reporter),
            "labels": lambda: list(item.labels),
            "created": lambda: jira_time(item.created_at),
            "updated": lambda: jira_time(item.updated_at),
            "resolution": lambda: self.resolution(item.resolution),
            "resolutiondate": lambda: None if item.resolved_at is None else jira_time(item.resolved_at),
            "duedate": lambda: jira_date(item.due),
            "parent": lambda: self._parent(store, item),
            "subtasks": list,
            "issuelinks": list,
            "comment": lambda: self._comment_page(item, events()),
            "worklog": lambda: {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
            "fixVersions": list,
            "components": list,
            "timetracking": dict,
            "environment": lambda: None,
            "watches": lambda: {"self": self.api(f"issue/{item.key}/watchers"), "watchCount": 1, "isWatching": False},
            "votes": lambda: {"self": self.api(f"issue/{item.key}/votes"), "votes": 0, "hasVoted": False},
            "attachment": list,
            custom.story_points: lambda: item.estimate,
            custom.sprint: lambda: self._sprint_field(item, events()),
            custom.flagged: lambda: (
                [{"self": f"{self.base_url}/rest/api/2/customFieldOption/10019", "value": "Impediment", "id": "10019"}]
                if item.flagged
                else None
            ),
            custom.rank: lambda: f"0|i{item.index:07x}:",
        }

    def _parent(self, store: ItemStore, item: Item) -> dict[str, Any] | None:
        if item.parent is None:
            return None
        parent = (self.lookup or store.get)(item.parent)
        if parent is None:
            return None
        return {
            "id": parent.external_id,
            "key": parent.key,
            "self": self.api(f"issue/{parent.external_id}"),
            "fields": {
                "summary": parent.title,
                "status": self.status(parent.status),
                "priority": self.priority(),
                "issuetype": self.issue_type(ISSUE_TYPES[parent.type]),
            },
        }

    def _comment_page(self, item: Item, events: tuple[Event, ...]) -> dict[str, Any]:
        comments = [comment_json(self, item, e) for e in comments_of(events)]
        return {
            "comments": comments,
            "self": self.api(f"issue/{item.external_id}/comment"),
            "maxResults": len(comments),
            "total": len(comments),
            "startAt": 0,
        }

    def sprints_of(self, item: Item, events: tuple[Event, ...]) -> list[Sprint]:
        """The sprint field: closed sprints the issue was in, then its current sprint."""
        return sprint_field(self.site, item, events)

    def _sprint_field(self, item: Item, events: tuple[Event, ...]) -> list[dict[str, Any]] | None:
        sprints = self.sprints_of(item, events)
        return [self.sprint(s) for s in sprints] or None

    def _agile_fields(self, item: Item, events: tuple[Event, ...]) -> dict[str, Any]:
        sprints = self.sprints_of(item, events)
        current = next((s for s in sprints if s.id == item.sprint and s.state is not SprintState.CLOSED), None)
        return {
            "flagged": item.flagged,
            "sprint": None if current is None else self.sprint(current, agile=True),
            "closedSprints": [self.sprint(s, agile=True) for s in sprints if s.state is SprintState.CLOSED],
        }
