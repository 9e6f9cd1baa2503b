"""External ids, keys and URLs of generated objects, per vendor (one place so pairs and parents agree)."""

from __future__ import annotations

from emulators.ids import ObjectKind, asana_gid, jira_issue_id, jira_key, trello_id, trello_short_link
from emulators.org.model import Vendor

__all__ = ["ItemIdentity", "container_id", "item_identity"]

TRELLO_WEB = "https://trello.com"
ASANA_WEB = "https://app.asana.com"


class ItemIdentity:
    """External id, human key and web URL of one item."""

    __slots__ = ("external_id", "key", "url")

    def __init__(self, external_id: str, key: str, url: str) -> None:
        self.external_id = external_id
        self.key = key
        self.url = url


def container_id(vendor: Vendor, team: int, created: float) -> str:
    """Id of a team's container: Jira project id, Trello board id, Asana project gid."""
    if vendor is Vendor.JIRA:
        return str(10000 + team)
    if vendor is Vendor.TRELLO:
        return trello_id(created, ObjectKind.CONTAINER, team)
    return asana_gid(ObjectKind.CONTAINER, team)


def item_identity(
    vendor: Vendor,
    index: int,
    *,
    project_key: str,
    number: int,
    created: float,
    container: str,
    jira_site: str,
) -> ItemIdentity:
    """Compute an item's ids: Jira numeric id + KEY-n, Trello 24-hex + short link, Asana gid."""
    if vendor is Vendor.JIRA:
        key = jira_key(project_key, number)
        return ItemIdentity(jira_issue_id(index), key, f"{jira_site.rstrip('/')}/browse/{key}")
    if vendor is Vendor.TRELLO:
        card = trello_id(created, ObjectKind.ITEM, index)
        short = trello_short_link(card)
        return ItemIdentity(card, short, f"{TRELLO_WEB}/c/{short}")
    gid = asana_gid(ObjectKind.ITEM, index)
    return ItemIdentity(gid, gid, f"{ASANA_WEB}/0/{container}/{gid}")
