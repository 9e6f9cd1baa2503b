"""Board-level documents: board, list, custom field definition, workspace, open-card limits."""

from __future__ import annotations

import hashlib

from emulators.org.generator import DAY
from emulators.trello.cards import POINTS_FIELD_NAME
from emulators.trello.catalog import BoardList, TrelloCatalog
from emulators.trello.fields import select_fields
from emulators.trello.formats import trello_date

__all__ = [
    "BOARD_DEFAULT_FIELDS",
    "OPEN_CARDS_DISABLE_AT",
    "OPEN_CARDS_WARN_AT",
    "board_document",
    "custom_field_document",
    "limit_status",
    "list_document",
    "organization_document",
]

# Trello's default board fields for GET /boards/{id}; `fields=all` adds the rest.
BOARD_DEFAULT_FIELDS = ("name", "desc", "closed", "idOrganization", "pinned", "url", "shortUrl", "prefs", "labelNames")
OPEN_CARDS_DISABLE_AT = 5000
OPEN_CARDS_WARN_AT = 4000


def limit_status(count: int, warn_at: int, disable_at: int) -> str:
    """`ok`, `warning`, or `disabled` once the ceiling is reached."""
    return "disabled" if count >= disable_at else "warning" if count >= warn_at else "ok"


def board_document(
    catalog: TrelloCatalog,
    team: int,
    *,
    fields: frozenset[str] | None,
    open_cards: int | None = None,
) -> dict[str, object]:
    """A board (`fields=None` means all); `limits` is included when the open-card count is given."""
    spec = catalog.teams[team]
    short = catalog.board_short_link(team)
    label_names = {"green": "", "yellow": "", "orange": "", "red": "", "purple": "", "blue": ""}
    for label in catalog.labels[team]:
        if label.color in label_names and not label_names[label.color]:
            label_names[label.color] = label.name
    document: dict[str, object] = {
        "id": catalog.board_id(team),
        "name": spec.name,
        "desc": f"{spec.name} team board ({spec.key}).",
        "closed": False,
        "idOrganization": catalog.workspace_id,
        "idEnterprise": None,
        "idMemberCreator": catalog.member_id(catalog.me),
        "pinned": False,
        "url": catalog.board_url(team),
        "shortUrl": f"https://trello.com/b/{short}",
        "shortLink": short,
        "prefs": {
            "permissionLevel": "org",
            "hideVotes": False,
            "voting": "disabled",
            "comments": "members",
            "invitations": "members",
            "selfJoin": True,
            "cardCovers": True,
            "isTemplate": False,
            "cardAging": "regular",
            "calendarFeedEnabled": False,
            "backgroundBrightness": "dark",
            "backgroundBottomColor": "#0079bf",
            "backgroundTopColor": "#0079bf",
            "canBePublic": True,
            "canBeEnterprise": True,
            "canBeOrg": True,
            "canBePrivate": True,
            "canInvite": True,
        },
        "labelNames": label_names,
        "starred": False,
        "subscribed": False,
        "dateLastActivity": trello_date(catalog.org.now),
        "dateLastView": trello_date(catalog.org.now),
        "creationMethod": None,
        "ixUpdate": 1,
        "enterpriseOwned": False,
        "templateGallery": None,
    }
    if open_cards is not None:
        document["limits"] = {
            "attachments": {"perBoard": {"status": "ok", "disableAt": 36000, "warnAt": 32400}},
            "cards": {
                "openPerBoard": {
                    "status": limit_status(open_cards, OPEN_CARDS_WARN_AT, OPEN_CARDS_DISABLE_AT),
                    "disableAt": OPEN_CARDS_DISABLE_AT,
                    "warnAt": OPEN_CARDS_WARN_AT,
                },
            },
        }
    return select_fields(document, fields)


def list_document(catalog: TrelloCatalog, board_list: BoardList) -> dict[str, object]:
    """A list (workflow status)."""
    return {
        "id": board_list.id,
        "name": board_list.name,
        "closed": False,
        "idBoard": catalog.board_id(board_list.board),
        "pos": board_list.pos,
        "subscribed": False,
    }


def custom_field_document(catalog: TrelloCatalog, team: int) -> dict[str, object]:
    """The board's number field holding story points."""
    field_id = catalog.points_field_id(team)
    return {
        "id": field_id,
        "idModel": catalog.board_id(team),
        "modelType": "board",
        "fieldGroup": hashlib.sha256(field_id.encode()).hexdigest(),
        "display": {"cardFront": True},
        "name": POINTS_FIELD_NAME,
        "pos": 16384,
        "type": "number",
        "isSuggestedField": False,
    }


def organization_document(catalog: TrelloCatalog) -> dict[str, object]:
    """The one workspace holding every board."""
    return {
        "id": catalog.workspace_id,
        "name": "acme",
        "displayName": "Acme",
        "desc": "",
        "dateLastActivity": trello_date(catalog.org.now),
        "idBoards": list(catalog.board_ids),
        "memberships": [],
        "url": "https://trello.com/w/acme",
        "website": None,
        "logoHash": None,
        "offering": "trello.business_class",
        "premiumFeatures": [],
        "prefs": {"permissionLevel": "private", "boardVisibilityRestrict": {}, "boardDeleteRestrict": {}},
        "creationMethod": None,
        "dateCreated": trello_date(catalog.epoch + DAY),
    }
