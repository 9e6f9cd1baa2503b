"""Baton's entry points: the FastAPI app (``fastapi run main.py``) and the ``baton`` command line.

``main.app`` is built on first access (uvicorn's ``"main:app"``, ``fastapi run main.py``), so the ``baton``
console script, which imports this module, starts without FastAPI, the store and the vendor SDKs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli import build_cli

if TYPE_CHECKING:
    from fastapi import FastAPI

    app: FastAPI

__all__ = ["app", "run"]


def __getattr__(name: str) -> object:
    """Build ``app`` the first time it is asked for, then keep it as a plain module attribute."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from api.app import create_app

    built = create_app()
    globals()["app"] = built
    return built


def __dir__() -> list[str]:
    return sorted({*globals(), "app"})


def run() -> None:
    """The ``baton`` console script."""
    build_cli()()


if __name__ == "__main__":
    run()
