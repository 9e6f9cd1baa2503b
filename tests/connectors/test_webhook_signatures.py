"""W1 known-answer vectors, W3 timestamp window, W5 raw-body discipline, and W2-style tamper checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.asana.webhooks import parse_asana_webhook, verify_asana_signature
from connectors.jira.webhooks import parse_jira_webhook, verify_jira_signature
from connectors.signatures import hmac_base64, hmac_hex, trello_signed_bytes
from connectors.standard_webhooks import sign_standard_webhook, verify_standard_webhook
from connectors.trello.webhooks import parse_trello_webhook, verify_trello_signature

pytestmark = pytest.mark.reliability

JIRA_SECRET = "It's a Secret to Everybody"
JIRA_SIGNATURE = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
TRELLO_URL = "https://example.com/webhooks"
STD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STD_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
STD_TS = 1614265330
STD_BODY = b'{"test": 2432232314}'
STD_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_w1_jira_known_answer() -> None:
    assert verify_jira_signature(JIRA_SIGNATURE, b"Hello World!", JIRA_SECRET)
    assert verify_jira_signature(JIRA_SIGNATURE.upper().replace("SHA256", "sha256"), b"Hello World!", JIRA_SECRET)


def test_w1_trello_known_answer() -> None:
    assert verify_trello_signature("FwPAcuGe9EP/+SbXFWjnEVTa0zw=", b'{"hello":"world"}', TRELLO_URL, "secret")


def test_w1_trello_low_eight_bit_quirk_for_non_ascii() -> None:
    body = '{"name":"Design \u2013 review \U0001f680"}'.encode()
    text = body.decode() + TRELLO_URL
    quirky = hmac_base64(b"secret", trello_signed_bytes(text), "sha1")
    utf8 = hmac_base64(b"secret", text.encode(), "sha1")
    assert quirky != utf8
    assert trello_signed_bytes("\u2013") == b"\x13"  # an en dash keeps its low byte
    assert len(trello_signed_bytes("\U0001f680")) == 2  # a surrogate pair is two UTF-16 code units
    assert verify_trello_signature(quirky, body, TRELLO_URL, "secret")
    assert not verify_trello_signature(utf8, body, TRELLO_URL, "secret")


def test_w1_asana_hex_hmac_sha256() -> None:
    body = b'{"events":[]}'
    signature = hmac_hex(b"hook-secret", body)
    assert len(signature) == 64
    assert verify_asana_signature(signature, body, "hook-secret")
    assert not verify_asana_signature(signature, body, "other-secret")


def test_w1_standard_webhooks_known_answer() -> None:
    assert sign_standard_webhook(STD_SECRET, STD_ID, STD_TS, STD_BODY) == STD_SIGNATURE
    now = datetime.fromtimestamp(STD_TS, UTC)
    assert verify_standard_webhook(
        STD_SECRET,
        message_id=STD_ID,
        timestamp=str(STD_TS),
        signatures=f"v1,bogus {STD_SIGNATURE}",
        body=STD_BODY,
        now=now,
    )


def test_w3_timestamp_window() -> None:
    def accepted(offset: int) -> bool:
        return verify_standard_webhook(
            STD_SECRET,
            message_id=STD_ID,
            timestamp=str(STD_TS),
            signatures=STD_SIGNATURE,
            body=STD_BODY,
            now=datetime.fromtimestamp(STD_TS + offset, UTC),
        )

    assert accepted(299)
    assert accepted(-299)
    assert not accepted(301)
    assert not accepted(-301)


def test_w5_re_serialised_json_is_rejected() -> None:
    original = b'{"webhookEvent":"jira:issue_updated","issue":{"id":"10001","key":"PAY-1"}}'
    signature = "sha256=" + hmac_hex(b"s3cret", original)
    assert verify_jira_signature(signature, original, "s3cret")
    payload = json.loads(original)
    variants = [
        json.dumps(payload).encode(),  # whitespace
        json.dumps(payload, separators=(",", ":"), sort_keys=True).encode(),  # key order
        json.dumps(payload, separators=(",", ":")).encode().replace(b"PAY", b"\\u0050AY"),  # escapes
    ]
    assert all(variant != original for variant in variants)
    assert not any(verify_jira_signature(signature, variant, "s3cret") for variant in variants)


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_w2_any_changed_body_byte_is_rejected(position: int, flip: int) -> None:
    body = b'{"action":{"id":"5f0c","type":"updateCard","data":{"card":{"id":"c1"}}}}'
    index = position % len(body)
    tampered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    jira = "sha256=" + hmac_hex(b"k", body)
    trello = hmac_base64(b"k", trello_signed_bytes(body.decode() + TRELLO_URL), "sha1")
    asana = hmac_hex(b"k", body)
    assert not verify_jira_signature(jira, tampered, "k")
    assert not verify_trello_signature(trello, tampered, TRELLO_URL, "k")
    assert not verify_asana_signature(asana, tampered, "k")


@settings(max_examples=200, deadline=None)
@given(header=st.text(max_size=80))
def test_w2_arbitrary_headers_never_verify_and_never_raise(header: str) -> None:
    body = b"{}"
    assert not verify_jira_signature(header, body, "k")
    assert not verify_trello_signature(header, body, TRELLO_URL, "k")
    assert not verify_asana_signature(header, body, "k")


def test_wrong_callback_url_or_secret_is_rejected() -> None:
    body = b'{"hello":"world"}'
    assert not verify_trello_signature("FwPAcuGe9EP/+SbXFWjnEVTa0zw=", body, TRELLO_URL + "/", "secret")
    assert not verify_trello_signature("FwPAcuGe9EP/+SbXFWjnEVTa0zw=", body, TRELLO_URL, "Secret")
    assert not verify_jira_signature(None, body, "k")
    assert not verify_jira_signature("md5=abc", body, "k")


def test_parsing_identifies_deliveries_and_what_baton_ignores() -> None:
    jira = parse_jira_webhook(
        {"x-atlassian-webhook-identifier": "wh-1"},
        b'{"webhookEvent":"jira:issue_updated","issue":{"id":"10001"}}',
    )
    assert [(d.delivery_id, d.entity_external_id, d.ignored) for d in jira] == [("wh-1", "10001", False)]
    sprint = parse_jira_webhook({}, b'{"webhookEvent":"sprint_started","sprint":{"id":3}}')
    assert sprint[0].ignored
    assert sprint[0].delivery_id.startswith("body-")
    trello = parse_trello_webhook({}, b'{"action":{"id":"a1","type":"updateCard","data":{"card":{"id":"c9"}}}}')
    assert [(d.delivery_id, d.entity_external_id, d.ignored) for d in trello] == [("a1", "c9", False)]
    board = parse_trello_webhook({}, b'{"action":{"id":"a2","type":"updateBoard","data":{}}}')
    assert board[0].ignored
    asana = parse_asana_webhook(
        {},
        json.dumps(
            {
                "events": [
                    {"action": "changed", "resource": {"gid": "12", "resource_type": "task"}, "created_at": "t1"},
                    {
                        "action": "added",
                        "resource": {"gid": "99", "resource_type": "story"},
                        "parent": {"gid": "12", "resource_type": "task"},
                        "created_at": "t2",
                    },
                ]
            }
        ).encode(),
    )
    assert [d.entity_external_id for d in asana] == ["12", "12"]
    assert len({d.delivery_id for d in asana}) == 2
    assert parse_asana_webhook({}, b'{"events":[]}') == ()
