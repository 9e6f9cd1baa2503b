"""Single issues: read, create, edit, delete, changelog (paged and bulk), comments, transitions, remote links."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from emulators.jira.api_search import expansions, read_body
from emulators.jira.changelog import change_items, comment_json, comments_of, history_json
from emulators.jira.context import JiraContext
from emulators.jira.errors import JiraApiError, bad_request
from emulators.jira.fields import FieldSelection
from emulators.jira.formats import adf_text
from emulators.jira.paging import check_window, page_bean
from emulators.jira.responses import json_body
from emulators.jira.workflow import find_transition, transitions_of
from emulators.jira.writes import apply_field_edits, apply_label_updates, create_issue, transition
from emulators.org.model import EventKind, ItemType, LinkKind

__all__ = ["issues_router"]

BULK_ISSUES_MAX = 1000
BULK_FIELDS_MAX = 10
BULK_RESULTS_MAX = 10000


class BulkChangelogBody(BaseModel):
    """POST changelog/bulkfetch."""

    model_config = ConfigDict(extra="forbid")

    issueIdsOrKeys: list[str]
    fieldIds: list[str] | None = None
    maxResults: int | None = None
    nextPageToken: str | None = None


class IssueBody(BaseModel):
    """POST /issue and PUT /issue/{key}."""

    model_config = ConfigDict(extra="allow")

    fields: dict[str, Any] | None = None
    update: dict[str, Any] | None = None


class TransitionBody(BaseModel):
    """POST /issue/{key}/transitions."""

    model_config = ConfigDict(extra="allow")

    transition: dict[str, Any]
    fields: dict[str, Any] | None = None
    update: dict[str, Any] | None = None


class CommentBody(BaseModel):
    """POST /issue/{key}/comment."""

    model_config = ConfigDict(extra="allow")

    body: Any


def issues_router(ctx: JiraContext, version: int) -> APIRouter:
    """Issue routes of one API version."""
    router = APIRouter(prefix=f"/rest/api/{version}", tags=["issues"])
    store = ctx.runtime.store
    site = ctx.site

    @router.get("/issue/{id_or_key}")
    def get_issue(
        request: Request,
        id_or_key: str,
        fields: Annotated[list[str] | None, Query()] = None,
        expand: str | None = None,
    ) -> Response:
        item = ctx.issue(id_or_key)
        selection = FieldSelection.parse(fields, default="*all")
        return json_body(ctx.view(request, version).issue(store, item, selection, expansions(expand)))

    @router.post("/issue", status_code=201)
    async def create(request: Request) -> dict[str, Any]:
        body = await read_body(request, IssueBody)
        item = create_issue(store, site, body.fields or {}, ctx.issue)
        view = ctx.view(request, version)
        return {"id": item.external_id, "key": item.key, "self": view.api(f"issue/{item.external_id}")}

    @router.put("/issue/{id_or_key}", status_code=204)
    async def edit(request: Request, id_or_key: str) -> Response:
        item = ctx.issue(id_or_key)
        body = await read_body(request, IssueBody)
        item = apply_field_edits(store, site, item, body.fields or {})
        for field, operations in (body.update or {}).items():
            if field == "labels":
                item = apply_label_updates(store, site, item, operations)
            elif field == "comment":
                for operation in operations:
                    text = adf_text((operation.get("add") or {}).get("body"))
                    item = store.apply(item.index, EventKind.COMMENT, text, site.api_person)
            else:
                raise JiraApiError(
                    400, [], {field: f"Field '{field}' cannot be set. It is not on the appropriate screen, or unknown."}
                )
        return Response(status_code=204)

    @router.delete("/issue/{id_or_key}", status_code=204)
    def delete(id_or_key: str, deleteSubtasks: str = "false") -> Response:
        item = ctx.issue(id_or_key)
        subtasks = [
            child.index
            for child in store.iter_team(item.team)
            if child.parent == item.index and child.type is ItemType.SUBTASK
        ]
        if subtasks and deleteSubtasks.lower() != "true":
            # Jira refuses unless told to take the sub-tasks too (an epic's issues are kept, unlinked).
            raise JiraApiError(400, ["Issue has subtasks. To delete them as well, set deleteSubtasks=true."])
        for subtask in subtasks:
            store.delete(subtask, site.api_person)
        store.delete(item.index, site.api_person)
        return Response(status_code=204)

    @router.put("/issue/{id_or_key}/assignee", status_code=204)
    async def assign(request: Request, id_or_key: str) -> Response:
        item = ctx.issue(id_or_key)
        body = await read_body(request, IssueBody)
        extra = body.model_extra or {}
        apply_field_edits(store, site, item, {"assignee": extra if extra.get("accountId") else None})
        return Response(status_code=204)

    @router.get("/issue/{id_or_key}/changelog")
    def changelog(
        request: Request,
        id_or_key: str,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 100,
    ) -> dict[str, Any]:
        item = ctx.issue(id_or_key)
        max_results = check_window(start_at, max_results, limit=100)
        view = ctx.view(request, version)
        histories = [history_json(view, item, e) for e in store.history(item.index) if change_items(view, e)]
        body = page_bean(
            histories,
            start_at,
            max_results,
            self_url=view.api(f"issue/{item.key}/changelog?maxResults={max_results}&startAt={start_at}"),
        )
        if not body["isLast"]:
            body["nextPage"] = view.api(
                f"issue/{item.key}/changelog?maxResults={max_results}&startAt={start_at + max_results}"
            )
        return body

    @router.post("/changelog/bulkfetch")
    async def bulk_changelog(request: Request) -> dict[str, Any]:
        body = await read_body(request, BulkChangelogBody)
        if not body.issueIdsOrKeys or len(body.issueIdsOrKeys) > BULK_ISSUES_MAX:
            raise bad_request(f"Provide between 1 and {BULK_ISSUES_MAX} issue ids or keys.")
        if body.fieldIds and len(body.fieldIds) > BULK_FIELDS_MAX:
            raise bad_request(f"Provide at most {BULK_FIELDS_MAX} field ids.")
        limit = min(body.maxResults or 1000, BULK_RESULTS_MAX)
        wanted_fields = set(body.fieldIds or [])
        view = ctx.view(request, version)
        rows: list[tuple[str, int, str, dict[str, Any]]] = []
        for id_or_key in dict.fromkeys(body.issueIdsOrKeys):
            item = ctx.issue(id_or_key)
            for event in store.history(item.index):
                history = history_json(view, item, event)
                if wanted_fields:
                    history["items"] = [i for i in history["items"] if i["fieldId"] in wanted_fields]
                if history["items"]:
                    rows.append((history["created"], int(item.external_id), item.external_id, history))
        rows.sort(key=lambda row: (row[0], row[1]))
        start = _offset_from_token(body.nextPageToken)
        window = rows[start : start + limit]
        grouped: list[dict[str, Any]] = []
        for _, _, issue_id, history in window:
            if grouped and grouped[-1]["issueId"] == issue_id:
                grouped[-1]["changeHistories"].append(history)
            else:
                grouped.append({"issueId": issue_id, "changeHistories": [history]})
        result: dict[str, Any] = {"issueChangeLogs": grouped}
        if start + limit < len(rows):
            result["nextPageToken"] = base64.urlsafe_b64encode(f"offset:{start + limit}".encode()).decode()
        return result

    @router.get("/issue/{id_or_key}/comment")
    def comments(
        request: Request,
        id_or_key: str,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 100,
        order_by: Annotated[str, Query(alias="orderBy")] = "created",
    ) -> dict[str, Any]:
        item = ctx.issue(id_or_key)
        max_results = check_window(start_at, max_results, limit=5000)
        view = ctx.view(request, version)
        found = [comment_json(view, item, e) for e in comments_of(store.history(item.index))]
        if order_by.startswith("-"):
            found.reverse()
        window = found[start_at : start_at + max_results]
        return {
            "self": view.api(f"issue/{item.external_id}/comment"),
            "startAt": start_at,
            "maxResults": max_results,
            "total": len(found),
            "comments": window,
        }

    @router.post("/issue/{id_or_key}/comment", status_code=201)
    async def add_comment(request: Request, id_or_key: str) -> dict[str, Any]:
        item = ctx.issue(id_or_key)
        body = await read_body(request, CommentBody)
        text = adf_text(body.body)
        if not text.strip():
            raise JiraApiError(400, [], {"comment": "Comment body can not be empty!"})
        item = store.apply(item.index, EventKind.COMMENT, text, site.api_person)
        return comment_json(ctx.view(request, version), item, store.history(item.index)[-1])

    @router.get("/issue/{id_or_key}/transitions")
    def get_transitions(request: Request, id_or_key: str, expand: str | None = None) -> dict[str, Any]:
        item = ctx.issue(id_or_key)
        return {"expand": "transitions", "transitions": transitions_of(ctx.view(request, version), item)}

    @router.post("/issue/{id_or_key}/transitions", status_code=204)
    async def do_transition(request: Request, id_or_key: str) -> Response:
        item = ctx.issue(id_or_key)
        body = await read_body(request, TransitionBody)
        wanted = str(body.transition.get("id") or body.transition.get("name") or "")
        target = find_transition(ctx.view(request, version), item, wanted)
        if target is None:
            raise JiraApiError(400, [f"Transition id '{wanted}' is not valid for this issue."])
        item = transition(store, site, item, target, body.fields or {})
        for operation in (body.update or {}).get("comment", []):
            text = adf_text((operation.get("add") or {}).get("body"))
            if text:
                store.apply(item.index, EventKind.COMMENT, text, site.api_person)
        return Response(status_code=204)

    @router.get("/issue/{id_or_key}/remotelink")
    def remote_links(request: Request, id_or_key: str) -> list[dict[str, Any]]:
        item = ctx.issue(id_or_key)
        view = ctx.view(request, version)
        links = []
        for number, link in enumerate(item.links):
            if link.kind is not LinkKind.REMOTE_LINK:
                continue
            link_id = item.index * 100 + number + 1
            links.append(
                {
                    "id": link_id,
                    "self": view.api(f"issue/{item.key}/remotelink/{link_id}"),
                    "globalId": f"{link.vendor.value}={link.external_id}",
                    "application": {"type": f"com.{link.vendor.value}", "name": link.vendor.value.capitalize()},
                    "relationship": "mentioned in",
                    "object": {
                        "url": link.url,
                        "title": f"{link.vendor.value.capitalize()} {link.key}",
                        "icon": {
                            "url16x16": f"{view.base_url}/images/icons/generic_link_16.png",
                            "title": link.vendor.value.capitalize(),
                        },
                        "status": {"resolved": False, "icon": {}},
                    },
                }
            )
        return links

    return router


def _offset_from_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset" or not number.isdigit():
            raise ValueError(token)
        return int(number)
    except ValueError as error:
        raise bad_request("The provided next page token is invalid or expired.") from error
