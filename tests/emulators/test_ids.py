"""Vendor id helpers are bijections with the documented shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emulators.ids import (
    ObjectKind,
    asana_gid,
    jira_issue_id,
    jira_key,
    parse_asana_gid,
    parse_jira_issue_id,
    parse_jira_key,
    parse_trello_id,
    trello_id,
    trello_id_created_at,
    trello_short_link,
)


def test_jira_ids_and_keys_round_trip() -> None:
    assert jira_issue_id(0) == "10000"
    assert parse_jira_issue_id(jira_issue_id(123456)) == 123456
    assert parse_jira_issue_id("abc") is None
    assert jira_key("PAY", 12) == "PAY-12"
    assert parse_jira_key("PAY-12") == ("PAY", 12)
    assert parse_jira_key("pay-12") is None
    with pytest.raises(ValueError, match="start at 1"):
        jira_key("PAY", 0)


def test_trello_ids_are_24_hex_with_the_creation_second_first() -> None:
    created = datetime(2024, 3, 1, 12, 0, 5, tzinfo=UTC)
    card = trello_id(created, ObjectKind.ITEM, 999_999)
    assert len(card) == 24
    assert all(c in "0123456789abcdef" for c in card)
    assert int(card[:8], 16) == int(created.timestamp())
    assert trello_id_created_at(card) == created
    assert parse_trello_id(card) == (ObjectKind.ITEM, 999_999)
    assert parse_trello_id("zz" * 12) is None
    assert len(trello_short_link(card)) == 8
    assert trello_short_link(card) == trello_short_link(card)


def test_asana_gids_are_16_digits_and_round_trip() -> None:
    gid = asana_gid(ObjectKind.ITEM, 1_000_000)
    assert len(gid) == 16
    assert gid.isdigit()
    assert parse_asana_gid(gid) == (ObjectKind.ITEM, 1_000_000)
    assert asana_gid(ObjectKind.PERSON, 1) != asana_gid(ObjectKind.ITEM, 1)
    assert parse_asana_gid("123") is None
