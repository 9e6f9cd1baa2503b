"""tap-trello 1.1.3 in its own pinned environment extracts every stream from the emulator."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from bench.peers import LAUNCHERS, ensure_peer_venv
from tests.emulators.trello.conftest import KEY, TOKEN, StartTrello

ITEMS = 300
PAGE = 20  # cards_response_size: smaller than every board, so the tap pages with before=<smallest card id>


def run_tap(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), str(LAUNCHERS / "tap_trello.py"), *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_tap_trello_extracts_every_card_with_before_paging(trello_factory: StartTrello, tmp_path: Path) -> None:
    python = ensure_peer_venv("tap-trello")
    trello = trello_factory(items=ITEMS)
    config = {
        "api_key": KEY,
        "api_token": TOKEN,
        "start_date": "2020-01-01T00:00:00Z",
        "base_url": trello.api,
        "cards_response_size": PAGE,
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    discovered = run_tap(python, "--config", str(tmp_path / "config.json"), "--discover")
    assert discovered.returncode == 0, discovered.stderr[-2000:]
    catalog = json.loads(discovered.stdout)
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = True
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))

    run = run_tap(python, "--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json"))

    assert run.returncode == 0, run.stderr[-3000:]
    records = [json.loads(line) for line in run.stdout.splitlines() if line.startswith('{"type": "RECORD"')]
    counts = Counter(r["stream"] for r in records)
    card_ids = [r["record"]["id"] for r in records if r["stream"] == "cards"]
    assert counts["cards"] == ITEMS
    assert len(set(card_ids)) == ITEMS
    full_pages = run.stderr.count(f"cards - Collected  {PAGE} records")
    assert full_pages > ITEMS // PAGE - 4  # every board needed several pages
    assert counts["boards"] == 4
    assert counts["actions"] > ITEMS
    for stream in ("lists", "users", "members", "board_custom_fields", "board_labels", "card_custom_field_items"):
        assert counts[stream] > 0, stream
    assert "out of order" not in run.stderr
