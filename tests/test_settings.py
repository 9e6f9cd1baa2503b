"""Settings: prefix BATON_, .env support, defaults, URL normalisation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import DEFAULT_DATABASE_URL, Settings, normalise_database_url


def test_defaults_are_a_sqlite_file_under_dot_baton(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BATON_DATABASE_URL", "BATON_POLICY", "BATON_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///.baton/baton.db"
    assert settings.dialect == "sqlite"
    assert settings.policy is None
    assert settings.public_url is None


def test_environment_with_the_baton_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", "postgresql://u@db:5432/baton")
    monkeypatch.setenv("BATON_POLICY", "/etc/baton/policy.yaml")
    monkeypatch.setenv("BATON_PUBLIC_URL", "https://baton.example.com")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///ignored.db")  # no prefix: not Baton's
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@db:5432/baton"
    assert settings.dialect == "postgresql"
    assert settings.policy == Path("/etc/baton/policy.yaml")
    assert settings.public_url == "https://baton.example.com"


def test_dot_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_DATABASE_URL", raising=False)
    (tmp_path / ".env").write_text("BATON_DATABASE_URL=sqlite:///from-dotenv.db\nBATON_LOG_LEVEL=DEBUG\n")
    settings = Settings()
    assert settings.database_url == "sqlite:///from-dotenv.db"
    assert settings.log_level == "DEBUG"


def test_bad_values_are_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_SQLITE_BUSY_TIMEOUT_MS", "100")
    with pytest.raises(ValidationError, match="sqlite_busy_timeout_ms"):
        Settings()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_are_normalised(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected
