"""The Trello connector: discovery, full and incremental pulls with history, census, fetch, webhooks.

- Full pull, per board: cards of ``/boards/{id}/cards/all`` and actions of ``/boards/{id}/actions``, both
  newest first, 1000 per page, paged with ``before``; a card page is mapped once the action stream has
  passed its oldest card's creation second (see :mod:`connectors.trello.history`). The board's cursor (its
  newest action id) rides on its last batch.
- Incremental pull, per board: actions ``since`` the board's cursor, then the board's card pages (1000 a
  page, archived included), from which every touched card is mapped with the transitions of the new actions
  (and, for a card now done or cancelled whose closing is not among them, its own recent actions, for
  ``resolved_at``, 10 cards a ``/1/batch`` call); ``deleteCard`` tombstones. A touched card the pages
  lack (moved to another board) is read by id (a 404 tombstones).
- Census: a board whose card pages the pull read in full (full or incremental) reuses their ids, so the
  card pages are read once per sync; other boards (and lists) are read by id-only pages.
- Boards are pulled concurrently (``max_concurrency`` threads), under the rate gates of the client.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from connectors.base import PullCursor
from connectors.config import ConnectorConfig
from connectors.errors import NotFound
from connectors.records import (
    Batch,
    ContainerIn,
    CursorUpdate,
    Discovery,
    PersonIn,
    StatusIn,
    WebhookDelivery,
    WorkItemIn,
)
from connectors.trello.client import BulkPath, TrelloApi, TrelloLimits, WebhookInfo
from connectors.trello.fanin import fan_in
from connectors.trello.history import HistoryFold
from connectors.trello.mapping import (
    BoardContext,
    CardHistory,
    action_second,
    board_context,
    id_second,
    map_board,
    map_card,
    map_list,
    map_member,
    needs_closing_history,
    statuses_of,
)
from connectors.trello.webhooks import CARD_ACTIONS, parse_trello_webhook, verify_trello_signature
from models.enums import ContainerKind

__all__ = ["ACTION_FILTER", "CARD_FIELDS", "CURSOR_NAME", "TrelloConnector"]

CARD_FIELDS = "id,name,desc,idBoard,idList,closed,due,dateLastActivity,idMembers,labels,url,shortLink,idShort"
ACTION_FILTER = ",".join(sorted(CARD_ACTIONS))
CURSOR_NAME = "trello.action"
PAGE_LIMIT = 1000
CARD_ACTIONS_LIMIT = 1000
CARDS_PER_INCREMENTAL_BATCH = 50


class _ActionStream:
    """A board's actions, newest first, fetched a page at a time as they are consumed."""

    def __init__(self, api: TrelloApi, board_id: str, since: str | None, limit: int) -> None:
        self._api = api
        self._limit = limit
        self._board_id = board_id
        self._since = since
        self._before: str | None = None
        self._buffer: deque[dict[str, Any]] = deque()
        self._exhausted = False
        self.pages = 0

    def _fill(self) -> bool:
        if self._exhausted:
            return False
        page = self._api.actions_page(
            self._board_id, action_filter=ACTION_FILTER, limit=self._limit, since=self._since, before=self._before
        )
        self.pages += 1
        self._exhausted = len(page) < self._limit
        if page:
            self._before = str(page[-1]["id"])
            self._buffer.extend(page)
        return bool(page)

    def peek(self) -> dict[str, Any] | None:
        """The next (older) action, fetching a page if needed; ``None`` at the end."""
        while not self._buffer:
            if not self._fill():
                return None
        return self._buffer[0]

    def take(self) -> dict[str, Any] | None:
        """The next action, consumed."""
        found = self.peek()
        if found is not None:
            self._buffer.popleft()
        return found

    def feed_until(self, horizon: int, fold: HistoryFold) -> None:
        """Fold every action that happened at or after the unix second ``horizon``."""
        while (action := self.peek()) is not None and (action_second(action) or 0) >= horizon:
            fold.add(action)
            self._buffer.popleft()


class TrelloConnector:
    """One Trello token's boards."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        bulk: BulkPath = "sdk",
        limits: TrelloLimits | None = None,
        api: TrelloApi | None = None,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        if not 1 <= page_limit <= PAGE_LIMIT:
            raise ValueError(f"page_limit must be within 1..{PAGE_LIMIT}")
        self.config = config
        self.page_limit = page_limit
        self.api = api or TrelloApi(config, bulk=bulk, limits=limits)
        self._contexts: dict[str, BoardContext] = {}
        # Card ids of each board whose card pages this connector read in full during its pull: its census.
        self._board_ids: dict[str, set[str]] = {}

    # ----- account and discovery -------------------------------------------------------------------

    def check(self) -> str:
        """Who the token belongs to (raises ``AuthError`` on bad credentials)."""
        me = self.api.me()
        return str(me.get("fullName") or me.get("username") or me["id"])

    def discover(self) -> Discovery:
        """Open boards with their lists, members (emails where Trello shows them), points field, statuses."""
        me = self.api.me()
        people: dict[str, PersonIn] = {str(me["id"]): map_member(me)}
        containers: list[ContainerIn] = []
        statuses: list[StatusIn] = []
        estimate_field: str | None = None
        contexts: dict[str, BoardContext] = {}
        for summary in self.api.boards():
            if summary.get("closed"):
                continue
            board = self.api.board(str(summary["id"]))
            context = board_context(board, self.config.classify_status)
            contexts[context.board_id] = context
            containers.append(map_board(board))
            containers += [map_list(lst, context.board_id) for lst in board.get("lists") or []]
            statuses += statuses_of(context)
            estimate_field = estimate_field or context.points_field_name
            for member in board.get("members") or []:
                person = map_member(member)
                known = people.get(person.external_id)
                if known is None or (known.email is None and person.email is not None):
                    people[person.external_id] = person
        self._contexts = contexts
        return Discovery(
            containers=tuple(containers),
            people=tuple(people.values()),
            statuses=tuple(statuses),
            estimate_field=estimate_field,
        )

    def _boards(self) -> list[BoardContext]:
        if not self._contexts:
            self.discover()
        return list(self._contexts.values())

    def _context_for(self, board_id: str) -> BoardContext:
        context = self._contexts.get(board_id)
        if context is None:
            context = board_context(self.api.board(board_id), self.config.classify_status)
            self._contexts[board_id] = context
        return context

    # ----- pulls -----------------------------------------------------------------------------------

    def pull(self, cursors: PullCursor, *, full: bool = False) -> Iterator[Batch]:
        """Every board (full) or what changed since each board's cursor; boards concurrently."""
        producers: list[Callable[[], Iterator[Batch]]] = []
        self._board_ids.clear()
        for context in self._boards():
            cursor = None if full else cursors.get((context.board_id, CURSOR_NAME))
            producers.append(self._board_producer(context, cursor))
        return fan_in(producers, workers=self.config.max_concurrency)

    def _board_producer(self, context: BoardContext, cursor: str | None) -> Callable[[], Iterator[Batch]]:
        if cursor is None:
            return lambda: self._pull_board_full(context)
        return lambda: self._pull_board_since(context, cursor)

    def _pull_board_full(self, context: BoardContext) -> Iterator[Batch]:
        actions = _ActionStream(self.api, context.board_id, since=None, limit=self.page_limit)
        first = actions.peek()
        newest = str(first["id"]) if first is not None else None
        fold = HistoryFold(context)
        before: str | None = None
        action_pages = 0
        ids: set[str] = set()
        while True:
            page = self.api.cards_page(context.board_id, fields=CARD_FIELDS, limit=self.page_limit, before=before)
            last = len(page) < self.page_limit
            ids.update(str(card["id"]) for card in page)
            if last:
                self._board_ids[context.board_id] = ids
            oldest = min((str(card["id"]) for card in page), default=None)
            if oldest is not None:
                actions.feed_until(id_second(oldest) or 0, fold)
            items = tuple(map_card(card, context, fold.pop(str(card["id"]))) for card in page)
            cursor = CursorUpdate(CURSOR_NAME, newest, scope=context.board_id) if last and newest else None
            yield Batch(items=items, people=fold.take_people(), cursor=cursor, pages=1 + actions.pages - action_pages)
            action_pages = actions.pages
            if last or oldest is None:
                return
            before = oldest

    def _pull_board_since(self, context: BoardContext, cursor: str) -> Iterator[Batch]:
        actions = _ActionStream(self.api, context.board_id, since=cursor, limit=self.page_limit)
        fold = HistoryFold(context)
        touched: dict[str, None] = {}
        newest: str | None = None
        while (action := actions.take()) is not None:
            newest = newest or str(action["id"])
            card_id = fold.add(action)
            if card_id is not None:
                touched[card_id] = None
        if newest is None:
            yield Batch(pages=actions.pages)
            return
        deleted = set(fold.deleted)
        wanted = {card_id for card_id in touched if card_id not in deleted}
        # The touched cards come from the board's card pages, which the census of the board needs anyway:
        # the pages are read once, here, and the census reuses their ids (no card is read one at a time).
        before = self.api.requests_made
        found = self._board_cards(context.board_id, wanted)
        now: dict[str, tuple[dict[str, Any], BoardContext, CardHistory]] = {}
        gone = sorted(deleted)
        for card_id in touched:
            if card_id in deleted:
                continue
            card = found.get(card_id)
            if card is None:  # not on this board any more (moved to another board, or deleted meanwhile)
                try:
                    card = self.api.card(card_id, CARD_FIELDS)
                except NotFound:
                    gone.append(card_id)
                    continue
            now[card_id] = (card, self._context_for(str(card.get("idBoard") or "")), fold.pop(card_id))
        # A card now done or cancelled whose closing move is not among the new actions needs its own recent
        # actions (for resolved_at): read 10 cards a call through /1/batch.
        closing = [card_id for card_id, (card, ctx, recent) in now.items() if needs_closing_history(card, ctx, recent)]
        histories = self._card_histories(closing, {card_id: now[card_id][1] for card_id in closing})
        items: list[WorkItemIn] = []
        for card_id, (card, card_context, recent) in now.items():
            history = histories.get(card_id, recent)
            if history is None:
                gone.append(card_id)
            else:
                items.append(map_card(card, card_context, history))
        step = CARDS_PER_INCREMENTAL_BATCH
        chunks = [items[i : i + step] for i in range(0, len(items), step)] or [[]]
        people = fold.take_people()
        pages = actions.pages + self.api.requests_made - before
        for position, chunk in enumerate(chunks):
            first, last = position == 0, position == len(chunks) - 1
            yield Batch(
                items=tuple(chunk),
                people=people if first else (),
                deleted_external_ids=tuple(gone) if first else (),
                cursor=CursorUpdate(CURSOR_NAME, newest, scope=context.board_id) if last else None,
                pages=pages if first else 0,
            )

    def _board_cards(self, board_id: str, wanted: set[str]) -> dict[str, dict[str, Any]]:
        """The ``wanted`` cards of a board, from its card pages (archived included); the board's card ids are
        kept for its census."""
        cards: dict[str, dict[str, Any]] = {}
        ids: set[str] = set()
        before: str | None = None
        while True:
            page = self.api.cards_page(board_id, fields=CARD_FIELDS, limit=self.page_limit, before=before)
            for card in page:
                card_id = str(card["id"])
                ids.add(card_id)
                if card_id in wanted:
                    cards[card_id] = card
            if len(page) < self.page_limit:
                self._board_ids[board_id] = ids
                return cards
            before = min(str(card["id"]) for card in page)

    def _card_histories(
        self, card_ids: list[str], contexts: Mapping[str, BoardContext]
    ) -> dict[str, CardHistory | None]:
        """Each card's history from its own newest actions (batched); ``None`` for a card that is gone."""
        found = self.api.cards_actions(card_ids, ACTION_FILTER, CARD_ACTIONS_LIMIT) if card_ids else {}
        histories: dict[str, CardHistory | None] = {}
        for card_id, actions in found.items():
            if actions is None:
                histories[card_id] = None
                continue
            fold = HistoryFold(contexts[card_id])
            for action in actions:
                fold.add(action)
            histories[card_id] = fold.pop(card_id)
        return histories

    # ----- single items and census -----------------------------------------------------------------

    def fetch(self, external_id: str) -> WorkItemIn | None:
        """A card now, with history from its newest actions; ``None`` when it no longer exists."""
        if id_second(external_id) is None:
            return None
        try:
            card = self.api.card(external_id, CARD_FIELDS)
        except NotFound:
            return None
        return self._map_with_card_actions(card, self._context_for(str(card.get("idBoard") or "")))

    def _map_with_card_actions(self, card: Mapping[str, Any], context: BoardContext) -> WorkItemIn:
        card_id = str(card["id"])
        fold = HistoryFold(context)
        for action in self.api.card_actions(card_id, ACTION_FILTER, CARD_ACTIONS_LIMIT):
            fold.add(action)
        return map_card(card, context, fold.pop(card_id))

    def census_count(self, container: ContainerIn) -> int | None:
        """No one-request count to trust here: the id census always runs."""
        return None

    def census(self, container: ContainerIn) -> set[str]:
        """Every card id of a board (or list), archived included, by id-only pages; a board whose card pages
        the pull just read in full is not read again."""
        if container.kind != ContainerKind.LIST and (read := self._board_ids.pop(container.external_id, None)):
            return read
        ids: set[str] = set()
        before: str | None = None
        while True:
            if container.kind == ContainerKind.LIST:
                page = self.api.list_cards_page(container.external_id, limit=self.page_limit, before=before)
            else:
                page = self.api.cards_page(container.external_id, fields="id", limit=self.page_limit, before=before)
            page_ids = [str(card["id"]) for card in page]
            ids.update(page_ids)
            if len(page_ids) < self.page_limit:
                return ids
            before = min(page_ids)

    def estimate_total(self) -> int | None:
        """Trello has no cheap card count (only open-card limits per board): ``None``."""
        return None

    @property
    def requests_made(self) -> int:
        """Requests sent so far, retries included."""
        return self.api.requests_made

    # ----- webhooks --------------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> bool:
        """``X-Trello-Webhook`` over the body and the callback URL (``X-Baton-Callback-Url`` or credentials)."""
        lowered = {key.lower(): value for key, value in headers.items()}
        callback = lowered.get("x-baton-callback-url") or self.config.credentials.get("callback_url", "")
        if not callback:
            return False
        return verify_trello_signature(lowered.get("x-trello-webhook"), body, callback, secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> tuple[WebhookDelivery, ...]:
        """One delivery per action."""
        return parse_trello_webhook(headers, body)

    def register_webhook(self, callback_url: str, id_model: str, description: str) -> WebhookInfo:
        """Create a webhook on a board (or card, list, member) through py-trello."""
        return self.api.register_webhook(callback_url, id_model, description)

    def list_webhooks(self) -> list[WebhookInfo]:
        """The token's webhooks."""
        return self.api.list_webhooks()

    def delete_webhook(self, webhook_id: str) -> None:
        """Delete one of the token's webhooks."""
        self.api.delete_webhook(webhook_id)
