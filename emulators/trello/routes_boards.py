"""`/1/boards/{id}` and its nested resources: lists, cards, labels, members, custom fields, actions."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.params import Depends

from emulators.trello.action_index import ActionQuery
from emulators.trello.actions import parse_action_filter
from emulators.trello.boards import BOARD_DEFAULT_FIELDS, board_document, custom_field_document, list_document
from emulators.trello.card_index import CardFilter, CardQuery, id_bound
from emulators.trello.cards import label_document
from emulators.trello.context import TrelloContext
from emulators.trello.errors import TrelloError
from emulators.trello.fields import parse_fields, select_fields
from emulators.trello.formats import is_trello_id, trello_date
from emulators.trello.members import member_summary, membership_document
from emulators.trello.params import Params, ParamsDep

__all__ = ["MAX_LIMIT", "board_router", "card_query", "parse_card_filter", "render_cards"]

MAX_LIMIT = 1000


def parse_card_filter(value: str | None, default: CardFilter = CardFilter.OPEN) -> CardFilter:
    """A card filter name (400 for unknown ones)."""
    if value is None or value == "":
        return default
    try:
        return CardFilter(value)
    except ValueError:
        raise TrelloError(400, "invalid value for filter") from None


def card_query(params: Params, card_filter: CardFilter) -> CardQuery:
    """Filter, `before`/`since` (a card id or a date; ids compare by creation time) and `limit` ≤ 1000."""
    before, since = params.moment("before"), params.moment("since")
    limit = params.integer("limit", 0, low=0, high=MAX_LIMIT) if params.has("limit") else None
    return CardQuery(
        filter=card_filter,
        before=None if before is None else id_bound(before, upper=True),
        since=None if since is None else id_bound(since, upper=False),
        limit=limit or None,
    )


def render_cards(ctx: TrelloContext, team: int, params: Params, card_filter: CardFilter) -> list[dict[str, object]]:
    """The cards of a board for a query, with `fields`, `customFieldItems` and `attachments`."""
    fields = parse_fields(params.text("fields"))
    extras = {"custom_field_items": params.flag("customFieldItems"), "attachments": params.flag("attachments")}
    return [
        ctx.cards.card(g, fields=fields, **extras)
        for g in ctx.board_cards.select(team, card_query(params, card_filter))
    ]


def action_query(params: Params, default_filter: str = "all") -> ActionQuery:
    """`filter`, `since`/`before` (date or action id), `limit` 0-1000 (default 50), `page`."""
    limit = params.integer("limit", 50, low=0, high=MAX_LIMIT)
    page = params.integer("page", 0, low=0, high=MAX_LIMIT)
    if limit and page * limit > MAX_LIMIT * 10:
        raise TrelloError(400, "invalid value for page")
    return ActionQuery(
        kinds=parse_action_filter(params.text("filter"), default_filter),
        since=params.moment("since"),
        before=params.moment("before"),
        limit=limit,
        page=page,
    )


def board_router(ctx: TrelloContext, auth: Depends) -> APIRouter:
    """Routes under /1/boards."""
    router = APIRouter(prefix="/1/boards", tags=["boards"], dependencies=[auth])
    catalog = ctx.catalog

    @router.get("/{board_id}")
    def get_board(board_id: str, params: ParamsDep) -> dict[str, object]:
        team = ctx.board(board_id)
        fields = parse_fields(params.text("fields"), BOARD_DEFAULT_FIELDS)
        wants_limits = fields is None or "limits" in fields
        document = board_document(
            catalog, team, fields=fields, open_cards=ctx.board_cards.open_count(team) if wants_limits else None
        )
        lists = params.text("lists")
        if lists and lists != "none":
            document["lists"] = [list_document(catalog, lst) for lst in catalog.lists[team] if lists != "closed"]
        cards = params.text("cards")
        if cards and cards != "none":
            card_fields = parse_fields(params.text("card_fields"))
            chosen = ctx.board_cards.select(team, CardQuery(filter=parse_card_filter(cards)))
            document["cards"] = [ctx.cards.card(g, fields=card_fields) for g in chosen]
        members = params.text("members")
        if members and members != "none":
            document["members"] = [member_summary(catalog, p) for p in catalog.board_members(team)]
        if params.flag("customFields"):
            document["customFields"] = [custom_field_document(catalog, team)]
        labels = params.text("labels")
        if labels and labels != "none":
            document["labels"] = [label_document(label) for label in catalog.labels[team]]
        return document

    @router.get("/{board_id}/dateLastActivity")
    def date_last_activity(board_id: str) -> dict[str, object]:
        ctx.board(board_id)
        return {"_value": trello_date(catalog.org.now)}

    @router.get("/{board_id}/lists")
    def get_lists(board_id: str, params: ParamsDep) -> list[dict[str, object]]:
        team = ctx.board(board_id)
        list_filter = params.text("filter") or "open"
        if list_filter not in ("open", "closed", "all", "none"):
            raise TrelloError(400, "invalid value for filter")
        lists = [] if list_filter in ("closed", "none") else list(catalog.lists[team])
        fields = parse_fields(params.text("fields"))
        documents = [select_fields(list_document(catalog, lst), fields) for lst in lists]
        cards = params.text("cards")
        if cards and cards != "none" and documents:
            chosen = ctx.board_cards.select(team, CardQuery(filter=parse_card_filter(cards)))
            card_fields = parse_fields(params.text("card_fields"))
            for document, lst in zip(documents, lists, strict=True):
                document["cards"] = [ctx.cards.card(g, fields=card_fields) for g in chosen if g.item.status == lst.name]
        return documents

    @router.get("/{board_id}/cards")
    def get_cards(board_id: str, params: ParamsDep) -> list[dict[str, object]]:
        return render_cards(ctx, ctx.board(board_id), params, parse_card_filter(params.text("filter")))

    @router.get("/{board_id}/cards/{card_filter}")
    def get_cards_filtered(board_id: str, card_filter: str, params: ParamsDep) -> object:
        team = ctx.board(board_id)
        if is_trello_id(card_filter):
            generated = ctx.card(card_filter)
            if generated.item.team != team:
                raise TrelloError(404, "The requested resource was not found.")
            return ctx.cards.card(generated, custom_field_items=params.flag("customFieldItems"))
        return render_cards(ctx, team, params, parse_card_filter(card_filter))

    @router.get("/{board_id}/checklists")
    def get_checklists(board_id: str) -> list[dict[str, object]]:
        ctx.board(board_id)
        return []

    @router.get("/{board_id}/memberships")
    def get_memberships(board_id: str) -> list[dict[str, object]]:
        team = ctx.board(board_id)
        return [membership_document(catalog, p, admin=p == catalog.me) for p in catalog.board_members(team)]

    @router.get("/{board_id}/labels")
    def get_labels(board_id: str, params: ParamsDep) -> list[dict[str, object]]:
        team = ctx.board(board_id)
        limit = params.integer("limit", 50, low=0, high=MAX_LIMIT)
        fields = parse_fields(params.text("fields"))
        return [select_fields(label_document(label), fields) for label in catalog.labels[team][:limit]]

    @router.get("/{board_id}/members")
    def get_members(board_id: str) -> list[dict[str, object]]:
        team = ctx.board(board_id)
        return [member_summary(catalog, p) for p in catalog.board_members(team)]

    @router.get("/{board_id}/customFields")
    def get_custom_fields(board_id: str) -> list[dict[str, object]]:
        return [custom_field_document(catalog, ctx.board(board_id))]

    @router.get("/{board_id}/actions")
    def get_actions(board_id: str, params: ParamsDep) -> object:
        team = ctx.board(board_id)
        query = action_query(params)
        if params.text("format") == "count":
            return {"_value": sum(1 for _ in ctx.board_actions.newest(team, query))}
        return ctx.render_actions(ctx.board_actions.page(team, query))

    return router
