"""Run tap-trello 1.1.3 against a Trello emulator (inside the peer's own environment).

tap-trello hard-codes ``https://api.trello.com/1`` in ``Client.__init__``; this launcher sets
``client.base_url`` from the config's ``base_url`` (e.g. ``http://127.0.0.1:8102/1``) and then runs the tap's
own ``main`` with the same arguments: ``python tap_trello.py --config c.json [--discover | --catalog cat.json]``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# This file shares the package's name: drop its folder from the path so `tap_trello` is the installed tap.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from tap_trello import client as tap_client  # noqa: E402
from tap_trello import main  # noqa: E402

_original_init = tap_client.Client.__init__


def _init_with_base_url(self: Any, config: Any) -> None:
    _original_init(self, config)
    base_url = config.get("base_url")
    if base_url:
        self.base_url = str(base_url).rstrip("/")


tap_client.Client.__init__ = _init_with_base_url  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
