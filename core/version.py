"""Baton's version, from the installed package metadata."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["baton_version"]


def baton_version() -> str:
    """The installed version of Baton (``0+unknown`` when run from a bare checkout)."""
    try:
        return version("baton")
    except PackageNotFoundError:
        return "0+unknown"
