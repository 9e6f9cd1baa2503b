"""Log hygiene for the API process: secrets are redacted and user input cannot forge log lines.

``RedactingFilter`` rewrites each record before any handler formats it:
- access-log records (uvicorn's ``"%s - "%s %s HTTP/%s" %d"``) lose their query string, where callers put tokens;
- every other message is rendered, then bearer credentials, Baton API keys, Fernet tokens, Standard Webhooks
  secrets and ``token=`` / ``secret=`` style pairs are replaced with ``[REDACTED]``;
- CR and LF (and other control characters) are escaped, so one record is always one line.

``install_log_redaction`` attaches the filter to the root handlers and to uvicorn's loggers (idempotent).
"""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "RedactingFilter", "install_log_redaction", "redact_text"]

REDACTED = "[REDACTED]"

_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\bbaton_[A-Za-z0-9_-]{8,}"),
    re.compile(r"\bgAAAAA[A-Za-z0-9_=-]{20,}"),
    re.compile(r"\bwhsec_[A-Za-z0-9+/=]{8,}"),
    re.compile(r"(/tokens)(/)[^/\s?#\"]+"),  # Trello's /1/tokens/{token}/webhooks paths (httpx's request log)
    re.compile(
        r"(?i)\b(access_token|refresh_token|api_token|api_key|apikey|token|secret|password|client_secret|key|sub|session"
        r"|signature|x-hook-secret|x-hub-signature|x-trello-webhook|x-hook-signature|cookie)"
        r"(\"?\s*[=:]\s*\"?)[^\s&\"',;]+"
    ),
)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")


def _escape_control(match: re.Match[str]) -> str:
    char = match.group(0)
    return {"\n": "\\n", "\r": "\\r"}.get(char, f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def redact_text(text: str) -> str:
    """``text`` with known secret shapes replaced and control characters escaped."""
    for pattern in _PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
        else:
            text = pattern.sub(lambda m: (m.group(1) + " " if m.groups() else "") + REDACTED, text)
    return _CONTROL.sub(_escape_control, text)


def _without_query(target: object) -> object:
    if isinstance(target, str) and "?" in target:
        return target.split("?", 1)[0] + "?" + REDACTED
    return target


class RedactingFilter(logging.Filter):
    """Redacts secrets and escapes line breaks in every record it sees; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_baton_redacted", False):
            return True
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            record.args = tuple(redact_text(str(_without_query(a))) if i == 2 else a for i, a in enumerate(args))
        else:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):
                message = f"{record.msg!r} {args!r}"
            record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text_multiline(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact_text_multiline(record.exc_text)
        record._baton_redacted = True
        return True


def redact_text_multiline(text: str) -> str:
    """Redact a traceback, keeping its own line structure but escaping any line break inside a line."""
    return "\n".join(redact_text(line) for line in text.split("\n"))


def install_log_redaction(logger_names: tuple[str, ...] = ("uvicorn", "uvicorn.access", "uvicorn.error")) -> None:
    """Attach one ``RedactingFilter`` to the root handlers and to the named loggers (and their handlers)."""
    targets: list[logging.Filterer] = list(logging.getLogger().handlers)
    for name in logger_names:
        logger = logging.getLogger(name)
        targets.append(logger)
        targets.extend(logger.handlers)
    for target in targets:
        if not any(isinstance(existing, RedactingFilter) for existing in target.filters):
            target.addFilter(RedactingFilter())
