"""Trello JSON -> normalised records. Pure: no HTTP, no clock; the status classifier is passed in.

Rules this module owns (also in docs/connectors.md):

- Board = container, list = sub-container, list name = raw status. The vendor category is Baton's built-in
  vocabulary of list names (:mod:`connectors.trello.vocabulary`); the classifier may override it.
- An archived (``closed``) card stays in the store. In a done or cancelled list it keeps that category;
  archived anywhere else it was dropped unfinished, so it counts as ``cancelled``.
- Assignee = the first of ``idMembers``. Labels = label names; a label named like an item type (epic, story,
  task, bug, subtask) also gives the type (default ``task``).
- Estimate = the board's number custom field whose name says points/estimate (or its only number field).
- Created time = the timestamp in the card id; updated time = ``dateLastActivity``; version = the id of the
  newest card action (ids start with their second, so they sort by time), else ``dateLastActivity``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from connectors.config import StatusClassifier
from connectors.records import ContainerIn, LinkIn, PersonIn, StatusIn, TransitionIn, WorkItemIn
from connectors.trello.vocabulary import list_category
from models.enums import ContainerKind, ItemType, LinkOrigin, StatusCategory

__all__ = [
    "BoardContext",
    "CardHistory",
    "action_card_id",
    "action_second",
    "action_transitions",
    "board_context",
    "card_category",
    "find_points_field",
    "id_created_at",
    "id_second",
    "links_of",
    "map_board",
    "map_card",
    "map_list",
    "map_member",
    "needs_closing_history",
    "parse_trello_datetime",
    "statuses_of",
]

Json = Mapping[str, Any]
CLOSED_CATEGORIES = frozenset({StatusCategory.DONE, StatusCategory.CANCELLED})
UNKNOWN_LIST = "(unknown list)"
_TYPE_LABELS = {
    "epic": ItemType.EPIC,
    "story": ItemType.STORY,
    "user story": ItemType.STORY,
    "task": ItemType.TASK,
    "bug": ItemType.BUG,
    "defect": ItemType.BUG,
    "subtask": ItemType.SUBTASK,
    "sub-task": ItemType.SUBTASK,
}
_POINTS_NAME = re.compile(r"point|estimate|\bsp\b|size", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+")
_JIRA_KEY = re.compile(r"(?<![\w/-])([A-Z][A-Z0-9]{1,9}-[1-9][0-9]*)(?![\w-])")
_TOOL_URL = re.compile(
    r"^https?://(?:[\w-]+\.atlassian\.net/(?:browse|jira)/|trello\.com/c/|app\.asana\.com/)", re.IGNORECASE
)
_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")


# ----- ids and dates -----------------------------------------------------------------------------


def id_second(object_id: str) -> int | None:
    """The unix second a Trello object id was created at (its first 4 bytes), or ``None``."""
    if not _OBJECT_ID.match(object_id or ""):
        return None
    return int(object_id[:8], 16)


def id_created_at(object_id: str) -> datetime | None:
    """Creation time of a Trello object, read from its id."""
    second = id_second(object_id)
    return None if second is None else datetime.fromtimestamp(second, tz=UTC)


def parse_trello_datetime(value: object) -> datetime | None:
    """``2017-05-31T18:52:54.933Z`` (or any ISO form) as an aware UTC datetime; ``None`` if absent/invalid."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def action_second(action: Json) -> int | None:
    """The second an action happened: from its id, else its ``date``."""
    second = id_second(str(action.get("id") or ""))
    if second is not None:
        return second
    moment = parse_trello_datetime(action.get("date"))
    return None if moment is None else int(moment.timestamp())


# ----- discovery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardContext:
    """What mapping a board's cards needs: its lists, its points field, and the status classifier."""

    board_id: str
    name: str
    lists: Mapping[str, str]
    classify: StatusClassifier
    points_field_id: str | None = None
    points_field_name: str | None = None
    url: str | None = None

    def list_name(self, list_id: object) -> str:
        """The name of a list of this board (a placeholder for a list Baton has not discovered)."""
        return self.lists.get(str(list_id), UNKNOWN_LIST)

    def category(self, list_name: str) -> StatusCategory:
        """Baton's category of a list name on this board (vocabulary, then the policy's override)."""
        return self.classify(list_name, list_category(list_name), self.board_id)


def map_board(board: Json) -> ContainerIn:
    """A board as the primary container."""
    return ContainerIn(
        kind=ContainerKind.BOARD,
        external_id=str(board["id"]),
        name=str(board.get("name") or board["id"]),
        key=board.get("shortLink") or None,
        url=board.get("url") or None,
    )


def map_list(trello_list: Json, board_id: str) -> ContainerIn:
    """A list as a sub-container of its board."""
    return ContainerIn(
        kind=ContainerKind.LIST,
        external_id=str(trello_list["id"]),
        name=str(trello_list.get("name") or trello_list["id"]),
        parent_external_id=str(trello_list.get("idBoard") or board_id),
    )


def map_member(member: Json) -> PersonIn:
    """A Trello member; the email only where Trello shows it (the token's own member, managed enterprises)."""
    email = member.get("email")
    name = member.get("fullName") or member.get("username") or member["id"]
    return PersonIn(
        external_id=str(member["id"]),
        display_name=str(name),
        email=str(email) if isinstance(email, str) and "@" in email else None,
        is_bot=bool(member.get("isBot", False)),
    )


def find_points_field(custom_fields: Iterable[Json]) -> Json | None:
    """The board's story-points field: a number field named like points/estimate, else its only number field."""
    numbers = [f for f in custom_fields if isinstance(f, Mapping) and f.get("type") == "number" and f.get("id")]
    named = [f for f in numbers if _POINTS_NAME.search(str(f.get("name") or ""))]
    chosen = named or (numbers if len(numbers) == 1 else [])
    return chosen[0] if chosen else None


def board_context(board: Json, classify: StatusClassifier) -> BoardContext:
    """The mapping context of a board read with nested ``lists`` and ``customFields``."""
    board_id = str(board["id"])
    lists = {str(lst["id"]): str(lst.get("name") or lst["id"]) for lst in board.get("lists") or []}
    points = find_points_field(board.get("customFields") or [])
    return BoardContext(
        board_id=board_id,
        name=str(board.get("name") or board_id),
        lists=lists,
        classify=classify,
        points_field_id=str(points["id"]) if points else None,
        points_field_name=str(points.get("name") or points["id"]) if points else None,
        url=board.get("url") or None,
    )


def statuses_of(context: BoardContext) -> tuple[StatusIn, ...]:
    """One status per list name of a board, with the vocabulary's category and Baton's."""
    statuses = []
    for name in dict.fromkeys(context.lists.values()):
        vendor = list_category(name)
        statuses.append(
            StatusIn(
                raw=name,
                category=context.category(name),
                vendor_category=str(vendor) if vendor else None,
                container_external_id=context.board_id,
            )
        )
    return tuple(statuses)


# ----- history ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardHistory:
    """A card's transitions (oldest first) and its newest action id ("" when none was seen)."""

    transitions: tuple[TransitionIn, ...] = ()
    latest_action_id: str = ""


def action_card_id(action: Json) -> str | None:
    """The card an action is about, if any."""
    data = action.get("data")
    card = data.get("card") if isinstance(data, Mapping) else None
    card_id = card.get("id") if isinstance(card, Mapping) else None
    return str(card_id) if card_id else None


def _number(value: object) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("number")
    if value is None or value == "":
        return None
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return None


def _mapping(value: object) -> Json:
    return value if isinstance(value, Mapping) else {}


def _name_of(value: object) -> str | None:
    return str(value["name"]) if isinstance(value, Mapping) and value.get("name") is not None else None


def card_category(context: BoardContext, list_name: str, closed: bool) -> StatusCategory:
    """The category of a card in a list; archived outside done/cancelled lists means cancelled."""
    category = context.category(list_name)
    if closed and category not in CLOSED_CATEGORIES:
        return StatusCategory.CANCELLED
    return category


_ACTIVITY_ACTIONS = {
    "commentCard": "comment",
    "convertToCardFromCheckItem": "created",
}
"""Card actions that change nothing Baton tracks but show someone worked on the card."""
_ACTIVITY_FIELDS = {"due": "due", "dueComplete": "due", "name": "title", "desc": "description", "idLabels": "labels"}


def action_transitions(action: Json, context: BoardContext) -> tuple[TransitionIn, ...]:
    """The changes one action records: status, assignee and estimate with their values, a label added or removed
    (``labels``, that label only); comments and other card edits as value-less activity (by field); ``()`` for
    actions that are not about a card's work."""
    data = action.get("data")
    moment = parse_trello_datetime(action.get("date"))
    action_id = str(action.get("id") or "")
    if not isinstance(data, Mapping) or moment is None or not action_id:
        return ()
    author = action.get("idMemberCreator")
    base: dict[str, Any] = {
        "changed_at": moment,
        "event_id": action_id,
        "author_external_id": str(author) if author else None,
    }
    kind = action.get("type")
    old = _mapping(data.get("old"))
    card = _mapping(data.get("card"))
    if kind == "createCard":
        name = _name_of(data.get("list"))
        if name is None:
            return ()
        return (TransitionIn("status", None, name, from_category=None, to_category=context.category(name), **base),)
    if kind == "updateCard":
        before, after = _name_of(data.get("listBefore")), _name_of(data.get("listAfter"))
        if before is not None and after is not None:
            return (
                TransitionIn(
                    "status",
                    before,
                    after,
                    from_category=context.category(before),
                    to_category=context.category(after),
                    **base,
                ),
            )
        if "closed" in old:
            name = _name_of(data.get("list"))
            if name is None:
                return ()
            was = bool(old.get("closed"))
            now = bool(card.get("closed", not was))
            from_category, to_category = card_category(context, name, was), card_category(context, name, now)
            if from_category == to_category:
                return ()
            return (TransitionIn("status", name, name, from_category=from_category, to_category=to_category, **base),)
        # Any other edit (due date, name, description, position, ...) is activity on the card.
        edited = sorted({_ACTIVITY_FIELDS.get(name, name.lower()[:32]) for name in old if name})
        return tuple(TransitionIn(name, None, None, **base) for name in edited)
    if kind in ("addLabelToCard", "removeLabelFromCard"):
        label = _name_of(data.get("label"))
        added = kind == "addLabelToCard"
        return (TransitionIn("labels", None if added else label, label if added else None, **base),)
    if kind in _ACTIVITY_ACTIONS:
        return (TransitionIn(_ACTIVITY_ACTIONS[kind], None, None, **base),)
    if kind in ("addMemberToCard", "removeMemberFromCard"):
        member = data.get("idMember") or (data.get("member") or {}).get("id")
        if not member:
            return ()
        added = kind == "addMemberToCard"
        return (TransitionIn("assignee", None if added else str(member), str(member) if added else None, **base),)
    if kind == "updateCustomFieldItem":
        field = _mapping(data.get("customField"))
        item = _mapping(data.get("customFieldItem"))
        field_id = field.get("id") or item.get("idCustomField")
        if context.points_field_id is None or field_id != context.points_field_id:
            return ()
        return (TransitionIn("estimate", _number(old.get("value")), _number(item.get("value")), **base),)
    return ()


# ----- cards --------------------------------------------------------------------------------------


def _due(value: object) -> date | None:
    moment = parse_trello_datetime(value)
    return None if moment is None else moment.date()


def _estimate(card: Json, points_field_id: str | None) -> float | None:
    if points_field_id is None:
        return None
    for item in card.get("customFieldItems") or []:
        if isinstance(item, Mapping) and item.get("idCustomField") == points_field_id:
            number = _number(item.get("value"))
            return None if number is None else float(number)
    return None


def _label_names(card: Json) -> tuple[str, ...]:
    names = (str(label.get("name") or "").strip() for label in card.get("labels") or [] if isinstance(label, Mapping))
    return tuple(sorted({name for name in names if name}))


def _item_type(labels: Sequence[str]) -> ItemType:
    for label in labels:
        found = _TYPE_LABELS.get(label.strip().lower())
        if found is not None:
            return found
    return ItemType.TASK


def links_of(card: Json) -> tuple[LinkIn, ...]:
    """Attachments pointing at Jira, Trello or Asana items, and keys/URLs mentioned in the name or description."""
    links: dict[tuple[str, str], LinkIn] = {}
    own = str(card.get("shortLink") or "")
    for attachment in card.get("attachments") or []:
        url = attachment.get("url") if isinstance(attachment, Mapping) else None
        if isinstance(url, str) and _TOOL_URL.match(url) and not (own and f"/c/{own}" in url):
            links[(url, "attachment")] = LinkIn(url, "attachment", LinkOrigin.EXPLICIT)
    text = f"{card.get('name') or ''}\n{card.get('desc') or ''}"
    for url in _URL.findall(text):
        url = url.rstrip(".,;:!?")
        if _TOOL_URL.match(url) and not (own and f"/c/{own}" in url):
            links.setdefault((url, "mentions"), LinkIn(url, "mentions", LinkOrigin.MENTION))
    for key in _JIRA_KEY.findall(_URL.sub(" ", text)):
        links.setdefault((key, "mentions"), LinkIn(key, "mentions", LinkOrigin.MENTION))
    return tuple(links.values())


def _resolved_at(category: StatusCategory, history: CardHistory, fallback: datetime) -> datetime | None:
    if category not in CLOSED_CATEGORIES:
        return None
    closing = [t.changed_at for t in history.transitions if t.field == "status" and t.to_category in CLOSED_CATEGORIES]
    return max(closing) if closing else fallback


def needs_closing_history(card: Json, context: BoardContext, history: CardHistory) -> bool:
    """Whether ``history`` lacks the move that closed a done/cancelled card (``resolved_at`` needs it)."""
    category = card_category(context, context.list_name(card.get("idList")), bool(card.get("closed", False)))
    if category not in CLOSED_CATEGORIES:
        return False
    return not any(t.field == "status" and t.to_category in CLOSED_CATEGORIES for t in history.transitions)


def _raw(card: Json) -> dict[str, Any]:
    keys = ("id", "idBoard", "idList", "idShort", "shortLink", "closed", "idMembers", "dueComplete")
    return {key: card[key] for key in keys if key in card}


def map_card(card: Json, context: BoardContext, history: CardHistory) -> WorkItemIn:
    """One card, with the history read from its actions."""
    card_id = str(card["id"])
    updated = parse_trello_datetime(card.get("dateLastActivity")) or id_created_at(card_id)
    if updated is None:
        raise ValueError(f"card {card_id} has neither dateLastActivity nor a timestamped id")
    list_name = context.list_name(card.get("idList"))
    closed = bool(card.get("closed", False))
    category = card_category(context, list_name, closed)
    labels = _label_names(card)
    members = [str(m) for m in card.get("idMembers") or []]
    return WorkItemIn(
        external_id=card_id,
        key=card.get("shortLink") or None,
        title=str(card.get("name") or ""),
        description=card.get("desc") or None,
        type=_item_type(labels),
        status_raw=list_name,
        status_category=category,
        created_at=id_created_at(card_id),
        updated_at=updated,
        version=history.latest_action_id or updated.isoformat(),
        assignee_external_id=members[0] if members else None,
        labels=labels,
        estimate=_estimate(card, context.points_field_id),
        due=_due(card.get("due")),
        container_external_id=str(card.get("idBoard") or context.board_id),
        subcontainer_external_id=str(card["idList"]) if card.get("idList") else None,
        url=card.get("url") or card.get("shortUrl") or None,
        resolved_at=_resolved_at(category, history, updated),
        last_activity_at=updated,
        archived=closed,
        raw=_raw(card),
        transitions=history.transitions,
        links=links_of(card),
    )
