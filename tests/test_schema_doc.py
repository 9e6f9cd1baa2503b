"""docs/schema.md is generated from the models and must be current."""

from pathlib import Path

from models.schema_doc import render_schema_doc

DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


def test_schema_doc_is_current() -> None:
    assert DOC.read_text() == render_schema_doc(), "run: python -m models.schema_doc > docs/schema.md"


def test_schema_doc_names_every_table_and_column() -> None:
    import models

    text = DOC.read_text()
    for table in models.metadata.tables.values():
        assert f"## `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text
