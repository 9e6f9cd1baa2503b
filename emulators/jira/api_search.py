"""Issue search: `search/jql` (GET and POST, token paging, no total), `search/approximate-count`, and the
removed `/search` (410, or Data Center-style paging with `--legacy-search`)."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from emulators.jira.context import JiraContext
from emulators.jira.errors import JiraApiError, bad_request
from emulators.jira.fields import FieldSelection
from emulators.jira.responses import json_body
from emulators.jira.search import decode_token, encode_token, page_window

__all__ = ["INVALID_PAYLOAD", "REMOVED_SEARCH", "search_router"]

INVALID_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
M = TypeVar("M", bound=BaseModel)
MAX_WITH_FIELDS = 100
MAX_IDS_ONLY = 5000
LEGACY_MAX = 100


class SearchBody(BaseModel):
    """POST search/jql: unknown keys are refused, nulls accepted (as the jira library sends them)."""

    model_config = ConfigDict(extra="forbid")

    jql: str | None = None
    nextPageToken: str | None = None
    maxResults: int | None = None
    fields: list[str] | None = None
    expand: str | None = None
    properties: list[str] | None = None
    fieldsByKeys: bool | None = None
    failFast: bool | None = None
    reconcileIssues: list[int] | None = None


class CountBody(BaseModel):
    """POST search/approximate-count."""

    model_config = ConfigDict(extra="forbid")

    jql: str | None = None


class LegacyBody(BaseModel):
    """POST /search as Data Center takes it."""

    model_config = ConfigDict(extra="forbid")

    jql: str | None = None
    startAt: int | None = None
    maxResults: int | None = None
    fields: list[str] | None = None
    expand: list[str] | str | None = None
    properties: list[str] | None = None
    fieldsByKeys: bool | None = None
    validateQuery: str | None = None


async def read_body(request: Request, model: type[M]) -> M:
    """Parse a JSON body strictly; Jira's "Invalid request payload" 400 otherwise."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
        return model.model_validate(data)
    except (ValueError, ValidationError) as error:
        errors = {}
        if isinstance(error, ValidationError):
            errors = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in error.errors()}
        raise JiraApiError(400, [INVALID_PAYLOAD], errors) from error


def expansions(expand: str | list[str] | None) -> frozenset[str]:
    """`expand=changelog,transitions` (or a list) as a set."""
    values = [expand] if isinstance(expand, str) else expand or []
    return frozenset(part.strip() for value in values for part in value.split(",") if part.strip())


def search_router(ctx: JiraContext, version: int) -> APIRouter:
    """Search routes of one API version."""
    router = APIRouter(prefix=f"/rest/api/{version}", tags=["search"])
    store = ctx.runtime.store

    def run_search(
        request: Request,
        jql: str | None,
        token: str | None,
        max_results: int | None,
        fields: list[str] | None,
        expand: frozenset[str],
    ) -> Response:
        query, criteria = ctx.parse(jql)
        selection = FieldSelection.parse(fields, default="id")
        limit = MAX_IDS_ONLY if selection.ids_only and not expand else MAX_WITH_FIELDS
        wanted = 50 if max_results is None else max_results
        if wanted < 0:
            raise bad_request("The 'maxResults' parameter must not be negative.")
        wanted = min(wanted or 50, limit)
        fingerprint = query.fingerprint()
        after = decode_token(token, fingerprint) if token else None
        result = ctx.engine.run(criteria)
        start, stop = page_window(result, after, wanted)
        is_last = stop >= len(result)
        view = ctx.view(request, version)
        window = result.indices[start:stop]
        if selection.ids_only and not expand:
            issues = ctx.id_refs(request, window, with_key=selection.wants_key, version=version)
        else:
            issues = [view.issue(store, item, selection, expand, events=events) for item, events in ctx.load(window)]
        body: dict[str, Any] = {"issues": issues, "isLast": is_last}
        if not is_last:
            body["nextPageToken"] = encode_token(fingerprint, result.keys[stop - 1])
        return json_body(body)

    @router.get("/search/jql")
    def search_get(
        request: Request,
        jql: str | None = None,
        next_page_token: Annotated[str | None, Query(alias="nextPageToken")] = None,
        max_results: Annotated[int | None, Query(alias="maxResults")] = None,
        fields: Annotated[list[str] | None, Query()] = None,
        expand: str | None = None,
        properties: Annotated[list[str] | None, Query()] = None,
        fields_by_keys: Annotated[bool, Query(alias="fieldsByKeys")] = False,
        fail_fast: Annotated[bool, Query(alias="failFast")] = False,
        reconcile_issues: Annotated[list[int] | None, Query(alias="reconcileIssues")] = None,
        validate_query: Annotated[str, Query(alias="validateQuery")] = "strict",
    ) -> Response:
        return run_search(request, jql, next_page_token, max_results, fields, expansions(expand))

    @router.post("/search/jql")
    async def search_post(request: Request) -> Response:
        body = await read_body(request, SearchBody)
        return run_search(request, body.jql, body.nextPageToken, body.maxResults, body.fields, expansions(body.expand))

    @router.post("/search/approximate-count")
    async def approximate_count(request: Request) -> dict[str, int]:
        body = await read_body(request, CountBody)
        _, criteria = ctx.parse(body.jql)
        return {"count": ctx.engine.count(criteria)}

    def legacy(
        request: Request,
        jql: str | None,
        start_at: int,
        max_results: int,
        fields: list[str] | None,
        expand: frozenset[str],
    ) -> Response:
        if not ctx.runtime.config.legacy_search:
            raise JiraApiError(410, [REMOVED_SEARCH])
        if start_at < 0 or max_results < 0:
            raise bad_request("The 'startAt' and 'maxResults' parameters must not be negative.")
        _, criteria = ctx.parse(jql, require_bound=False)
        selection = FieldSelection.parse(fields, default="*navigable")
        window = min(max_results, LEGACY_MAX)
        result = ctx.engine.run(criteria)
        view = ctx.view(request, version)
        loaded = ctx.load(result.indices[start_at : start_at + window])
        issues = [view.issue(store, item, selection, expand, events=events) for item, events in loaded]
        body = {"expand": "schema,names", "startAt": start_at, "maxResults": window, "total": len(result)}
        return json_body({**body, "issues": issues})

    @router.get("/search")
    def legacy_get(
        request: Request,
        jql: str | None = None,
        start_at: Annotated[int, Query(alias="startAt")] = 0,
        max_results: Annotated[int, Query(alias="maxResults")] = 50,
        fields: Annotated[list[str] | None, Query()] = None,
        expand: str | None = None,
    ) -> Response:
        return legacy(request, jql, start_at, max_results, fields, expansions(expand))

    @router.post("/search")
    async def legacy_post(request: Request) -> Response:
        if not ctx.runtime.config.legacy_search:
            raise JiraApiError(410, [REMOVED_SEARCH])
        body = await read_body(request, LegacyBody)
        return legacy(
            request,
            body.jql,
            body.startAt or 0,
            50 if body.maxResults is None else body.maxResults,
            body.fields,
            expansions(body.expand),
        )

    return router
