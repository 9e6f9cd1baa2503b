"""The cursor-first CONTROL build of `baton` (P7): a test-only entry point, never installed or shipped.

It runs the real ``baton`` command line with one change made at startup: ``StoreWriter.apply_batches`` (which
``apply_batch`` also goes through) commits each batch's cursor in a transaction of its own *before* it writes
that batch's data. A kill between the two commits leaves a cursor that claims data the store never received, so the
next incremental run starts past it and those items are lost. The P7 test runs this build under the same kill
schedule as the real one and proves that it fails, which shows the schedule can catch a checkpoint written too
early.

    python tests/e2e/cursor_first_baton.py sync --full      (the arguments of `baton`, as `python -m cli` runs it)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from connectors.records import Batch
from sync.store import BatchOutcome, StoreWriter

_apply_batches = StoreWriter.apply_batches


def apply_batches_cursor_first(self: StoreWriter, batches: Sequence[Batch]) -> list[BatchOutcome]:
    """For each batch: advance its cursor and commit, then write its data in a second transaction (the defect
    under test). Batch by batch, as a build that checkpoints each page would: the real writer groups read-ahead
    batches in one transaction, and a control that lost a whole group per kill would seldom reach the later kill
    points at all."""
    outcomes: list[BatchOutcome] = []
    for batch in batches:
        if batch.cursor is not None:
            with self.database.session() as session:
                self._load_maps(session)
                self._advance_cursor(session, batch.cursor)
                session.commit()
        outcomes += _apply_batches(self, [replace(batch, cursor=None)])
    return outcomes


def main() -> None:
    StoreWriter.apply_batches = apply_batches_cursor_first  # type: ignore[method-assign]
    from cli import build_cli

    build_cli()()


if __name__ == "__main__":
    main()
