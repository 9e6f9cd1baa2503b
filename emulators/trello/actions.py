"""Trello actions derived from item history: one event gives zero, one or more actions.

An action id is `trello_id(event time, EVENT, event_serial * 16 + part)`: the event serial names the event,
`part` tells the actions of one event apart (a reassignment removes one member, then adds another).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from emulators.ids import ObjectKind, parse_trello_id, trello_id
from emulators.org.model import Event, EventKind, GeneratedItem, event_serial
from emulators.org.timeline import parse_labels
from emulators.trello.cards import POINTS_FIELD_NAME, CardRenderer, label_document
from emulators.trello.catalog import TrelloCatalog
from emulators.trello.formats import due_datetime, trello_date
from emulators.trello.members import member_summary

__all__ = [
    "ActionKind",
    "ActionRef",
    "ActionRenderer",
    "action_id",
    "expand_event",
    "parse_action_filter",
    "parse_action_id",
]

PARTS = 16
SERIAL_EVENTS = 10_000  # event_serial(index, number) = index * SERIAL_EVENTS + number


class ActionKind(IntEnum):
    """Action type and, for updateCard, the field it changed (stored as one small code per action)."""

    CREATE_CARD = 1
    UPDATE_CARD_LIST = 2
    UPDATE_CARD_CLOSED = 3
    UPDATE_CARD_DUE = 4
    UPDATE_CARD_NAME = 5
    UPDATE_CARD_DESC = 6
    COMMENT_CARD = 7
    DELETE_CARD = 8
    ADD_MEMBER = 9
    REMOVE_MEMBER = 10
    ADD_LABEL = 11
    REMOVE_LABEL = 12
    UPDATE_CUSTOM_FIELD_ITEM = 13

    @property
    def type_name(self) -> str:
        """The action `type`."""
        return _TYPE_NAMES[self]

    @property
    def filter_names(self) -> tuple[str, ...]:
        """Names a `filter=` list can use to select this kind (`updateCard` or `updateCard:idList`)."""
        field = _UPDATE_FIELDS.get(self)
        return (self.type_name,) if field is None else (self.type_name, f"{self.type_name}:{field}")


_TYPE_NAMES = {
    ActionKind.CREATE_CARD: "createCard",
    ActionKind.UPDATE_CARD_LIST: "updateCard",
    ActionKind.UPDATE_CARD_CLOSED: "updateCard",
    ActionKind.UPDATE_CARD_DUE: "updateCard",
    ActionKind.UPDATE_CARD_NAME: "updateCard",
    ActionKind.UPDATE_CARD_DESC: "updateCard",
    ActionKind.COMMENT_CARD: "commentCard",
    ActionKind.DELETE_CARD: "deleteCard",
    ActionKind.ADD_MEMBER: "addMemberToCard",
    ActionKind.REMOVE_MEMBER: "removeMemberFromCard",
    ActionKind.ADD_LABEL: "addLabelToCard",
    ActionKind.REMOVE_LABEL: "removeLabelFromCard",
    ActionKind.UPDATE_CUSTOM_FIELD_ITEM: "updateCustomFieldItem",
}
_UPDATE_FIELDS = {
    ActionKind.UPDATE_CARD_LIST: "idList",
    ActionKind.UPDATE_CARD_CLOSED: "closed",
    ActionKind.UPDATE_CARD_DUE: "due",
    ActionKind.UPDATE_CARD_NAME: "name",
    ActionKind.UPDATE_CARD_DESC: "desc",
}
_SIMPLE = {
    EventKind.CREATED: ActionKind.CREATE_CARD,
    EventKind.STATUS: ActionKind.UPDATE_CARD_LIST,
    EventKind.ARCHIVED: ActionKind.UPDATE_CARD_CLOSED,
    EventKind.DUE: ActionKind.UPDATE_CARD_DUE,
    EventKind.TITLE: ActionKind.UPDATE_CARD_NAME,
    EventKind.DESCRIPTION: ActionKind.UPDATE_CARD_DESC,
    EventKind.COMMENT: ActionKind.COMMENT_CARD,
    EventKind.DELETED: ActionKind.DELETE_CARD,
    EventKind.ESTIMATE: ActionKind.UPDATE_CUSTOM_FIELD_ITEM,
}


@dataclass(frozen=True, slots=True)
class ActionRef:
    """One action: the item and event it comes from, its part, kind and (for member/label actions) subject."""

    index: int
    number: int
    part: int
    at: float
    kind: ActionKind
    subject: str | None = None

    @property
    def key(self) -> int:
        """Unique and ordered within one moment: event serial, then part."""
        return event_serial(self.index, self.number) * PARTS + self.part


def expand_event(index: int, event: Event) -> list[ActionRef]:
    """The actions Trello records for one history event (none for Jira-only fields: sprint, flag, resolution)."""
    simple = _SIMPLE.get(event.kind)
    if simple is not None:
        return [ActionRef(index, event.number, 0, event.at, simple)]
    if event.kind is EventKind.ASSIGNEE:
        kinds = []
        if event.before is not None:
            kinds.append((ActionKind.REMOVE_MEMBER, event.before))
        if event.after is not None:
            kinds.append((ActionKind.ADD_MEMBER, event.after))
        return [ActionRef(index, event.number, p, event.at, k, s) for p, (k, s) in enumerate(kinds)]
    if event.kind is EventKind.LABELS:
        before, after = set(parse_labels(event.before)), set(parse_labels(event.after))
        changes = [(ActionKind.REMOVE_LABEL, n) for n in sorted(before - after)]
        changes += [(ActionKind.ADD_LABEL, n) for n in sorted(after - before)]
        return [ActionRef(index, event.number, p, event.at, k, s) for p, (k, s) in enumerate(changes[:PARTS])]
    return []


def expand_history(index: int, events: Iterable[Event]) -> list[ActionRef]:
    """Every action of an item, oldest first."""
    return [ref for event in events for ref in expand_event(index, event)]


def action_id(ref: ActionRef) -> str:
    """The 24-hex action id (first 8 hex: the event's second)."""
    return trello_id(ref.at, ObjectKind.EVENT, ref.key)


def parse_action_id(value: str) -> tuple[int, int, int] | None:
    """(item index, event number, part) of an action id, or None."""
    parsed = parse_trello_id(value)
    if parsed is None or parsed[0] is not ObjectKind.EVENT:
        return None
    serial, part = divmod(parsed[1], PARTS)
    index, number = divmod(serial, SERIAL_EVENTS)
    return index, number, part


def parse_action_filter(value: str | None, default: str = "all") -> frozenset[ActionKind] | None:
    """The kinds a `filter=` list selects; None means every kind (`all`). Unknown names select nothing."""
    names = {n.strip() for n in (value if value is not None else default).split(",") if n.strip()}
    if not names or "all" in names:
        return None
    return frozenset(kind for kind in ActionKind if names & set(kind.filter_names))


@dataclass(frozen=True)
class _CardState:
    status: str
    title: str


def _state_at(generated: GeneratedItem, number: int) -> _CardState:
    """The card's list and name as they were when event `number` happened (before it)."""
    events = generated.events
    title = next((e.before for e in events if e.kind is EventKind.TITLE and e.before is not None), generated.item.title)
    status = generated.item.status
    for event in events[:number]:
        if event.kind in (EventKind.CREATED, EventKind.STATUS) and event.after is not None:
            status = event.after
        elif event.kind is EventKind.TITLE and event.after is not None:
            title = event.after
    return _CardState(status, title)


class ActionRenderer:
    """Renders ActionRefs as Trello action documents (with the card's list and name at the time)."""

    def __init__(self, catalog: TrelloCatalog, cards: CardRenderer) -> None:
        self.catalog = catalog
        self.cards = cards

    def render(self, ref: ActionRef, generated: GeneratedItem) -> dict[str, object]:
        """One action document."""
        catalog = self.catalog
        event = generated.events[ref.number]
        item = generated.item
        state = _state_at(generated, ref.number)
        board = {"id": catalog.board_id(item.team), "name": catalog.teams[item.team].name}
        board["shortLink"] = catalog.board_short_link(item.team)
        current_list = catalog.list_named(item.team, state.status)
        card: dict[str, object] = {
            "id": item.external_id,
            "name": state.title,
            "idShort": item.number,
            "shortLink": item.key,
        }
        data: dict[str, object] = {
            "card": card,
            "board": board,
            "list": {"id": current_list.id, "name": current_list.name},
        }
        kind = ref.kind
        if kind is ActionKind.CREATE_CARD:
            created_list = catalog.list_named(item.team, event.after or state.status)
            data["list"] = {"id": created_list.id, "name": created_list.name}
            card["idList"] = created_list.id
        elif kind is ActionKind.UPDATE_CARD_LIST:
            before = catalog.list_named(item.team, event.before or state.status)
            after = catalog.list_named(item.team, event.after or state.status)
            del data["list"]
            card["idList"] = after.id
            data["old"] = {"idList": before.id}
            data["listBefore"] = {"id": before.id, "name": before.name}
            data["listAfter"] = {"id": after.id, "name": after.name}
        elif kind is ActionKind.UPDATE_CARD_CLOSED:
            card["closed"] = event.after == "true"
            data["old"] = {"closed": self.cards.closed(item) if event.before is None else event.before == "true"}
        elif kind is ActionKind.UPDATE_CARD_DUE:
            card["due"] = _due(event.after)
            data["old"] = {"due": _due(event.before)}
        elif kind is ActionKind.UPDATE_CARD_NAME:
            card["name"] = event.after or ""
            data["old"] = {"name": event.before or ""}
        elif kind is ActionKind.UPDATE_CARD_DESC:
            card["desc"] = event.after or ""
            data["old"] = {"desc": event.before or ""}
        elif kind is ActionKind.COMMENT_CARD:
            data["text"] = event.after or ""
        elif kind is ActionKind.DELETE_CARD:
            data["card"] = {"id": item.external_id, "idShort": item.number}
        elif kind in (ActionKind.ADD_MEMBER, ActionKind.REMOVE_MEMBER) and ref.subject is not None:
            person = int(ref.subject)
            data["idMember"] = catalog.member_id(person)
            data["member"] = {"id": catalog.member_id(person), "name": catalog.full_name(person)}
            if kind is ActionKind.REMOVE_MEMBER:
                data["deactivated"] = False
        elif kind in (ActionKind.ADD_LABEL, ActionKind.REMOVE_LABEL) and ref.subject is not None:
            label = catalog.label_named(item.team, ref.subject)
            data["label"] = label_document(label) if label else {"name": ref.subject, "color": None}
            data["text"] = ref.subject
            data["value"] = ref.subject
        elif kind is ActionKind.UPDATE_CUSTOM_FIELD_ITEM:
            field_id = catalog.points_field_id(item.team)
            data["customField"] = {"id": field_id, "name": POINTS_FIELD_NAME, "type": "number"}
            data["customFieldItem"] = {
                "id": catalog.points_item_id(item.external_id, item.index),
                "value": _number(event.after),
                "idCustomField": field_id,
                "idModel": item.external_id,
                "modelType": "card",
            }
            data["old"] = {"value": _number(event.before)}
        return {
            "id": action_id(ref),
            "idMemberCreator": catalog.member_id(event.author),
            "data": data,
            "appCreator": None,
            "type": kind.type_name,
            "date": trello_date(ref.at),
            "limits": {},
            "memberCreator": member_summary(catalog, event.author),
        }


def _due(value: str | None) -> str | None:
    return None if value is None else due_datetime(date.fromisoformat(value))


def _number(value: str | None) -> dict[str, str] | None:
    return None if value is None else {"number": value}
