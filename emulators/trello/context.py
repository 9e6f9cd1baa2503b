"""Everything Trello routes share: runtime, catalog, renderers, card and action indices, lookups."""

from __future__ import annotations

from collections.abc import Callable

from emulators.events import ChangeEvent
from emulators.org.model import GeneratedItem, Vendor
from emulators.runtime import EmulatorRuntime
from emulators.trello.action_index import BoardActions
from emulators.trello.actions import ActionRef, ActionRenderer, expand_event
from emulators.trello.boards import board_document, organization_document
from emulators.trello.card_index import BoardCards
from emulators.trello.cards import CardRenderer
from emulators.trello.catalog import BoardList, TrelloCatalog
from emulators.trello.errors import TrelloError
from emulators.trello.formats import is_trello_id

__all__ = ["TrelloContext"]


class TrelloContext:
    """The Trello emulator's state on top of the engine runtime (which owns all item data)."""

    def __init__(self, runtime: EmulatorRuntime) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.catalog = TrelloCatalog(runtime.org)
        self.cards = CardRenderer(self.catalog)
        self.actions = ActionRenderer(self.catalog, self.cards)
        self.board_cards = BoardCards(self.store, self.cards.closed)
        self.board_actions = BoardActions(self.store, self.board_cards)
        runtime.bus.subscribe(self.board_cards.on_change)
        runtime.bus.subscribe(self.board_actions.on_change)

    # ----- lookups raising Trello's errors
    def board(self, board_id: str) -> int:
        """Team index of a board id; 400 `invalid id` for malformed ids, 404 for unknown ones."""
        if not is_trello_id(board_id):
            raise TrelloError(400, "invalid id")
        team = self.catalog.find_board(board_id)
        if team is None:
            raise TrelloError(404, "The requested resource was not found.")
        return team

    def board_list(self, list_id: str) -> BoardList:
        """A list by id (400 / 404 as Trello)."""
        if not is_trello_id(list_id):
            raise TrelloError(400, "invalid id")
        found = self.catalog.find_list(list_id)
        if found is None:
            raise TrelloError(404, "The requested resource was not found.")
        return found

    def card(self, card_id: str) -> GeneratedItem:
        """A live card with its history (400 / 404 as Trello)."""
        if not is_trello_id(card_id):
            raise TrelloError(400, "invalid id")
        index = self.store.find(card_id)
        generated = None if index is None else self.store.get_with_history(index)
        if generated is None:
            raise TrelloError(404, "The requested resource was not found.")
        return generated

    def member(self, member_id: str) -> int:
        """Person id of a member id, `me` or a username (404 otherwise)."""
        person = self.catalog.find_member(member_id)
        if person is None and not is_trello_id(member_id):
            person = self.catalog.find_member_by_username(member_id)
        if person is None:
            raise TrelloError(404, "The requested resource was not found.")
        return person

    def workspace(self, organization_id: str) -> None:
        """Check a workspace id or name."""
        if organization_id not in (self.catalog.workspace_id, "acme"):
            raise TrelloError(404, "The requested resource was not found.")

    # ----- rendering helpers
    def render_actions(self, refs: list[ActionRef]) -> list[dict[str, object]]:
        """Action documents for refs (each item generated once per call)."""
        loaded: dict[int, GeneratedItem | None] = {}
        documents = []
        for ref in refs:
            if ref.index not in loaded:
                loaded[ref.index] = self.store.get_with_history(ref.index, include_deleted=True)
            generated = loaded[ref.index]
            if generated is None or ref.number >= len(generated.events):
                continue
            expanded = expand_event(ref.index, generated.events[ref.number])
            if ref.part < len(expanded):
                documents.append(self.actions.render(expanded[ref.part], generated))
        return documents

    def watched_models(self, change: ChangeEvent) -> dict[str, Callable[[], dict[str, object]]]:
        """Model id -> document factory for a change: the card, its board, the workspace."""
        item = change.after
        team = item.team

        def card_model() -> dict[str, object]:
            generated = self.store.get_with_history(item.index, include_deleted=True)
            assert generated is not None
            return self.cards.card(generated)

        def board_model() -> dict[str, object]:
            return board_document(self.catalog, team, fields=None)

        def workspace_model() -> dict[str, object]:
            return organization_document(self.catalog)

        return {
            item.external_id: card_model,
            self.catalog.board_id(team): board_model,
            self.catalog.workspace_id: workspace_model,
        }

    @property
    def vendor(self) -> Vendor:
        """Always Trello."""
        return Vendor.TRELLO
