"""The cursor-first CONTROL build of `baton` (P7): a test-only entry point, never installed or shipped.

It runs the real ``baton`` command line with one change made at startup: ``StoreWriter.apply_batch`` commits
the batch's cursor in a transaction of its own *before* it writes the batch's data. A kill between the two
commits leaves a cursor that claims data the store never received, so the next incremental run starts past it
and those items are lost. The P7 test runs this build under the same kill schedule as the real one and proves
that it fails, which shows the schedule can catch a checkpoint written too early.

    python tests/e2e/cursor_first_baton.py sync --full      (the arguments of `baton`, as `python -m cli` runs it)
"""

from __future__ import annotations

from dataclasses import replace

from connectors.records import Batch
from sync.store import BatchOutcome, StoreWriter

_apply_batch = StoreWriter.apply_batch


def apply_batch_cursor_first(self: StoreWriter, batch: Batch) -> BatchOutcome:
    """Advance the cursor and commit, then write the data in a second transaction (the defect under test)."""
    if batch.cursor is not None:
        with self.database.session() as session:
            self._load_maps(session)
            self._advance_cursor(session, batch.cursor)
            session.commit()
    return _apply_batch(self, replace(batch, cursor=None))


def main() -> None:
    StoreWriter.apply_batch = apply_batch_cursor_first  # type: ignore[method-assign]
    from cli import build_cli

    build_cli()()


if __name__ == "__main__":
    main()
