"""Pure mapping of Trello JSON: vocabulary, archived cards, cards, actions, history folding."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from connectors.config import vendor_category_only
from connectors.records import LinkIn
from connectors.trello.history import HistoryFold
from connectors.trello.mapping import (
    BoardContext,
    CardHistory,
    action_transitions,
    board_context,
    card_category,
    find_points_field,
    id_created_at,
    links_of,
    map_card,
    needs_closing_history,
    statuses_of,
)
from connectors.trello.vocabulary import list_category
from models.enums import ItemType, LinkOrigin, StatusCategory

C = StatusCategory
BOARD = "5f0000000000000000000b01"
LISTS = {
    "5f0000000000000000000l01": "Backlog",
    "5f0000000000000000000l02": "Doing",
    "5f0000000000000000000l03": "Done",
    "5f0000000000000000000l04": "Waiting on Legal",
    "5f0000000000000000000l05": "Won\u2019t Do",
}
POINTS = "5f00000000000000000000f1"
CONTEXT = BoardContext(BOARD, "Payments", LISTS, vendor_category_only, points_field_id=POINTS)
CARD_ID = "60a0b0c0d0e0f00000000001"  # created at second 0x60a0b0c0


def card(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": CARD_ID,
        "name": "Checkout fails for [PAY-12]",
        "desc": "see https://acme.atlassian.net/browse/PAY-7 and https://example.com/x",
        "idBoard": BOARD,
        "idList": "5f0000000000000000000l02",
        "closed": False,
        "due": "2026-03-04T12:00:00.000Z",
        "dateLastActivity": "2026-01-02T03:04:05.678Z",
        "idMembers": ["5f00000000000000000000m2", "5f00000000000000000000m1"],
        "labels": [{"name": "bug"}, {"name": "payments"}, {"name": ""}],
        "url": "https://trello.com/c/AbCd1234/1-checkout",
        "shortLink": "AbCd1234",
        "customFieldItems": [
            {"idCustomField": "5f00000000000000000000f9", "value": {"number": "99"}},
            {"idCustomField": POINTS, "value": {"number": "5"}},
        ],
        "attachments": [
            {"url": "https://acme.atlassian.net/browse/PAY-3"},
            {"url": "https://trello.com/c/Zz999999/7-parent"},
            {"url": "https://trello.com/c/AbCd1234/1-checkout"},
            {"url": "https://docs.example.com/spec.pdf"},
        ],
    }
    return base | overrides


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Backlog", C.BACKLOG),
        ("To Do", C.TODO),
        ("todo", C.TODO),
        ("Next", C.TODO),
        ("  Doing ", C.IN_PROGRESS),
        ("In Progress", C.IN_PROGRESS),
        ("In Review", C.IN_PROGRESS),
        ("QA", C.IN_PROGRESS),
        ("DONE \u2705", C.DONE),
        ("Complete", C.DONE),
        ("Shipped", C.DONE),
        ("Won't Do", C.CANCELLED),
        ("Won\u2019t do", C.CANCELLED),
        ("Cancelled", C.CANCELLED),
    ],
)
def test_the_vocabulary_gives_list_names_a_category(name: str, category: StatusCategory) -> None:
    assert list_category(name) == category


def test_an_unknown_list_name_is_unknown_never_an_exception() -> None:
    assert list_category("Waiting on Legal") is None
    assert CONTEXT.category("Waiting on Legal") == C.UNKNOWN
    assert CONTEXT.category("") == C.UNKNOWN
    item = map_card(card(idList="5f000000000000000000dead"), CONTEXT, CardHistory())
    assert item.status_category == C.UNKNOWN


def test_the_policy_classifier_overrides_the_vocabulary() -> None:
    def classify(raw: str, vendor: StatusCategory | None, container: str | None) -> StatusCategory:
        return C.TODO if (raw, container) == ("Waiting on Legal", BOARD) else vendor or C.UNKNOWN

    context = BoardContext(BOARD, "Payments", LISTS, classify)
    statuses = {s.raw: s for s in statuses_of(context)}
    assert statuses["Waiting on Legal"].category == C.TODO
    assert statuses["Waiting on Legal"].vendor_category is None
    assert statuses["Doing"].vendor_category == "in_progress"
    assert statuses["Doing"].container_external_id == BOARD


@pytest.mark.parametrize(
    ("list_name", "closed", "category"),
    [
        ("Done", True, C.DONE),
        ("Won\u2019t Do", True, C.CANCELLED),
        ("Doing", True, C.CANCELLED),
        ("Backlog", True, C.CANCELLED),
        ("Waiting on Legal", True, C.CANCELLED),
        ("Doing", False, C.IN_PROGRESS),
    ],
)
def test_archived_cards_keep_done_or_become_cancelled(list_name: str, closed: bool, category: StatusCategory) -> None:
    assert card_category(CONTEXT, list_name, closed) == category


def test_a_card_maps_to_a_work_item() -> None:
    item = map_card(card(), CONTEXT, CardHistory(latest_action_id="60a0b0c0d0e0f000000000ff"))
    assert item.external_id == CARD_ID
    assert item.key == "AbCd1234"
    assert item.status_raw == "Doing"
    assert item.status_category == C.IN_PROGRESS
    assert item.assignee_external_id == "5f00000000000000000000m2"  # the first member
    assert item.labels == ("bug", "payments")
    assert item.type == ItemType.BUG
    assert item.estimate == 5.0  # the points field, not the other number field
    assert item.due == date(2026, 3, 4)
    assert item.created_at == datetime.fromtimestamp(0x60A0B0C0, tz=UTC)
    assert item.updated_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert item.version == "60a0b0c0d0e0f000000000ff"
    assert item.container_external_id == BOARD
    assert item.subcontainer_external_id == "5f0000000000000000000l02"
    assert item.url == "https://trello.com/c/AbCd1234/1-checkout"
    assert not item.archived
    assert item.resolved_at is None


def test_a_card_without_members_labels_points_or_due() -> None:
    item = map_card(
        card(idMembers=[], labels=[], customFieldItems=[], due=None, attachments=[], desc=""), CONTEXT, CardHistory()
    )
    assert (item.assignee_external_id, item.labels, item.estimate, item.due) == (None, (), None, None)
    assert item.type == ItemType.TASK
    assert item.version == item.updated_at.isoformat()


def test_links_are_tool_attachments_and_mentions() -> None:
    links = set(links_of(card()))
    assert links == {
        LinkIn("https://acme.atlassian.net/browse/PAY-3", "attachment", LinkOrigin.EXPLICIT),
        LinkIn("https://trello.com/c/Zz999999/7-parent", "attachment", LinkOrigin.EXPLICIT),
        LinkIn("https://acme.atlassian.net/browse/PAY-7", "mentions", LinkOrigin.MENTION),
        LinkIn("PAY-12", "mentions", LinkOrigin.MENTION),
    }


def test_the_points_field_is_discovered_by_type_and_name() -> None:
    fields = [
        {"id": "a", "type": "text", "name": "Story Points"},
        {"id": "b", "type": "number", "name": "Budget"},
        {"id": "c", "type": "number", "name": "Story Points"},
    ]
    assert (find_points_field(fields) or {}).get("id") == "c"
    assert (find_points_field([{"id": "b", "type": "number", "name": "Size"}]) or {}).get("id") == "b"
    assert (find_points_field([{"id": "b", "type": "number", "name": "Budget"}]) or {}).get("id") == "b"
    assert find_points_field([{"id": "b", "type": "number", "name": "A"}, {"id": "d", "type": "number"}]) is None
    context = board_context({"id": BOARD, "lists": [], "customFields": fields}, vendor_category_only)
    assert (context.points_field_id, context.points_field_name) == ("c", "Story Points")


def action(kind: str, action_id: str, data: dict[str, Any], when: str = "2026-01-02T10:00:00.000Z") -> dict[str, Any]:
    return {
        "id": action_id,
        "type": kind,
        "date": when,
        "idMemberCreator": "5f00000000000000000000m1",
        "memberCreator": {"id": "5f00000000000000000000m1", "fullName": "Ada"},
        "data": {"card": {"id": CARD_ID}} | data,
    }


def test_list_moves_become_status_transitions_with_categories() -> None:
    moved = action(
        "updateCard",
        "a1",
        {"listBefore": {"name": "Doing"}, "listAfter": {"name": "Done"}, "old": {"idList": "x"}},
    )
    (transition,) = action_transitions(moved, CONTEXT)
    assert (transition.field, transition.from_value, transition.to_value) == ("status", "Doing", "Done")
    assert (transition.from_category, transition.to_category) == (C.IN_PROGRESS, C.DONE)
    assert transition.event_id == "a1"
    assert transition.author_external_id == "5f00000000000000000000m1"
    assert transition.changed_at == datetime(2026, 1, 2, 10, tzinfo=UTC)


def test_archiving_an_open_card_is_a_transition_to_cancelled_and_back() -> None:
    archived = action(
        "updateCard",
        "a2",
        {"card": {"id": CARD_ID, "closed": True}, "old": {"closed": False}, "list": {"name": "Doing"}},
    )
    (transition,) = action_transitions(archived, CONTEXT)
    assert (transition.from_category, transition.to_category) == (C.IN_PROGRESS, C.CANCELLED)
    restored = action(
        "updateCard",
        "a3",
        {"card": {"id": CARD_ID, "closed": False}, "old": {"closed": True}, "list": {"name": "Doing"}},
    )
    assert action_transitions(restored, CONTEXT)[0].to_category == C.IN_PROGRESS
    done = action(
        "updateCard",
        "a4",
        {"card": {"id": CARD_ID, "closed": True}, "old": {"closed": False}, "list": {"name": "Done"}},
    )
    assert action_transitions(done, CONTEXT) == ()


def test_members_and_points_become_assignee_and_estimate_transitions() -> None:
    added = action("addMemberToCard", "a5", {"idMember": "m9", "member": {"id": "m9"}})
    removed = action("removeMemberFromCard", "a6", {"idMember": "m8"})
    points = action(
        "updateCustomFieldItem",
        "a7",
        {
            "customField": {"id": POINTS},
            "customFieldItem": {"value": {"number": "8"}},
            "old": {"value": {"number": "3"}},
        },
    )
    other = action("updateCustomFieldItem", "a8", {"customField": {"id": "f9"}, "customFieldItem": {"value": None}})
    assert [(t.field, t.from_value, t.to_value) for t in action_transitions(added, CONTEXT)] == [
        ("assignee", None, "m9")
    ]
    assert [(t.field, t.from_value, t.to_value) for t in action_transitions(removed, CONTEXT)] == [
        ("assignee", "m8", None)
    ]
    assert [(t.field, t.from_value, t.to_value) for t in action_transitions(points, CONTEXT)] == [
        ("estimate", "3", "8")
    ]
    assert action_transitions(other, CONTEXT) == ()
    [comment] = action_transitions(action("commentCard", "a9", {"text": "hi"}), CONTEXT)
    assert (comment.field, comment.from_value, comment.to_value) == ("comment", None, None)  # activity, no text
    assert comment.author_external_id is not None
    assert action_transitions({"id": "x", "type": "updateCard"}, CONTEXT) == ()


def test_the_fold_reads_actions_newest_first_and_hands_history_oldest_first() -> None:
    fold = HistoryFold(CONTEXT)
    newest = action(
        "updateCard",
        "60a0b0c2000000000000000a",
        {"listBefore": {"name": "Doing"}, "listAfter": {"name": "Done"}},
        "2026-01-03T00:00:00.000Z",
    )
    comment = action("commentCard", "60a0b0c1000000000000000b", {"text": "x"}, "2026-01-02T12:00:00.000Z")
    created = action(
        "createCard", "60a0b0c0000000000000000c", {"list": {"name": "Backlog"}}, "2026-01-01T00:00:00.000Z"
    )
    for each in (newest, comment, created):
        fold.add(each)
    fold.add(action("deleteCard", "60a0b0c0000000000000000d", {"card": {"id": "gone"}}))
    history = fold.pop(CARD_ID)
    assert history.latest_action_id == newest["id"]
    assert [(t.field, t.to_value) for t in history.transitions] == [
        ("status", "Backlog"),
        ("comment", None),
        ("status", "Done"),
    ]
    assert fold.deleted == ["gone"]
    assert [p.display_name for p in fold.take_people()] == ["Ada"]
    assert fold.take_people() == ()
    assert fold.pop(CARD_ID) == CardHistory()
    item = map_card(card(idList="5f0000000000000000000l03"), CONTEXT, history)
    assert item.resolved_at == datetime(2026, 1, 3, tzinfo=UTC)
    assert not needs_closing_history(card(idList="5f0000000000000000000l03"), CONTEXT, history)
    assert needs_closing_history(card(idList="5f0000000000000000000l03"), CONTEXT, CardHistory())
    assert not needs_closing_history(card(), CONTEXT, CardHistory())


def test_creation_time_comes_from_the_id() -> None:
    assert id_created_at("000000000000000000000000") == datetime(1970, 1, 1, tzinfo=UTC)
    assert id_created_at("not-an-id") is None
