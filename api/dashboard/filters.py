"""Form values from the dashboard's filter bars: empty means "any", anything invalid is reported, never guessed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from api.views.params import SAFE_TEXT

__all__ = ["FormValues", "query_string"]

_SAFE = re.compile(SAFE_TEXT)


@dataclass
class FormValues:
    """Collects cleaned values and the errors found while cleaning them."""

    errors: list[str] = field(default_factory=list)

    def text(self, name: str, value: str | None, *, max_length: int = 200) -> str | None:
        """Free text: trimmed, ``None`` when empty; control characters or over-long text are errors."""
        cleaned = (value or "").strip()
        if not cleaned:
            return None
        if len(cleaned) > max_length or not _SAFE.match(cleaned):
            self.errors.append(f"{name}: at most {max_length} printable characters.")
            return None
        return cleaned

    def choice(self, name: str, value: str | None, allowed: Iterable[str]) -> str | None:
        """One of ``allowed``, or ``None`` when empty."""
        cleaned = (value or "").strip()
        if not cleaned:
            return None
        options = list(allowed)
        if cleaned not in options:
            self.errors.append(f"{name}: choose one of {', '.join(options)}.")
            return None
        return cleaned

    def choices(self, name: str, values: Sequence[str], allowed: Iterable[str]) -> tuple[str, ...]:
        """Several of ``allowed`` (empty values ignored)."""
        options = list(allowed)
        chosen = tuple(v for v in (value.strip() for value in values) if v)
        bad = [v for v in chosen if v not in options]
        if bad:
            self.errors.append(f"{name}: choose among {', '.join(options)}.")
            return tuple(v for v in chosen if v in options)
        return chosen

    def pattern(self, name: str, value: str | None, regex: str, hint: str) -> str | None:
        """A value matching ``regex``, or ``None`` when empty."""
        cleaned = (value or "").strip()
        if not cleaned:
            return None
        if not re.fullmatch(regex, cleaned):
            self.errors.append(f"{name}: {hint}")
            return None
        return cleaned


def query_string(values: Mapping[str, str | Sequence[str] | None], **changes: str | None) -> str:
    """``?a=1&b=2`` from the non-empty ``values`` updated with ``changes`` (a value of ``None`` drops the key)."""
    merged: dict[str, str | Sequence[str] | None] = {**values, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value is None or value == "":
            continue
        if isinstance(value, str):
            pairs.append((key, value))
        else:
            pairs.extend((key, v) for v in value if v)
    return "?" + urlencode(pairs) if pairs else "?"
