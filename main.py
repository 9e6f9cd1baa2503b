"""Baton's entry points: the FastAPI app (``fastapi run main.py``) and the ``baton`` command line."""

from api.app import create_app
from cli import build_cli

app = create_app()


def run() -> None:
    """The ``baton`` console script."""
    build_cli()()


if __name__ == "__main__":
    run()
