"""Known-answer vectors for the three vendors' webhook signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac

from emulators.signing import (
    asana_signature,
    jira_hub_signature,
    trello_binary_string,
    trello_signature,
    verify_asana_signature,
    verify_jira_hub_signature,
    verify_trello_signature,
)


def test_trello_known_answer() -> None:
    body = b'{"hello":"world"}'
    assert trello_signature("secret", body, "https://example.com/webhooks") == "FwPAcuGe9EP/+SbXFWjnEVTa0zw="
    assert verify_trello_signature("secret", body, "https://example.com/webhooks", "FwPAcuGe9EP/+SbXFWjnEVTa0zw=")


def test_trello_non_ascii_truncates_each_utf16_unit_to_its_low_byte() -> None:
    text = '{"name":"Fix \u2013 login \u2713 \U0001f600"}'
    body = text.encode("utf-8")
    url = "https://example.com/hook"
    # U+2013 -> 0x13, U+2713 -> 0x13, the emoji's surrogates D83D DE00 -> 0x3D 0x00
    expected_message = b'{"name":"Fix \x13 login \x13 \x3d\x00"}' + url.encode("ascii")
    assert trello_binary_string(text + url) == expected_message
    digest = hmac.new(b"secret", expected_message, hashlib.sha1).digest()
    assert trello_signature("secret", body, url) == base64.b64encode(digest).decode()
    # and it differs from the naive UTF-8 signature
    naive = base64.b64encode(hmac.new(b"secret", body + url.encode(), hashlib.sha1).digest()).decode()
    assert trello_signature("secret", body, url) != naive


def test_jira_known_answer() -> None:
    signature = jira_hub_signature("It's a Secret to Everybody", b"Hello World!")
    assert signature == "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
    assert verify_jira_hub_signature("It's a Secret to Everybody", b"Hello World!", signature)
    assert not verify_jira_hub_signature("It's a Secret to Everybody", b"Hello World!", "sha1=" + signature[7:])


def test_asana_is_lowercase_hex_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"events":[]}'
    expected = hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
    assert asana_signature("hook-secret", body) == expected
    assert expected == expected.lower()
    assert verify_asana_signature("hook-secret", body, expected)
    assert not verify_asana_signature("other", body, expected)
