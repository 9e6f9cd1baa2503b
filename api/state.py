"""What the app holds while it runs, built in the lifespan from injected settings."""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings
from models.db import Database

__all__ = ["AppState"]


@dataclass
class AppState:
    """The settings and the store of one running app."""

    settings: Settings
    database: Database
