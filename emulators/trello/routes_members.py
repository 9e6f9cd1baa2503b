"""`/1/members/*` (its own rate limit) and `/1/organizations/*` (the one workspace)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.params import Depends

from emulators.trello.boards import board_document, list_document, organization_document
from emulators.trello.context import TrelloContext
from emulators.trello.fields import parse_fields, select_fields
from emulators.trello.members import member_document, member_summary, membership_document
from emulators.trello.params import ParamsDep
from emulators.trello.routes_boards import action_query

__all__ = ["member_router", "organization_router"]

# Board filters of /members/{id}/boards: every generated board is open, organisation-visible and unstarred.
_BOARD_FILTERS = {"all": True, "open": True, "members": True, "organization": True, "closed": False}
_NO_BOARDS = {"public", "starred", "pinned", "unpinned"}


def member_router(ctx: TrelloContext, auth: Depends) -> APIRouter:
    """Routes under /1/members."""
    router = APIRouter(prefix="/1/members", tags=["members"], dependencies=[auth])
    catalog = ctx.catalog

    @router.get("/{member_id}")
    def get_member(member_id: str, params: ParamsDep) -> dict[str, object]:
        person = ctx.member(member_id)
        return select_fields(member_document(catalog, person), parse_fields(params.text("fields")))

    @router.get("/{member_id}/boards")
    def get_boards(member_id: str, params: ParamsDep) -> list[dict[str, object]]:
        person = ctx.member(member_id)
        names = {n.strip() for n in (params.text("filter") or "all").split(",") if n.strip()}
        if not any(_BOARD_FILTERS.get(n, False) for n in names) or names <= _NO_BOARDS:
            return []
        fields = parse_fields(params.text("fields"))
        documents = [board_document(catalog, t, fields=fields) for t in catalog.boards_of(person)]
        lists = params.text("lists")
        if lists and lists not in ("none", "closed"):
            for document, team in zip(documents, catalog.boards_of(person), strict=True):
                document["lists"] = [list_document(catalog, lst) for lst in catalog.lists[team]]
        return documents

    @router.get("/{member_id}/organizations")
    def get_organizations(member_id: str, params: ParamsDep) -> list[dict[str, object]]:
        ctx.member(member_id)
        return [select_fields(organization_document(catalog), parse_fields(params.text("fields")))]

    return router


def organization_router(ctx: TrelloContext, auth: Depends) -> APIRouter:
    """Routes under /1/organizations."""
    router = APIRouter(prefix="/1/organizations", tags=["organizations"], dependencies=[auth])
    catalog = ctx.catalog

    @router.get("/{organization_id}")
    def get_organization(organization_id: str) -> dict[str, object]:
        ctx.workspace(organization_id)
        return organization_document(catalog)

    @router.get("/{organization_id}/boards")
    def get_boards(organization_id: str, params: ParamsDep) -> list[dict[str, object]]:
        ctx.workspace(organization_id)
        fields = parse_fields(params.text("fields"))
        return [board_document(catalog, t.index, fields=fields) for t in catalog.teams]

    @router.get("/{organization_id}/members")
    def get_members(organization_id: str) -> list[dict[str, object]]:
        ctx.workspace(organization_id)
        return [member_summary(catalog, p.id) for p in catalog.people]

    @router.get("/{organization_id}/memberships")
    def get_memberships(organization_id: str) -> list[dict[str, object]]:
        ctx.workspace(organization_id)
        return [membership_document(catalog, p.id, admin=p.id == catalog.me) for p in catalog.people]

    @router.get("/{organization_id}/actions")
    def get_actions(organization_id: str, params: ParamsDep) -> list[dict[str, object]]:
        ctx.workspace(organization_id)
        teams = [t.index for t in catalog.teams]
        return ctx.render_actions(ctx.board_actions.page_across(teams, action_query(params)))

    return router
