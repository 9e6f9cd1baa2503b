"""Member (person) documents: the full member, the compact one in actions, board memberships."""

from __future__ import annotations

import hashlib

from emulators.trello.catalog import TrelloCatalog

__all__ = ["member_document", "member_summary", "membership_document"]


def _avatar_hash(member_id: str) -> str:
    return hashlib.md5(member_id.encode(), usedforsecurity=False).hexdigest()


def member_summary(catalog: TrelloCatalog, person: int) -> dict[str, object]:
    """The compact member Trello embeds in actions (`memberCreator`) and board member lists."""
    member_id = catalog.member_id(person)
    avatar = _avatar_hash(member_id)
    return {
        "id": member_id,
        "activityBlocked": False,
        "avatarHash": avatar,
        "avatarUrl": f"https://trello-members.s3.amazonaws.com/{member_id}/{avatar}",
        "fullName": catalog.full_name(person),
        "idMemberReferrer": None,
        "initials": catalog.initials(person),
        "nonPublic": {},
        "nonPublicAvailable": True,
        "username": catalog.username(person),
    }


def member_document(catalog: TrelloCatalog, person: int) -> dict[str, object]:
    """`GET /members/{id}`: the summary plus profile fields, boards and workspace.

    Emails are shown for every member: the token owner administers the workspace's enterprise, and
    Baton unifies people across tools by email.
    """
    found = catalog.org.person(person)
    username = catalog.username(person)
    document = member_summary(catalog, person)
    document.update(
        {
            "avatarSource": "none",
            "bio": "",
            "bioData": {"emoji": {}},
            "confirmed": True,
            "email": found.email,
            "idBoards": [catalog.board_id(t) for t in catalog.boards_of(person)],
            "idOrganizations": [catalog.workspace_id],
            "idEnterprise": None,
            "idEnterprisesDeactivated": [],
            "idPremOrgsAdmin": [],
            "memberType": "normal",
            "status": "disconnected",
            "url": f"https://trello.com/{username}",
            "products": [],
            "premiumFeatures": [],
            "loginTypes": ["password"],
            "limits": {},
        }
    )
    return document


def membership_document(catalog: TrelloCatalog, person: int, *, admin: bool) -> dict[str, object]:
    """One board or workspace membership."""
    member_id = catalog.member_id(person)
    return {
        "id": f"{member_id[:8]}0d{member_id[10:]}",
        "idMember": member_id,
        "memberType": "admin" if admin else "normal",
        "unconfirmed": False,
        "deactivated": False,
    }
