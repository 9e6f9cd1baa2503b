"""Request parameters as Trello reads them: query string, JSON body or form body, merged (body wins)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request

from emulators.trello.errors import TrelloError
from emulators.trello.formats import parse_moment

__all__ = ["Params", "ParamsDep", "read_params"]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class Params:
    """Merged parameters with typed getters raising Trello's 400 `invalid value for X`."""

    values: dict[str, object]

    def text(self, name: str) -> str | None:
        """A parameter as text (lists joined by commas), or None when absent."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def has(self, name: str) -> bool:
        """Whether the parameter was sent."""
        return name in self.values

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean parameter (`true`/`false`)."""
        value = self.text(name)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise TrelloError(400, f"invalid value for {name}")

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        """An integer parameter within [low, high]."""
        value = self.text(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise TrelloError(400, f"invalid value for {name}") from None
        if not low <= number <= high:
            raise TrelloError(400, f"invalid value for {name}")
        return number

    def moment(self, name: str) -> float | str | None:
        """A `before`/`since` value: a date (POSIX seconds) or an id; None when absent."""
        value = self.text(name)
        if value is None:
            return None
        try:
            return parse_moment(value)
        except ValueError:
            raise TrelloError(400, f"invalid value for {name}") from None

    def id_list(self, name: str) -> list[str]:
        """A comma-separated list of ids (empty for an absent or empty value)."""
        value = self.text(name)
        return [v.strip() for v in (value or "").split(",") if v.strip()]

    def nested(self, name: str) -> object:
        """A raw (possibly structured) body value."""
        return self.values.get(name)


async def read_params(request: Request) -> Params:
    """Query parameters, overlaid with a JSON object body or a form body."""
    values: dict[str, object] = dict(parse_qsl(request.url.query, keep_blank_values=True))
    if request.method in ("POST", "PUT", "DELETE"):
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        if body and "json" in content_type:
            try:
                decoded = json.loads(body)
            except ValueError:
                raise TrelloError(400, "invalid json") from None
            if isinstance(decoded, dict):
                values.update(decoded)
        elif body:
            values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return Params(values)


ParamsDep = Annotated[Params, Depends(read_params)]
