"""planning views at scale: labels and findings carry their item's updated time; per-person open-item tallies

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 21:30:00.000000

- ``work_item_label.item_updated_at`` and ``finding.item_updated_at`` copy ``work_item.source_updated_at`` (kept
  by triggers), indexed as (label, item_updated_at, work_item_id) and, for open findings, (rule_id,
  item_updated_at, work_item_id): the first page of ``/api/v1/items?label=`` or ``?rule=`` walks that index in
  the list's default order and stops at the page size, whatever the number of matching items.
- ``ix_work_item_due_id`` (due, id) replaces ``ix_work_item_due`` (due): the due list and ``?sort=due`` order by
  (due, id), and PostgreSQL otherwise reads every item of the first due date before the page's first row.
- ``person_tally``: signed counts of each person's open items (live, assigned, not done nor cancelled), appended
  by triggers on every write to ``work_item`` like ``item_tally`` (0006); ``/api/v1/people`` sums them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "('backlog', 'todo', 'in_progress', 'unknown')"


# The trigger SQL is assembled from this module's constants only (hence the S608 noqa marks).
def _counted(row: str) -> str:
    """Whether ``row`` (NEW, OLD or a transition table's row) is one of its assignee's open items."""
    return f"({row}deleted_at IS NULL AND {row}assignee_person_id IS NOT NULL AND {row}status_category IN {_OPEN})"


_SQLITE_TRIGGERS = [
    # The items' updated time, copied to their labels and findings.
    """CREATE TRIGGER trg_item_sort_copy AFTER UPDATE OF source_updated_at ON work_item
  WHEN OLD.source_updated_at IS NOT NEW.source_updated_at
BEGIN
  UPDATE work_item_label SET item_updated_at = NEW.source_updated_at WHERE work_item_id = NEW.id;
  UPDATE finding SET item_updated_at = NEW.source_updated_at WHERE work_item_id = NEW.id;
END""",
    """CREATE TRIGGER trg_label_sort_copy AFTER INSERT ON work_item_label
BEGIN
  UPDATE work_item_label SET item_updated_at = (SELECT source_updated_at FROM work_item WHERE id = NEW.work_item_id)
  WHERE work_item_id = NEW.work_item_id AND label = NEW.label;
END""",
    """CREATE TRIGGER trg_finding_sort_copy_insert AFTER INSERT ON finding
BEGIN
  UPDATE finding SET item_updated_at = (SELECT source_updated_at FROM work_item WHERE id = NEW.work_item_id)
  WHERE id = NEW.id;
END""",
    """CREATE TRIGGER trg_finding_sort_copy_update AFTER UPDATE OF work_item_id ON finding
  WHEN OLD.work_item_id IS NOT NEW.work_item_id
BEGIN
  UPDATE finding SET item_updated_at = (SELECT source_updated_at FROM work_item WHERE id = NEW.work_item_id)
  WHERE id = NEW.id;
END""",
    # Each person's open items.
    f"""CREATE TRIGGER trg_person_tally_insert AFTER INSERT ON work_item WHEN {_counted("NEW.")}
BEGIN
  INSERT INTO person_tally (person_id, items) VALUES (NEW.assignee_person_id, 1);
END""",  # noqa: S608
    f"""CREATE TRIGGER trg_person_tally_update AFTER UPDATE ON work_item
  WHEN {_counted("OLD.")} <> {_counted("NEW.")}
    OR ({_counted("OLD.")} AND OLD.assignee_person_id IS NOT NEW.assignee_person_id)
BEGIN
  INSERT INTO person_tally (person_id, items) SELECT OLD.assignee_person_id, -1 WHERE {_counted("OLD.")};
  INSERT INTO person_tally (person_id, items) SELECT NEW.assignee_person_id, 1 WHERE {_counted("NEW.")};
END""",
    f"""CREATE TRIGGER trg_person_tally_delete AFTER DELETE ON work_item WHEN {_counted("OLD.")}
BEGIN
  INSERT INTO person_tally (person_id, items) VALUES (OLD.assignee_person_id, -1);
END""",  # noqa: S608
]
_SQLITE_DROPS = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "trg_item_sort_copy",
        "trg_label_sort_copy",
        "trg_finding_sort_copy_insert",
        "trg_finding_sort_copy_update",
        "trg_person_tally_insert",
        "trg_person_tally_update",
        "trg_person_tally_delete",
    )
]

# PostgreSQL: set-based statement-level triggers on work_item (one statement per upsert batch, as in 0006); the
# label and finding rows read their item's time as they are written.
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION item_sort_copy_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE work_item_label AS l SET item_updated_at = n.source_updated_at FROM new_rows AS n
  WHERE l.work_item_id = n.id AND l.item_updated_at IS DISTINCT FROM n.source_updated_at;
  UPDATE finding AS f SET item_updated_at = n.source_updated_at FROM new_rows AS n
  WHERE f.work_item_id = n.id AND f.item_updated_at IS DISTINCT FROM n.source_updated_at;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER trg_item_sort_copy AFTER UPDATE ON work_item REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION item_sort_copy_updated()""",
    """CREATE FUNCTION item_sort_copy_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.item_updated_at := (SELECT source_updated_at FROM work_item WHERE id = NEW.work_item_id);
  RETURN NEW;
END $$""",
    """CREATE TRIGGER trg_label_sort_copy BEFORE INSERT OR UPDATE OF work_item_id ON work_item_label
  FOR EACH ROW EXECUTE FUNCTION item_sort_copy_row()""",
    """CREATE TRIGGER trg_finding_sort_copy BEFORE INSERT OR UPDATE OF work_item_id ON finding
  FOR EACH ROW EXECUTE FUNCTION item_sort_copy_row()""",
    f"""CREATE FUNCTION person_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO person_tally (person_id, items)
  SELECT assignee_person_id, count(*) FROM new_rows WHERE {_counted("")} GROUP BY assignee_person_id;
  RETURN NULL;
END $$""",  # noqa: S608
    f"""CREATE FUNCTION person_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO person_tally (person_id, items)
  SELECT assignee_person_id, -count(*) FROM old_rows WHERE {_counted("")} GROUP BY assignee_person_id;
  RETURN NULL;
END $$""",  # noqa: S608
    f"""CREATE FUNCTION person_tally_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO person_tally (person_id, items)
  SELECT person_id, sum(n)
  FROM (
    SELECT assignee_person_id AS person_id, -1 AS n FROM old_rows WHERE {_counted("")}
    UNION ALL
    SELECT assignee_person_id, 1 FROM new_rows WHERE {_counted("")}
  ) AS moved
  GROUP BY person_id
  HAVING sum(n) <> 0;
  RETURN NULL;
END $$""",  # noqa: S608
    """CREATE TRIGGER trg_person_tally_insert AFTER INSERT ON work_item REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION person_tally_inserted()""",
    """CREATE TRIGGER trg_person_tally_update AFTER UPDATE ON work_item
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_tally_updated()""",
    """CREATE TRIGGER trg_person_tally_delete AFTER DELETE ON work_item REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION person_tally_deleted()""",
]
_POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS trg_item_sort_copy ON work_item",
    "DROP TRIGGER IF EXISTS trg_label_sort_copy ON work_item_label",
    "DROP TRIGGER IF EXISTS trg_finding_sort_copy ON finding",
    "DROP TRIGGER IF EXISTS trg_person_tally_insert ON work_item",
    "DROP TRIGGER IF EXISTS trg_person_tally_update ON work_item",
    "DROP TRIGGER IF EXISTS trg_person_tally_delete ON work_item",
    "DROP FUNCTION IF EXISTS item_sort_copy_updated()",
    "DROP FUNCTION IF EXISTS item_sort_copy_row()",
    "DROP FUNCTION IF EXISTS person_tally_inserted()",
    "DROP FUNCTION IF EXISTS person_tally_deleted()",
    "DROP FUNCTION IF EXISTS person_tally_updated()",
]

# The store as it is when the triggers start.
_BACKFILL = [
    "UPDATE work_item_label SET item_updated_at = w.source_updated_at FROM work_item AS w"
    " WHERE w.id = work_item_label.work_item_id",
    "UPDATE finding SET item_updated_at = w.source_updated_at FROM work_item AS w WHERE w.id = finding.work_item_id",
    "INSERT INTO person_tally (person_id, items) SELECT assignee_person_id, count(*) FROM work_item"  # noqa: S608
    f" WHERE {_counted('')} GROUP BY assignee_person_id",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("LOCK TABLE work_item, work_item_label, finding IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "person_tally",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_tally_person", "person_tally", ["person_id"], unique=False)
    op.add_column(
        "work_item_label", sa.Column("item_updated_at", models.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("finding", sa.Column("item_updated_at", models.types.UTCDateTime(timezone=True), nullable=True))
    for statement in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(statement)
    for statement in _BACKFILL:
        op.execute(statement)
    op.drop_index("ix_work_item_due", table_name="work_item")
    op.create_index("ix_work_item_due_id", "work_item", ["due", "id"], unique=False)
    op.create_index(
        "ix_work_item_label_label_updated",
        "work_item_label",
        ["label", "item_updated_at", "work_item_id"],
        unique=False,
    )
    op.create_index(
        "ix_finding_open_rule_item_updated",
        "finding",
        ["rule_id", "item_updated_at", "work_item_id"],
        unique=False,
        sqlite_where=sa.text("resolved_at IS NULL"),
        postgresql_where=sa.text("resolved_at IS NULL"),
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_DROPS if postgres else _SQLITE_DROPS:
        op.execute(statement)
    op.drop_index("ix_finding_open_rule_item_updated", table_name="finding")
    op.drop_index("ix_work_item_label_label_updated", table_name="work_item_label")
    op.drop_index("ix_work_item_due_id", table_name="work_item")
    op.create_index("ix_work_item_due", "work_item", ["due"], unique=False)
    # SQLite 3.35+ drops a column in place (a batch copy would rebuild finding and its partial indexes).
    op.execute("ALTER TABLE finding DROP COLUMN item_updated_at")
    op.execute("ALTER TABLE work_item_label DROP COLUMN item_updated_at")
    op.drop_index("ix_person_tally_person", table_name="person_tally")
    op.drop_table("person_tally")
