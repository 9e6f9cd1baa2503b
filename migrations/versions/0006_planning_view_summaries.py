"""planning view summaries: item tallies kept by triggers, view and hygiene snapshots, team-scoped API keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 17:34:02.144176
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types
from sqlalchemy.dialects import postgresql

# Every write to work_item appends signed rows to item_tally (old group -1, new group +1) when a counted column
# changes; append-only, so concurrent writers never wait on each other. api/views/tallies.py sums and compacts.
_TALLY_COLUMNS = "container_id, subcontainer_id, source, status_raw, status_category, items, points"
_CHANGED_SQLITE = (
    "OLD.container_id IS NOT NEW.container_id OR OLD.subcontainer_id IS NOT NEW.subcontainer_id"
    " OR OLD.source IS NOT NEW.source OR OLD.status_raw IS NOT NEW.status_raw"
    " OR OLD.status_category IS NOT NEW.status_category OR OLD.estimate IS NOT NEW.estimate"
    " OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)"
)
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER trg_item_tally_insert AFTER INSERT ON work_item WHEN NEW.deleted_at IS NULL
BEGIN
  INSERT INTO item_tally ({_TALLY_COLUMNS}) VALUES (NEW.container_id, NEW.subcontainer_id, NEW.source,
    NEW.status_raw, NEW.status_category, 1, COALESCE(NEW.estimate, 0));
END""",
    f"""CREATE TRIGGER trg_item_tally_update AFTER UPDATE ON work_item WHEN {_CHANGED_SQLITE}
BEGIN
  INSERT INTO item_tally ({_TALLY_COLUMNS}) SELECT OLD.container_id, OLD.subcontainer_id, OLD.source,
    OLD.status_raw, OLD.status_category, -1, -COALESCE(OLD.estimate, 0) WHERE OLD.deleted_at IS NULL;
  INSERT INTO item_tally ({_TALLY_COLUMNS}) SELECT NEW.container_id, NEW.subcontainer_id, NEW.source,
    NEW.status_raw, NEW.status_category, 1, COALESCE(NEW.estimate, 0) WHERE NEW.deleted_at IS NULL;
END""",
    f"""CREATE TRIGGER trg_item_tally_delete AFTER DELETE ON work_item WHEN OLD.deleted_at IS NULL
BEGIN
  INSERT INTO item_tally ({_TALLY_COLUMNS}) VALUES (OLD.container_id, OLD.subcontainer_id, OLD.source,
    OLD.status_raw, OLD.status_category, -1, -COALESCE(OLD.estimate, 0));
END""",
]
_GROUP = "container_id, subcontainer_id, source, status_raw, status_category"
# PostgreSQL: statement-level triggers over transition tables, one set-based INSERT per statement.
_POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION item_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO item_tally ({_TALLY_COLUMNS})
  SELECT {_GROUP}, count(*), sum(COALESCE(estimate, 0)) FROM new_rows WHERE deleted_at IS NULL GROUP BY {_GROUP};
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION item_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO item_tally ({_TALLY_COLUMNS})
  SELECT {_GROUP}, -count(*), -sum(COALESCE(estimate, 0)) FROM old_rows WHERE deleted_at IS NULL GROUP BY {_GROUP};
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION item_tally_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO item_tally ({_TALLY_COLUMNS})
  SELECT g.container_id, g.subcontainer_id, g.source, g.status_raw, g.status_category, sum(g.n), sum(g.p)
  FROM (
    SELECT o.container_id, o.subcontainer_id, o.source, o.status_raw, o.status_category,
           -1 AS n, -COALESCE(o.estimate, 0) AS p, o.deleted_at IS NULL AS live
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE (o.container_id, o.subcontainer_id, o.source, o.status_raw, o.status_category, o.estimate,
           o.deleted_at IS NULL)
      IS DISTINCT FROM (n.container_id, n.subcontainer_id, n.source, n.status_raw, n.status_category, n.estimate,
           n.deleted_at IS NULL)
    UNION ALL
    SELECT n.container_id, n.subcontainer_id, n.source, n.status_raw, n.status_category,
           1, COALESCE(n.estimate, 0), n.deleted_at IS NULL
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE (o.container_id, o.subcontainer_id, o.source, o.status_raw, o.status_category, o.estimate,
           o.deleted_at IS NULL)
      IS DISTINCT FROM (n.container_id, n.subcontainer_id, n.source, n.status_raw, n.status_category, n.estimate,
           n.deleted_at IS NULL)
  ) AS g
  WHERE g.live
  GROUP BY g.container_id, g.subcontainer_id, g.source, g.status_raw, g.status_category
  HAVING sum(g.n) <> 0 OR sum(g.p) <> 0;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER trg_item_tally_insert AFTER INSERT ON work_item REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION item_tally_inserted()""",
    """CREATE TRIGGER trg_item_tally_update AFTER UPDATE ON work_item
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION item_tally_updated()""",
    """CREATE TRIGGER trg_item_tally_delete AFTER DELETE ON work_item REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION item_tally_deleted()""",
]
_DROP_SQLITE = [f"DROP TRIGGER IF EXISTS trg_item_tally_{op_}" for op_ in ("insert", "update", "delete")]
_DROP_POSTGRES = [f"DROP TRIGGER IF EXISTS trg_item_tally_{op_} ON work_item" for op_ in ("insert", "update", "delete")] + [
    f"DROP FUNCTION IF EXISTS item_tally_{fn}()" for fn in ("inserted", "updated", "deleted")
]
# The store's items as they are when the triggers start counting.
_INITIAL_TALLY = (
    f"INSERT INTO item_tally ({_TALLY_COLUMNS}) SELECT {_GROUP}, count(*), sum(COALESCE(estimate, 0))"
    f" FROM work_item WHERE deleted_at IS NULL GROUP BY {_GROUP}"
)

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('hygiene_snapshot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('snapshot_date', sa.Date(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('open_items', sa.Integer(), nullable=False),
    sa.Column('items_with_findings', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('computed_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('snapshot_date', 'scope', 'name', name='uq_hygiene_snapshot_day_scope_name')
    )
    with op.batch_alter_table('hygiene_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_hygiene_snapshot_scope_name_day', ['scope', 'name', 'snapshot_date'], unique=False)

    op.create_table('item_tally',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('container_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subcontainer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status_raw', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status_category', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('view_snapshot',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('computed_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('watermark', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teams', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index('ix_finding_last_seen', ['last_seen_at'], unique=False)

    op.drop_index('ix_work_item_container_status', table_name='work_item')
    op.create_index(
        'ix_work_item_container_status_updated',
        'work_item',
        ['container_id', 'status_category', 'source_updated_at'],
        unique=False,
    )

    # ### end Alembic commands ###
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("LOCK TABLE work_item IN SHARE ROW EXCLUSIVE MODE")
    for statement in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute(_INITIAL_TALLY)


def downgrade() -> None:
    for statement in _DROP_POSTGRES if op.get_bind().dialect.name == "postgresql" else _DROP_SQLITE:
        op.execute(statement)
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index('ix_work_item_container_status_updated', table_name='work_item')
    op.create_index('ix_work_item_container_status', 'work_item', ['container_id', 'status_category'], unique=False)

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_last_seen')

    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_column('teams')

    op.drop_table('view_snapshot')
    op.drop_table('item_tally')
    with op.batch_alter_table('hygiene_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_hygiene_snapshot_scope_name_day')

    op.drop_table('hygiene_snapshot')
    # ### end Alembic commands ###
