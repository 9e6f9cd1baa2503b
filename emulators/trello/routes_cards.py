"""`/1/cards` (read, create, update, archive, delete, comment, points) and `/1/lists`, `/1/labels`."""

from __future__ import annotations

from itertools import islice

from fastapi import APIRouter
from fastapi.params import Depends

from emulators.trello.actions import expand_history, parse_action_filter
from emulators.trello.boards import board_document, list_document
from emulators.trello.card_index import CardQuery
from emulators.trello.card_writes import add_comment, create_card, delete_card, set_points, update_card
from emulators.trello.cards import label_document
from emulators.trello.context import TrelloContext
from emulators.trello.errors import TrelloError
from emulators.trello.fields import parse_fields, select_fields
from emulators.trello.formats import is_trello_id
from emulators.trello.members import member_summary
from emulators.trello.params import Params, ParamsDep
from emulators.trello.routes_boards import card_query, parse_card_filter

__all__ = ["card_router", "list_router"]

CARD_ACTIONS_DEFAULT = "commentCard,updateCard:idList"
CARD_ACTIONS_PAGE = 50
CARD_ACTIONS_MAX_PAGE = 19
# PUT /1/cards/{id}/{field} with `value`: the single-field form py-trello uses.
_SINGLE_FIELDS = ("name", "desc", "closed", "idList", "due", "idMembers", "idLabels")


def card_router(ctx: TrelloContext, auth: Depends) -> APIRouter:
    """Routes under /1/cards (and the singular /1/card alias py-trello uses for custom fields)."""
    router = APIRouter(tags=["cards"], dependencies=[auth])
    cards = ctx.cards

    def render(card_id: str, params: Params) -> dict[str, object]:
        generated = ctx.card(card_id)
        document = cards.card(
            generated,
            fields=parse_fields(params.text("fields")),
            custom_field_items=params.flag("customFieldItems"),
            attachments=params.flag("attachments"),
        )
        if params.flag("members"):
            item = generated.item
            document["members"] = [] if item.assignee is None else [member_summary(ctx.catalog, item.assignee)]
        if params.flag("list"):
            document["list"] = list_document(
                ctx.catalog, ctx.catalog.list_named(generated.item.team, generated.item.status)
            )
        if params.flag("board"):
            document["board"] = board_document(ctx.catalog, generated.item.team, fields=None)
        return document

    @router.get("/1/cards/{card_id}")
    def get_card(card_id: str, params: ParamsDep) -> dict[str, object]:
        return render(card_id, params)

    @router.post("/1/cards")
    def post_card(params: ParamsDep) -> dict[str, object]:
        return cards.card(create_card(ctx, params), custom_field_items=True)

    @router.put("/1/cards/{card_id}")
    def put_card(card_id: str, params: ParamsDep) -> dict[str, object]:
        return cards.card(update_card(ctx, card_id, params), custom_field_items=True)

    @router.put("/1/cards/{card_id}/{field}")
    def put_card_field(card_id: str, field: str, params: ParamsDep) -> dict[str, object]:
        if field not in _SINGLE_FIELDS:
            raise TrelloError(404, "Cannot PUT /1/cards/{id}/" + field)
        single = Params({field: params.nested("value")})
        return cards.card(update_card(ctx, card_id, single), custom_field_items=True)

    @router.delete("/1/cards/{card_id}")
    def remove_card(card_id: str) -> dict[str, object]:
        delete_card(ctx, card_id)
        return {"limits": {}}

    @router.get("/1/cards/{card_id}/actions")
    def get_card_actions(card_id: str, params: ParamsDep) -> list[dict[str, object]]:
        generated = ctx.card(card_id)
        kinds = parse_action_filter(params.text("filter"), CARD_ACTIONS_DEFAULT)
        page = params.integer("page", 0, low=0, high=CARD_ACTIONS_MAX_PAGE)
        limit = params.integer("limit", CARD_ACTIONS_PAGE, low=0, high=1000)
        since, before = params.moment("since"), params.moment("before")
        refs = [
            r
            for r in reversed(expand_history(generated.item.index, generated.events))
            if kinds is None or r.kind in kinds
        ]
        if isinstance(before, float):
            refs = [r for r in refs if r.at < before]
        if isinstance(since, float):
            refs = [r for r in refs if r.at > since]
        chosen = islice(refs, page * limit, (page + 1) * limit)
        return [ctx.actions.render(ref, generated) for ref in chosen]

    @router.post("/1/cards/{card_id}/actions/comments")
    def post_comment(card_id: str, params: ParamsDep) -> dict[str, object]:
        generated = add_comment(ctx, card_id, params.text("text"))
        last = expand_history(generated.item.index, generated.events[-1:])
        return ctx.actions.render(last[0], generated)

    @router.get("/1/cards/{card_id}/attachments")
    def get_attachments(card_id: str, params: ParamsDep) -> list[dict[str, object]]:
        fields = parse_fields(params.text("fields"))
        return [select_fields(a, fields) for a in cards.attachments(ctx.card(card_id).item)]

    @router.get("/1/cards/{card_id}/customFieldItems")
    def get_custom_field_items(card_id: str) -> list[dict[str, object]]:
        return cards.custom_field_items(ctx.card(card_id).item)

    @router.put("/1/cards/{card_id}/customField/{field_id}/item")
    @router.put("/1/card/{card_id}/customField/{field_id}/item")
    def put_custom_field_item(card_id: str, field_id: str, params: ParamsDep) -> dict[str, object]:
        return cards.points_item(set_points(ctx, card_id, field_id, params.nested("value")).item)

    @router.get("/1/cards/{card_id}/checklists")
    def get_checklists(card_id: str) -> list[dict[str, object]]:
        ctx.card(card_id)
        return []

    @router.get("/1/cards/{card_id}/pluginData")
    def get_plugin_data(card_id: str) -> list[dict[str, object]]:
        ctx.card(card_id)
        return []

    @router.get("/1/cards/{card_id}/members")
    def get_card_members(card_id: str) -> list[dict[str, object]]:
        item = ctx.card(card_id).item
        return [] if item.assignee is None else [member_summary(ctx.catalog, item.assignee)]

    @router.get("/1/cards/{card_id}/list")
    def get_card_list(card_id: str) -> dict[str, object]:
        item = ctx.card(card_id).item
        return list_document(ctx.catalog, ctx.catalog.list_named(item.team, item.status))

    @router.get("/1/cards/{card_id}/board")
    def get_card_board(card_id: str) -> dict[str, object]:
        return board_document(ctx.catalog, ctx.card(card_id).item.team, fields=None)

    return router


def list_router(ctx: TrelloContext, auth: Depends) -> APIRouter:
    """Routes under /1/lists and /1/labels."""
    router = APIRouter(tags=["lists"], dependencies=[auth])

    @router.get("/1/lists/{list_id}")
    def get_list(list_id: str, params: ParamsDep) -> dict[str, object]:
        return select_fields(list_document(ctx.catalog, ctx.board_list(list_id)), parse_fields(params.text("fields")))

    @router.get("/1/lists/{list_id}/cards")
    def get_list_cards(list_id: str, params: ParamsDep) -> list[dict[str, object]]:
        board_list = ctx.board_list(list_id)
        query = card_query(params, parse_card_filter(params.text("filter")))
        found = []
        unlimited = CardQuery(query.filter, query.before, query.since, None)
        for generated in ctx.board_cards.select(board_list.board, unlimited):
            if generated.item.status == board_list.name:
                found.append(generated)
                if query.limit is not None and len(found) >= query.limit:
                    break
        fields = parse_fields(params.text("fields"))
        extras = {"custom_field_items": params.flag("customFieldItems"), "attachments": params.flag("attachments")}
        return [ctx.cards.card(g, fields=fields, **extras) for g in found]

    @router.get("/1/labels/{label_id}")
    def get_label(label_id: str) -> dict[str, object]:
        label = ctx.catalog.find_label(label_id) if is_trello_id(label_id) else None
        if label is None:
            raise TrelloError(404, "The requested resource was not found.")
        return label_document(label)

    return router
