"""Asana pagination: `limit` 1-100, opaque signed `offset` tokens, `next_page {offset, path, uri}` or null."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from emulators.asana.errors import AsanaError

__all__ = ["MAX_LIMIT", "UNPAGINATED_CAP", "Fetch", "Page", "PageRequest", "Pager", "slice_fetch"]

MAX_LIMIT = 100
UNPAGINATED_CAP = 1000  # a request without `limit` may return at most this many objects
TOO_LARGE = "The result is too large. You should use pagination (may require specifying a limit)."
T = TypeVar("T")

# (start position, how many wanted) -> (items, position after the last one looked at, whether the end was reached)
Fetch = Callable[[int, int], tuple[list[T], int, bool]]


@dataclass(frozen=True)
class PageRequest:
    """Where a page starts and how long it may be (None: no `limit` was sent)."""

    position: int
    limit: int | None
    scope: str


@dataclass(frozen=True)
class Page:
    """One answered page: the records and the next position (None at the end)."""

    data: list[Any]
    next_position: int | None
    paginated: bool


class Pager:
    """Makes and checks offset tokens (bound to a collection, signed) and builds `next_page`."""

    def __init__(self, key: bytes, api_prefix: str = "/api/1.0") -> None:
        self._key = key
        self._prefix = api_prefix

    def request(self, scope: str, limit: str | None, offset: str | None) -> PageRequest:
        """Validate `limit` and decode `offset` for the collection `scope`; 400 like Asana otherwise."""
        size: int | None = None
        if limit is not None and limit != "":
            if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
                raise AsanaError(400, f"limit: Value {limit} is not in the range [1, {MAX_LIMIT}]")
            size = int(limit)
        position = 0 if offset in (None, "") else self._decode(scope, str(offset))
        return PageRequest(position, size, scope)

    def page(self, request: PageRequest, fetch: Fetch[T]) -> Page:
        """Fetch one page (or, without `limit`, everything up to the unpaginated cap)."""
        if request.limit is None:
            items, _, done = fetch(request.position, UNPAGINATED_CAP + 1)
            if len(items) > UNPAGINATED_CAP or not done:
                raise AsanaError(400, TOO_LARGE)
            return Page(list(items), None, paginated=False)
        items, after, done = fetch(request.position, request.limit)
        return Page(list(items), None if done else after, paginated=True)

    def envelope(
        self,
        page: Page,
        request: PageRequest,
        render: Callable[[Any], Any],
        base_url: str,
        path: str,
        query: Mapping[str, str],
    ) -> dict[str, object]:
        """`{data, next_page}`; `next_page` only on paginated requests (null on the last page)."""
        body: dict[str, object] = {"data": [render(item) for item in page.data]}
        if not page.paginated:
            return body
        if page.next_position is None:
            body["next_page"] = None
            return body
        token = self._encode(request.scope, page.next_position)
        params = {**{k: v for k, v in query.items() if k != "offset"}, "offset": token}
        relative = path.removeprefix(self._prefix) + "?" + urlencode(params)
        body["next_page"] = {"offset": token, "path": relative, "uri": base_url.rstrip("/") + self._prefix + relative}
        return body

    def _sign(self, scope: str, position: int) -> str:
        return hmac.new(self._key, f"{scope}|{position}".encode(), hashlib.sha256).hexdigest()[:16]

    def _encode(self, scope: str, position: int) -> str:
        raw = f"{position}.{self._sign(scope, position)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode(self, scope: str, token: str) -> int:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            text, _, signature = raw.partition(".")
            position = int(text)
        except ValueError:
            position, signature = -1, ""
        if position < 0 or not hmac.compare_digest(signature, self._sign(scope, position)):
            raise AsanaError(400, "offset: Your pagination token is invalid.")
        return position


def slice_fetch(items: Sequence[T]) -> Fetch[T]:
    """A Fetch over an in-memory sequence."""

    def fetch(position: int, count: int) -> tuple[list[T], int, bool]:
        chunk = list(items[position : position + count])
        after = position + len(chunk)
        return chunk, after, after >= len(items)

    return fetch
