"""A JQL subset: `project`, `key`, `id`, `status`, `statusCategory` (=, !=, in, not in), `updated` / `created`
comparisons with absolute or relative dates, AND, and ORDER BY updated|created|key|id ASC|DESC.

Anything else is refused with a JqlError whose message names what is not supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Clause", "JqlError", "JqlField", "JqlQuery", "Op", "SortKey", "parse_jql"]


class JqlError(ValueError):
    """The query cannot be parsed or uses something outside the supported subset."""


class JqlField(StrEnum):
    """Fields the subset can filter on."""

    PROJECT = "project"
    KEY = "key"
    ID = "id"
    STATUS = "status"
    STATUS_CATEGORY = "statusCategory"
    UPDATED = "updated"
    CREATED = "created"


class Op(StrEnum):
    """Operators."""

    EQ = "="
    NE = "!="
    IN = "in"
    NOT_IN = "not in"
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"


_FIELD_NAMES = {
    "project": JqlField.PROJECT,
    "key": JqlField.KEY,
    "issuekey": JqlField.KEY,
    "issue": JqlField.KEY,
    "id": JqlField.ID,
    "status": JqlField.STATUS,
    "statuscategory": JqlField.STATUS_CATEGORY,
    "updated": JqlField.UPDATED,
    "updateddate": JqlField.UPDATED,
    "created": JqlField.CREATED,
    "createddate": JqlField.CREATED,
}
_SORT_FIELDS = frozenset({"updated", "created", "key", "id"})
_DATE_FIELDS = frozenset({JqlField.UPDATED, JqlField.CREATED})
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>>=|<=|!=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s"'(),=<>!~]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Clause:
    """`field op value(s)`."""

    field: JqlField
    op: Op
    values: tuple[str, ...]


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY term."""

    field: str
    descending: bool


@dataclass(frozen=True)
class JqlQuery:
    """A conjunction of clauses and an ordering."""

    clauses: tuple[Clause, ...]
    order: tuple[SortKey, ...]

    @property
    def bounded(self) -> bool:
        """Jira refuses queries without any restriction (a bare ORDER BY)."""
        return bool(self.clauses)

    def fingerprint(self) -> str:
        """A canonical text of the query (the same query written differently gives the same text)."""
        clauses = " AND ".join(f"{c.field} {c.op} ({','.join(c.values)})" for c in self.clauses)
        order = ",".join(f"{s.field} {'DESC' if s.descending else 'ASC'}" for s in self.order)
        return f"{clauses} ORDER BY {order}"


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise JqlError(
                _ERR + f"The character '{text[position]}' is a reserved JQL character. "
                f"(line 1, character {position + 1})"
            )
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append(_Token(kind, value, match.start(kind) + 1))
        position = match.end()
    return tokens


def _where(token: _Token) -> str:
    return f"(line 1, character {token.position})"


_ERR = "Error in the JQL Query: "
_SUPPORTED = "supported: project, key, id, status, statusCategory, updated, created"
_OPERATORS = "The valid operators are '=', '!=', '<', '>', '<=', '>=', 'IN' and 'NOT IN'."


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise JqlError(_ERR + "Expecting either a value, list or function but got the end of the query.")
        self.at += 1
        return token

    def keyword(self, *words: str) -> bool:
        """Consume the keywords if they come next (case-insensitive)."""
        ahead = self.tokens[self.at : self.at + len(words)]
        if len(ahead) == len(words) and all(
            t.kind == "word" and t.text.lower() == w for t, w in zip(ahead, words, strict=True)
        ):
            self.at += len(words)
            return True
        return False

    def parse(self) -> JqlQuery:
        clauses: list[Clause] = []
        order: list[SortKey] = []
        if self.peek() is not None and not self._at_order_by():
            clauses.append(self.clause())
            while self.peek() is not None and not self._at_order_by():
                token = self.take()
                if token.kind == "word" and token.text.lower() == "and":
                    clauses.append(self.clause())
                elif token.kind == "word" and token.text.lower() in ("or", "not"):
                    raise JqlError(_ERR + f"'{token.text.upper()}' is not supported here; use AND. {_where(token)}")
                else:
                    raise JqlError(_ERR + f"Expecting either 'OR' or 'AND' but got '{token.text}'. {_where(token)}")
        if self.keyword("order", "by"):
            order.append(self.sort_key())
            while self.peek() is not None and self.peek().kind == "punct" and self.peek().text == ",":  # type: ignore[union-attr]
                self.take()
                order.append(self.sort_key())
        if self.peek() is not None:
            token = self.take()
            raise JqlError(_ERR + f"Unexpected '{token.text}'. {_where(token)}")
        if len(order) > 7:
            raise JqlError("Error in the JQL Query: ORDER BY allows at most 7 fields.")
        return JqlQuery(tuple(clauses), tuple(order))

    def _at_order_by(self) -> bool:
        ahead = self.tokens[self.at : self.at + 2]
        return len(ahead) == 2 and [t.text.lower() for t in ahead] == ["order", "by"]

    def clause(self) -> Clause:
        token = self.take()
        if token.kind not in ("word", "string"):
            raise JqlError(_ERR + f"Expecting a field name but got '{token.text}'. {_where(token)}")
        field = _FIELD_NAMES.get(token.text.lower())
        if field is None:
            raise JqlError(
                f"Field '{token.text}' does not exist or is not supported by the Jira emulator ({_SUPPORTED})."
            )
        op = self.operator()
        values = self.value_list() if op in (Op.IN, Op.NOT_IN) else (self.value(),)
        if field in _DATE_FIELDS and op in (Op.IN, Op.NOT_IN, Op.NE):
            raise JqlError(f"The operator '{op}' is not supported by the Jira emulator for the field '{field}'.")
        if field not in _DATE_FIELDS and op in (Op.GE, Op.GT, Op.LE, Op.LT):
            raise JqlError(f"The operator '{op}' is not supported by the field '{field}'.")
        return Clause(field, op, values)

    def operator(self) -> Op:
        token = self.take()
        if token.kind == "op":
            if token.text in ("~", "!~"):
                raise JqlError(f"The operator '{token.text}' is not supported by the Jira emulator.")
            return Op(token.text)
        if token.kind == "word" and token.text.lower() == "in":
            return Op.IN
        if token.kind == "word" and token.text.lower() == "not" and self.keyword("in"):
            return Op.NOT_IN
        raise JqlError(_ERR + f"Expecting operator but got '{token.text}'. {_OPERATORS} {_where(token)}")

    def value(self) -> str:
        token = self.take()
        if token.kind == "word" and self.peek() is not None and self.peek().kind == "punct" and self.peek().text == "(":  # type: ignore[union-attr]
            raise JqlError(f"The JQL function '{token.text}()' is not supported by the Jira emulator.")
        if token.kind not in ("word", "string"):
            raise JqlError(_ERR + f"Expecting either a value, list or function but got '{token.text}'. {_where(token)}")
        return token.text

    def value_list(self) -> tuple[str, ...]:
        opening = self.take()
        if opening.kind != "punct" or opening.text != "(":
            raise JqlError(_ERR + f"Expecting '(' but got '{opening.text}'. {_where(opening)}")
        values = [self.value()]
        while True:
            token = self.take()
            if token.kind == "punct" and token.text == ")":
                return tuple(values)
            if token.kind == "punct" and token.text == ",":
                values.append(self.value())
                continue
            raise JqlError(_ERR + f"Expecting ')' or ',' but got '{token.text}'. {_where(token)}")

    def sort_key(self) -> SortKey:
        token = self.take()
        name = token.text.lower()
        name = "key" if name in ("issuekey", "issue") else name
        if name not in _SORT_FIELDS:
            raise JqlError(
                f"Sorting by '{token.text}' is not supported by the Jira emulator "
                "(supported: updated, created, key, id)."
            )
        descending = False
        if self.keyword("desc"):
            descending = True
        else:
            self.keyword("asc")
        return SortKey(name, descending)


def parse_jql(text: str | None) -> JqlQuery:
    """Parse a query of the supported subset; JqlError otherwise."""
    return _Parser(text or "").parse()
