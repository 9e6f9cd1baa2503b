"""D6: migrations run up from empty and back down on both dialects, and agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import migrations
import models
from models.db import Database


def schema_diff(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, models.metadata))


@pytest.mark.reliability
def test_d6_upgrade_from_empty_matches_the_models(empty_database_url: str) -> None:
    database = Database.from_url(empty_database_url)
    try:
        assert migrations.current_revision(database.engine) is None
        migrations.upgrade_to_head(database.engine)
        assert migrations.current_revision(database.engine) == migrations.head_revision()
        assert schema_diff(database) == []
        tables = set(inspect(database.engine).get_table_names())
        assert set(models.metadata.tables) <= tables
    finally:
        database.dispose()


@pytest.mark.reliability
def test_d6_downgrade_to_base_and_up_again(empty_database_url: str) -> None:
    database = Database.from_url(empty_database_url)
    try:
        migrations.upgrade_to_head(database.engine)
        migrations.downgrade_to_base(database.engine)
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade_to_head(database.engine)
        assert schema_diff(database) == []
    finally:
        database.dispose()


def test_upgrade_twice_is_a_no_op(migrated_database: Database) -> None:
    migrations.upgrade_to_head(migrated_database.engine)
    assert migrations.current_revision(migrated_database.engine) == migrations.head_revision()


def test_the_public_contract_columns_exist(migrated_database: Database) -> None:
    inspector = inspect(migrated_database.engine)
    work_item = {column["name"] for column in inspector.get_columns("work_item")}
    assert {
        "source",
        "external_id",
        "key",
        "title",
        "status_raw",
        "status_category",
        "source_updated_at",
        "deleted_at",
    } <= work_item
    assert {"rule_id", "message", "resolved_at"} <= {c["name"] for c in inspector.get_columns("finding")}
    assert "webhook_event" in inspector.get_table_names()
    open_finding = [i for i in inspector.get_indexes("finding") if i["name"] == "uq_finding_open_rule_subject"]
    assert open_finding
    assert open_finding[0]["unique"]
