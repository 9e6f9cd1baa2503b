"""Card writes: every change goes through the store as a history event (which gives actions and webhooks)."""

from __future__ import annotations

from datetime import UTC, datetime

from emulators.org.model import EventKind, GeneratedItem, ItemType
from emulators.org.timeline import encode_labels
from emulators.store import NewItem
from emulators.trello.boards import OPEN_CARDS_DISABLE_AT
from emulators.trello.catalog import TYPE_LABELS
from emulators.trello.context import TrelloContext
from emulators.trello.errors import TrelloError
from emulators.trello.params import Params

__all__ = ["add_comment", "create_card", "delete_card", "set_points", "update_card"]


def _due_value(text: str | None) -> str | None:
    """A `due` parameter (ISO datetime or date, or empty/null) as the store's date value."""
    if text is None or text.strip() in ("", "null"):
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise TrelloError(400, "invalid value for due") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


def _labels(ctx: TrelloContext, team: int, label_ids: list[str]) -> tuple[tuple[str, ...], ItemType | None]:
    """Label ids of a board as (label names, item type from a type label)."""
    names: list[str] = []
    item_type: ItemType | None = None
    for label_id in label_ids:
        label = ctx.catalog.find_label(label_id)
        if label is None or label.board != team:
            raise TrelloError(400, "invalid value for idLabels")
        if label.name in TYPE_LABELS:
            item_type = ItemType(label.name)
        else:
            names.append(label.name)
    return tuple(sorted(names)), item_type


def _assignee(ctx: TrelloContext, member_ids: list[str]) -> int | None:
    """The first member of `idMembers` (the organisation model has one assignee per item)."""
    people = [ctx.catalog.find_member(m) for m in member_ids]
    if any(p is None for p in people):
        raise TrelloError(400, "invalid value for idMembers")
    return people[0] if people else None


def create_card(ctx: TrelloContext, params: Params) -> GeneratedItem:
    """POST /1/cards: a card in `idList` (refused once the board holds its ceiling of open cards)."""
    list_id = params.text("idList")
    if not list_id:
        raise TrelloError(400, "invalid value for idList")
    board_list = ctx.board_list(list_id)
    team = board_list.board
    if ctx.board_cards.open_count(team) >= OPEN_CARDS_DISABLE_AT:
        raise TrelloError(400, f"Board has reached the limit of {OPEN_CARDS_DISABLE_AT} open cards")
    labels, item_type = _labels(ctx, team, params.id_list("idLabels"))
    me = ctx.catalog.me
    item = ctx.store.create(
        NewItem(
            team=team,
            title=params.text("name") or "",
            type=item_type or ItemType.TASK,
            status=board_list.name,
            description=params.text("desc") or "",
            assignee=_assignee(ctx, params.id_list("idMembers")),
            reporter=me,
            labels=labels,
        )
    )
    due = _due_value(params.text("due"))
    if due is not None:
        ctx.store.apply(item.index, EventKind.DUE, due, me)
    return ctx.card(item.external_id)


def update_card(ctx: TrelloContext, card_id: str, params: Params) -> GeneratedItem:
    """PUT /1/cards/{id}: name, desc, idList (same board), closed, due, idMembers, idLabels; one event each."""
    generated = ctx.card(card_id)
    item = generated.item
    me = ctx.catalog.me
    changes: list[tuple[EventKind, str | None]] = []
    if params.has("name"):
        changes.append((EventKind.TITLE, params.text("name") or ""))
    if params.has("desc"):
        changes.append((EventKind.DESCRIPTION, params.text("desc") or ""))
    if params.has("idList"):
        target = ctx.board_list(params.text("idList") or "")
        if target.board != item.team:
            raise TrelloError(400, "invalid value for idList")
        if target.name != item.status:
            changes.append((EventKind.STATUS, target.name))
    if params.has("closed"):
        closed = params.flag("closed")
        if closed != ctx.cards.closed(item):
            changes.append((EventKind.ARCHIVED, "true" if closed else "false"))
    if params.has("due"):
        changes.append((EventKind.DUE, _due_value(params.text("due"))))
    if params.has("idMembers"):
        person = _assignee(ctx, params.id_list("idMembers"))
        if person != item.assignee:
            changes.append((EventKind.ASSIGNEE, None if person is None else str(person)))
    if params.has("idLabels"):
        labels, _ = _labels(ctx, item.team, params.id_list("idLabels"))
        if labels != item.labels:
            changes.append((EventKind.LABELS, encode_labels(labels)))
    for kind, value in changes:
        ctx.store.apply(item.index, kind, value, me)
    return ctx.card(card_id)


def delete_card(ctx: TrelloContext, card_id: str) -> None:
    """DELETE /1/cards/{id}."""
    generated = ctx.card(card_id)
    ctx.store.delete(generated.item.index, ctx.catalog.me)


def add_comment(ctx: TrelloContext, card_id: str, text: str | None) -> GeneratedItem:
    """POST /1/cards/{id}/actions/comments: a commentCard action."""
    if not text:
        raise TrelloError(400, "invalid value for text")
    generated = ctx.card(card_id)
    ctx.store.apply(generated.item.index, EventKind.COMMENT, text, ctx.catalog.me)
    return ctx.card(card_id)


def set_points(ctx: TrelloContext, card_id: str, field_id: str, value: object) -> GeneratedItem:
    """PUT /1/cards/{id}/customField/{idCustomField}/item: `{"value": {"number": "3"}}`, or `""` to clear."""
    generated = ctx.card(card_id)
    item = generated.item
    if ctx.catalog.find_points_field(field_id) != item.team:
        raise TrelloError(400, "invalid value for idCustomField")
    points: str | None = None
    if isinstance(value, dict) and value.get("number") not in (None, ""):
        try:
            points = f"{float(str(value['number'])):g}"
        except ValueError:
            raise TrelloError(400, "invalid value for value") from None
    elif value not in (None, "", {}):
        raise TrelloError(400, "invalid value for value")
    ctx.store.apply(item.index, EventKind.ESTIMATE, points, ctx.catalog.me)
    return ctx.card(card_id)
