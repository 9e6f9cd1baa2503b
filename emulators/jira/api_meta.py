"""Site metadata: serverInfo, myself, fields, projects, statuses, lookups and what tap-jira reads (users of
groups, worklogs, versions, components)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from emulators.jira.context import JiraContext
from emulators.jira.errors import not_found
from emulators.jira.fields import field_catalogue, field_json
from emulators.jira.formats import agile_time, jira_time
from emulators.jira.paging import check_window, page_bean
from emulators.jira.site import CATEGORIES, ISSUE_TYPES, RESOLUTIONS
from emulators.org.model import SprintState, Team

__all__ = ["meta_router", "server_info_router"]

BUILD_NUMBER = 100287
GROUPS = ("jira-administrators", "jira-software-users", "jira-users", "users")


def server_info_router(ctx: JiraContext, version: int) -> APIRouter:
    """`GET serverInfo`: anonymous, as on Jira Cloud."""
    router = APIRouter(prefix=f"/rest/api/{version}", tags=["meta"])

    @router.get("/serverInfo")
    def server_info(request: Request) -> dict[str, Any]:
        now = ctx.runtime.clock.timestamp()
        return {
            "baseUrl": str(request.base_url).rstrip("/"),
            "displayUrl": ctx.runtime.config.jira_site,
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": BUILD_NUMBER,
            "buildDate": jira_time(ctx.site.org.now - 30 * 86400),
            "serverTime": jira_time(now),
            "scmInfo": "emulated",
            "serverTitle": "Jira",
            "serverTimeZone": "Etc/UTC",
        }

    return router


def meta_router(ctx: JiraContext, version: int) -> APIRouter:
    """Metadata routes of one API version."""
    router = APIRouter(prefix=f"/rest/api/{version}", tags=["meta"])
    site = ctx.site

    def team_or_404(key_or_id: str) -> Team:
        team = site.team_by_key_or_id(key_or_id)
        if team is None:
            raise not_found(f"No project could be found with key '{key_or_id}'.")
        return team

    @router.get("/myself")
    def myself(request: Request) -> dict[str, Any]:
        return ctx.view(request, version).myself()

    @router.get("/field")
    def fields() -> list[dict[str, object]]:
        return [field_json(f) for f in field_catalogue(site.fields)]

    @router.get("/project")
    def projects(request: Request, expand: str = "") -> list[dict[str, Any]]:
        view = ctx.view(request, version)
        return [view.project(t, _split(expand)) for t in site.teams]

    @router.get("/project/search")
    def project_search(
        request: Request,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
        expand: str = "",
        query: str = "",
        keys: Annotated[list[str] | None, Query()] = None,
        order_by: Annotated[str, Query(alias="orderBy")] = "key",
    ) -> dict[str, Any]:
        max_results = check_window(start_at, max_results, limit=100)
        view = ctx.view(request, version)
        chosen = [t for t in site.teams if query.lower() in t.name.lower() or query.lower() in t.key.lower()]
        wanted = {k.strip().upper() for value in keys or [] for k in value.split(",") if k.strip()}
        if wanted:
            chosen = [t for t in chosen if t.key in wanted]
        field = order_by.lstrip("+-")
        chosen.sort(key=lambda t: t.name if field == "name" else t.key, reverse=order_by.startswith("-"))
        values = [view.project(t, _split(expand)) for t in chosen]
        return page_bean(values, start_at, max_results, self_url=view.api("project/search"))

    @router.get("/project/type")
    def project_types() -> list[dict[str, Any]]:
        icon = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
        return [
            {
                "key": "software",
                "formattedKey": "Software",
                "descriptionI18nKey": "jira.project.type.software.description",
                "icon": icon,
                "color": "#FF5630",
            },
            {
                "key": "business",
                "formattedKey": "Business",
                "descriptionI18nKey": "jira.project.type.business.description",
                "icon": icon,
                "color": "#36B37E",
            },
        ]

    @router.get("/project/{key_or_id}")
    def project(request: Request, key_or_id: str, expand: str = "") -> dict[str, Any]:
        return ctx.view(request, version).project(
            team_or_404(key_or_id), _split(expand) | {"description", "lead", "issueTypes"}
        )

    @router.get("/project/{key_or_id}/statuses")
    def project_statuses(request: Request, key_or_id: str) -> list[dict[str, Any]]:
        team = team_or_404(key_or_id)
        view = ctx.view(request, version)
        statuses = [view.status(s.name) for s in team.workflow.statuses]
        return [
            {
                "self": view.api(f"issueType/{info.id}"),
                "id": info.id,
                "name": info.name,
                "subtask": info.subtask,
                "statuses": statuses,
            }
            for info in ISSUE_TYPES.values()
        ]

    @router.get("/project/{key_or_id}/version")
    def versions(
        request: Request,
        key_or_id: str,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
    ) -> dict[str, Any]:
        team = team_or_404(key_or_id)
        view = ctx.view(request, version)
        max_results = check_window(start_at, max_results, limit=50)
        project_id = site.project_id(team.index)
        values = []
        for sprint in site.org.sprints(team.index)[-4:]:
            version_id = str(10000 + sprint.id)
            released = sprint.state is SprintState.CLOSED
            values.append(
                {
                    "self": view.api(f"version/{version_id}"),
                    "id": version_id,
                    "name": f"{team.key} {sprint.id % 100}.0",
                    "archived": False,
                    "released": released,
                    "startDate": agile_time(sprint.start)[:10],
                    "releaseDate": agile_time(sprint.end)[:10],
                    "userStartDate": _user_date(sprint.start),
                    "userReleaseDate": _user_date(sprint.end),
                    "projectId": int(project_id),
                    "overdue": False,
                }
            )
        return page_bean(values, start_at, max_results, self_url=view.api(f"project/{key_or_id}/version"))

    @router.get("/project/{key_or_id}/component")
    def components(
        request: Request,
        key_or_id: str,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
    ) -> dict[str, Any]:
        team = team_or_404(key_or_id)
        view = ctx.view(request, version)
        max_results = check_window(start_at, max_results, limit=50)
        values = [
            {
                "self": view.api(f"component/{10000 + team.index * 10 + n}"),
                "id": str(10000 + team.index * 10 + n),
                "name": name,
                "description": f"{name} of {team.name}",
                "lead": view.user(team.members[n % len(team.members)]),
                "assigneeType": "PROJECT_DEFAULT",
                "project": team.key,
                "projectId": int(site.project_id(team.index)),
            }
            for n, name in enumerate(("Frontend", "Backend"))
        ]
        return page_bean(values, start_at, max_results, self_url=view.api(f"project/{key_or_id}/component"))

    @router.get("/status")
    def statuses(request: Request) -> list[dict[str, Any]]:
        view = ctx.view(request, version)
        return [view.status(s.name) for s in site.statuses]

    @router.get("/statuscategory")
    def status_categories(request: Request) -> list[dict[str, Any]]:
        view = ctx.view(request, version)
        return [
            {
                "self": view.api(f"statuscategory/{c.id}"),
                "id": c.id,
                "key": c.key.value,
                "colorName": c.color,
                "name": c.name,
            }
            for c in CATEGORIES
        ]

    @router.get("/issuetype")
    def issue_types(request: Request) -> list[dict[str, Any]]:
        view = ctx.view(request, version)
        return [view.issue_type(info) for info in ISSUE_TYPES.values()]

    @router.get("/projectCategory")
    def project_categories(request: Request) -> list[dict[str, Any]]:
        return [ctx.view(request, version).project_category()]

    @router.get("/resolution")
    def resolutions(request: Request) -> list[dict[str, Any]]:
        view = ctx.view(request, version)
        return [
            {"self": view.api(f"resolution/{r.id}"), "id": r.id, "name": r.name, "description": r.description}
            for r in RESOLUTIONS
        ]

    @router.get("/role")
    def roles(request: Request) -> list[dict[str, Any]]:
        view = ctx.view(request, version)
        names = (("10002", "Administrators"), ("10003", "Member"), ("10004", "Viewer"))
        return [
            {
                "self": view.api(f"role/{i}"),
                "id": int(i),
                "name": n,
                "description": f"{n} of a project",
                "scope": {"type": "GLOBAL"},
            }
            for i, n in names
        ]

    @router.get("/group/member")
    def group_members(
        request: Request,
        groupname: str = "",
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
    ) -> dict[str, Any]:
        if groupname not in GROUPS:
            raise not_found(f"Group with name '{groupname}' does not exist.")
        max_results = check_window(start_at, max_results, limit=50)
        view = ctx.view(request, version)
        people = [site.api_person] if groupname == "jira-administrators" else list(site.jira_people)
        values = [view.user(p) for p in people]
        body = page_bean(values, start_at, max_results, self_url=view.api(f"group/member?groupname={groupname}"))
        if not body["isLast"]:
            body["nextPage"] = view.api(
                f"group/member?groupname={groupname}&startAt={start_at + max_results}&maxResults={max_results}"
            )
        return body

    @router.get("/users/search")
    def users_search(
        request: Request,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
    ) -> list[dict[str, Any]]:
        # Every user of the site, a plain array (no page bean); a page shorter than maxResults is the last.
        max_results = check_window(start_at, max_results, limit=1000)
        view = ctx.view(request, version)
        people = list(site.jira_people)
        if site.api_person not in people:
            people.insert(0, site.api_person)
        users = (view.user(p) for p in people[start_at : start_at + max_results])
        return [user for user in users if user is not None]

    @router.get("/worklog/updated")
    def worklogs_updated(request: Request, since: int = 0) -> dict[str, Any]:
        # The organisation records no time tracking: every site answers with an empty, final page.
        until = int(ctx.runtime.clock.timestamp() * 1000)
        return {
            "values": [],
            "since": since,
            "until": until,
            "self": ctx.view(request, version).api("worklog/updated"),
            "lastPage": True,
        }

    @router.post("/worklog/list")
    def worklog_list() -> list[dict[str, Any]]:
        return []

    return router


def _split(expand: str) -> frozenset[str]:
    return frozenset(part.strip() for part in expand.split(",") if part.strip())


def _user_date(epoch: float) -> str:
    """Jira's `userStartDate` form: `02/Jun/25`."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%d/%b/%y")
