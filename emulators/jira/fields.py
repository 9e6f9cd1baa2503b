"""The field catalogue (`GET /field`) and which fields a request asked for (`fields=*all,-comment,summary`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from emulators.jira.site import CustomFields

__all__ = ["FieldDef", "FieldSelection", "field_catalogue", "field_json"]

ID_FIELDS = frozenset({"id", "key"})


@dataclass(frozen=True)
class FieldDef:
    """One field of the site."""

    id: str
    name: str
    schema: dict[str, object] | None
    clause_names: tuple[str, ...]
    custom: bool = False
    navigable: bool = True
    orderable: bool = True
    searchable: bool = True


def _system(field_id: str, name: str, type_: str | None, items: str | None = None, **flags: bool) -> FieldDef:
    schema: dict[str, object] | None = None
    if type_ is not None:
        schema = {"type": type_, "system": field_id}
        if items is not None:
            schema["items"] = items
    return FieldDef(field_id, name, schema, (field_id,), **flags)


_SYSTEM_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("issuekey", "Key", None, ("id", "issue", "issuekey", "key"), orderable=False),
    _system("summary", "Summary", "string"),
    _system("description", "Description", "string"),
    _system("issuetype", "Issue Type", "issuetype"),
    _system("project", "Project", "project"),
    _system("status", "Status", "status", orderable=False),
    _system("statusCategory", "Status Category", "statusCategory", orderable=False),
    _system("priority", "Priority", "priority"),
    _system("assignee", "Assignee", "user"),
    _system("reporter", "Reporter", "user"),
    _system("creator", "Creator", "user", orderable=False),
    _system("labels", "Labels", "array", "string"),
    _system("created", "Created", "datetime", orderable=False),
    _system("updated", "Updated", "datetime", orderable=False),
    _system("resolution", "Resolution", "resolution"),
    _system("resolutiondate", "Resolved", "datetime", orderable=False),
    _system("duedate", "Due date", "date"),
    _system("parent", "Parent", None),
    _system("subtasks", "Sub-tasks", "array", "issuelinks", orderable=False),
    _system("issuelinks", "Linked Issues", "array", "issuelinks"),
    _system("comment", "Comment", "comments-page", navigable=False),
    _system("worklog", "Log Work", "array", "worklog", navigable=False),
    _system("fixVersions", "Fix versions", "array", "version"),
    _system("components", "Components", "array", "component"),
    _system("timetracking", "Time tracking", "timetracking", navigable=False),
    _system("environment", "Environment", "string"),
    _system("watches", "Watchers", "watches", orderable=False),
    _system("votes", "Votes", "votes", orderable=False),
    _system("attachment", "Attachment", "array", "attachment", navigable=False),
)


@cache
def field_catalogue(custom: CustomFields) -> tuple[FieldDef, ...]:
    """System fields plus the site's Jira Software custom fields."""

    def number(field_id: str) -> str:
        return field_id.removeprefix("customfield_")

    def cf(field_id: str, name: str, type_: str, plugin: str, items: str | None = None) -> FieldDef:
        schema: dict[str, object] = {"type": type_, "custom": plugin, "customId": int(number(field_id))}
        if items is not None:
            schema["items"] = items
        clauses = (f"cf[{number(field_id)}]", name)
        return FieldDef(field_id, name, schema, clauses, custom=True)

    return (
        *_SYSTEM_FIELDS,
        cf(custom.story_points, "Story point estimate", "number", "com.pyxis.greenhopper.jira:jsw-story-points"),
        cf(custom.sprint, "Sprint", "array", "com.pyxis.greenhopper.jira:gh-sprint", "json"),
        cf(
            custom.flagged,
            "Flagged",
            "array",
            "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
            "option",
        ),
        cf(custom.rank, "Rank", "any", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
    )


def field_json(field: FieldDef) -> dict[str, object]:
    """A field as `GET /field` lists it."""
    body: dict[str, object] = {
        "id": field.id,
        "key": field.id,
        "name": field.name,
        "custom": field.custom,
        "orderable": field.orderable,
        "navigable": field.navigable,
        "searchable": field.searchable,
        "clauseNames": list(field.clause_names),
    }
    if field.schema is not None:
        body["schema"] = field.schema
    return body


@dataclass(frozen=True)
class FieldSelection:
    """The fields a request wants; `ids_only` when nothing beyond id/key was asked for."""

    include: frozenset[str]
    exclude: frozenset[str]
    all_fields: bool = False
    navigable: bool = False

    @classmethod
    def parse(cls, values: Iterable[str | None] | None, *, default: str = "id") -> FieldSelection:
        """Read repeated and comma-separated `fields` values (`*all`, `*navigable`, `-name`, ids)."""
        tokens = [t.strip() for v in (values or []) if v for t in v.split(",") if t.strip()]
        if not tokens:
            tokens = [default]
        include: set[str] = set()
        exclude: set[str] = set()
        all_fields = navigable = False
        for token in tokens:
            if token == "*all":
                all_fields = True
            elif token == "*navigable":
                navigable = True
            elif token == "*none":
                continue
            elif token.startswith("-"):
                exclude.add(token[1:])
            else:
                include.add(token)
        return cls(frozenset(include), frozenset(exclude), all_fields, navigable)

    @property
    def ids_only(self) -> bool:
        """Only `id` / `key` requested: the search may return up to 5,000 per page."""
        return not self.all_fields and not self.navigable and self.include <= ID_FIELDS

    @property
    def wants_key(self) -> bool:
        """Whether the issue's key (and self) belong in the answer."""
        return not (self.include == {"id"} and not self.all_fields and not self.navigable)

    def wants(self, field: FieldDef) -> bool:
        """Whether a catalogue field is selected."""
        if field.id in self.exclude:
            return False
        if field.id in self.include or self.all_fields:
            return True
        return self.navigable and field.navigable
