"""Evaluating the rules on what a sync or a webhook changed, right after it was written.

Findings of a changed item open, refresh or resolve within the same sync or inbox pass, without waiting for the
scheduled sweep (which still runs: staleness grows without any change, and deletions and new duplicate candidates
are found there). A failed evaluation is logged and never fails the sync or the inbox pass that triggered it: the
data is stored either way and the next sweep catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from core.policy import Policy
from core.timeutil import Clock, utc_now
from models.db import Database
from sync.rules.evaluate import EvaluationSummary, evaluate_items, run_sweep

__all__ = ["SWEEP_INSTEAD_ABOVE", "ChangedItemsHook", "changed_items_hook", "evaluate_changed"]

log = logging.getLogger(__name__)

SWEEP_INSTEAD_ABOVE = 20_000
"""Above this many changed items (a first or full sync), one sweep is cheaper than evaluating them one by one."""

ChangedItemsHook = Callable[[Collection[int]], object]
"""What a sync or the inbox calls with the ids of the items it changed."""


def evaluate_changed(
    database: Database, policy: Policy, item_ids: Collection[int], clock: Clock = utc_now
) -> EvaluationSummary | None:
    """Evaluate the rules on changed items (and what depends on them); None when the evaluation failed.

    Nothing changed, nothing evaluated. Past ``SWEEP_INSTEAD_ABOVE`` ids it runs a full sweep instead.
    """
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return EvaluationSummary()
    try:
        if len(ids) > SWEEP_INSTEAD_ABOVE:
            return run_sweep(database, policy, clock())
        return evaluate_items(database, policy, ids, clock())
    except Exception:  # the sync or inbox pass succeeded; the scheduled sweep will evaluate these items
        log.exception("evaluating the rules on %d changed items failed; the next sweep will", len(ids))
        return None


def changed_items_hook(database: Database, policy: Callable[[], Policy], clock: Clock = utc_now) -> ChangedItemsHook:
    """A hook for the inbox processor: evaluate changed items under the policy current at that moment."""

    def hook(item_ids: Collection[int]) -> object:
        return evaluate_changed(database, policy(), item_ids, clock)

    return hook
