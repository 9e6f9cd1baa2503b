"""Cards as Trello shows them: archive rule, card document, custom field items, attachments, labels."""

from __future__ import annotations

from emulators.ids import ObjectKind, trello_id
from emulators.org.generator import DAY
from emulators.org.model import EventKind, GeneratedItem, Item, Vendor
from emulators.trello.catalog import POS_STEP, BoardLabel, TrelloCatalog
from emulators.trello.fields import select_fields
from emulators.trello.formats import due_datetime, slugify, trello_date

__all__ = ["ARCHIVE_AFTER_DAYS", "POINTS_FIELD_NAME", "CardRenderer", "is_closed", "label_document"]

# Butler archives cards that have been done (or dropped) for this long; the API can archive or restore any card.
ARCHIVE_AFTER_DAYS = 30
POINTS_FIELD_NAME = "Story Points"


def is_closed(item: Item, generator_now: float) -> bool:
    """Archived: set through the API, else done/cancelled for more than ARCHIVE_AFTER_DAYS at the generator's now."""
    if item.archived is not None:
        return item.archived
    resolved = item.resolved_at
    return (
        not item.status_category.is_open
        and resolved is not None
        and resolved <= generator_now - ARCHIVE_AFTER_DAYS * DAY
    )


class CardRenderer:
    """Renders generated items as Trello cards."""

    def __init__(self, catalog: TrelloCatalog) -> None:
        self.catalog = catalog
        self.generator_now = catalog.org.now

    def closed(self, item: Item) -> bool:
        """Whether the card is archived."""
        return is_closed(item, self.generator_now)

    def labels(self, item: Item) -> list[BoardLabel]:
        """The card's labels: its labels on the board, then its type label."""
        found = [self.catalog.label_named(item.team, name) for name in (*item.labels, item.type.value)]
        return [label for label in found if label is not None]

    def card(
        self,
        generated: GeneratedItem,
        *,
        fields: frozenset[str] | None = None,
        custom_field_items: bool = False,
        attachments: bool = False,
    ) -> dict[str, object]:
        """The card document (all default fields, narrowed by `fields`), plus requested nested resources."""
        item = generated.item
        catalog = self.catalog
        comments = sum(1 for e in generated.events if e.kind is EventKind.COMMENT)
        attached = self.attachments(item)
        labels = self.labels(item)
        due = due_datetime(item.due)
        closed = self.closed(item)
        done = not item.status_category.is_open
        document: dict[str, object] = {
            "id": item.external_id,
            "badges": {
                "attachmentsByType": {"trello": {"board": 0, "card": len(attached)}},
                "location": False,
                "votes": 0,
                "viewingMemberVoted": False,
                "subscribed": False,
                "fogbugz": "",
                "checkItems": 0,
                "checkItemsChecked": 0,
                "checkItemsEarliestDue": None,
                "comments": comments,
                "attachments": len(attached),
                "description": bool(item.description),
                "due": due,
                "dueComplete": done and due is not None,
                "start": None,
            },
            "checkItemStates": [],
            "closed": closed,
            "dueComplete": done and due is not None,
            "dateLastActivity": trello_date(item.updated_at),
            "desc": item.description,
            "descData": {"emoji": {}},
            "due": due,
            "dueReminder": None,
            "idBoard": catalog.board_id(item.team),
            "idChecklists": [],
            "idList": catalog.list_named(item.team, item.status).id,
            "idMembers": [] if item.assignee is None else [catalog.member_id(item.assignee)],
            "idMembersVoted": [],
            "idShort": item.number,
            "idAttachmentCover": None,
            "labels": [label_document(label) for label in labels],
            "idLabels": [label.id for label in labels],
            "manualCoverAttachment": False,
            "name": item.title,
            "pos": POS_STEP * item.number,
            "shortLink": item.key,
            "shortUrl": item.url,
            "start": None,
            "subscribed": False,
            "url": f"{item.url}/{item.number}-{slugify(item.title)}",
            "cover": {
                "idAttachment": None,
                "color": None,
                "idUploadedBackground": None,
                "size": "normal",
                "brightness": "dark",
            },
            "isTemplate": False,
            "cardRole": None,
        }
        document = select_fields(document, fields)
        if custom_field_items:
            document["customFieldItems"] = self.custom_field_items(item)
        if attachments:
            document["attachments"] = attached
        return document

    def custom_field_items(self, item: Item) -> list[dict[str, object]]:
        """The card's custom field values: story points in the board's number field, when estimated."""
        if item.estimate is None:
            return []
        return [self.points_item(item)]

    def points_item(self, item: Item) -> dict[str, object]:
        """The points customFieldItem (value null when not estimated)."""
        return {
            "id": self.catalog.points_item_id(item.external_id, item.index),
            "value": None if item.estimate is None else {"number": f"{item.estimate:g}"},
            "idCustomField": self.catalog.points_field_id(item.team),
            "idModel": item.external_id,
            "modelType": "card",
        }

    def attachments(self, item: Item) -> list[dict[str, object]]:
        """URL attachments: the card's parent (epic) card, then cross-tool links (e.g. the Jira issue)."""
        urls: list[str] = []
        if item.parent is not None and item.parent < self.catalog.org.item_count(Vendor.TRELLO):
            urls.append(self.catalog.org.identity(Vendor.TRELLO, item.parent).url)
        urls.extend(link.url for link in item.links)
        member = self.catalog.member_id(item.reporter)
        created = trello_date(item.created_at)
        return [
            {
                "id": trello_id(item.created_at, ObjectKind.ATTACHMENT, item.index * 16 + position),
                "bytes": None,
                "date": created,
                "edgeColor": None,
                "idMember": member,
                "isUpload": False,
                "mimeType": "",
                "name": url,
                "previews": [],
                "url": url,
                "pos": POS_STEP * (position + 1),
                "fileName": None,
            }
            for position, url in enumerate(urls)
        ]


def label_document(label: BoardLabel) -> dict[str, object]:
    """A label as cards and boards show it."""
    return {"id": label.id, "idBoard": label.board_id, "name": label.name, "color": label.color}
