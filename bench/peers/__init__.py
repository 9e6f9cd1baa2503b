"""Third-party extractors (Singer taps, Airbyte, dlt), each in its own pinned virtual environment.

They are never project dependencies: ``ensure_peer_venv`` builds ``.venv-peers/<name>`` from the lockfile
``bench/peers/requirements/<name>.txt`` (hashes pinned) on first use and reuses it afterwards. Tests and
benchmarks start them through the small launchers in ``bench/peers/launchers/``, which point them at the
emulators (../shared/docs/peers.md says what each one needs).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["LAUNCHERS", "PEERS", "ensure_peer_venv", "peer_python"]

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).resolve().parent / "requirements"
LAUNCHERS = Path(__file__).resolve().parent / "launchers"
VENVS = ROOT / ".venv-peers"
PEERS = sorted(path.stem for path in REQUIREMENTS.glob("*.txt"))


def _uv() -> str:
    # `make install` puts uv in ~/.local/bin (pip --user) when it was not on PATH already.
    found = (
        shutil.which("uv")
        or shutil.which("uv", path=str(Path(sys.executable).parent))
        or shutil.which("uv", path=str(Path.home() / ".local" / "bin"))
    )
    if found is None:
        raise RuntimeError("uv is needed to build the peer environments: run `make install`")
    return found


def peer_python(name: str) -> Path:
    """The interpreter of a peer's environment (it may not exist yet)."""
    return VENVS / name / "bin" / "python"


def ensure_peer_venv(name: str) -> Path:
    """Build (once) and return the interpreter of peer ``name``'s pinned environment."""
    lockfile = REQUIREMENTS / f"{name}.txt"
    if not lockfile.exists():
        raise ValueError(f"unknown peer {name!r}; known: {', '.join(PEERS)}")
    venv = VENVS / name
    stamp = venv / ".lock-sha256"
    digest = hashlib.sha256(lockfile.read_bytes()).hexdigest()
    VENVS.mkdir(parents=True, exist_ok=True)
    with (VENVS / f".{name}.building").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # parallel test workers build each environment once
        if stamp.exists() and stamp.read_text() == digest and peer_python(name).exists():
            return peer_python(name)
        _build(name, venv, lockfile)
        stamp.write_text(digest)
    return peer_python(name)


def _build(name: str, venv: Path, lockfile: Path) -> None:
    if venv.exists():
        shutil.rmtree(venv)
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    subprocess.run([_uv(), "venv", "--quiet", "--python", "3.11", str(venv)], check=True, env=env)
    subprocess.run(
        [
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--require-hashes",
            "-r",
            str(lockfile),
            "--python",
            str(peer_python(name)),
        ],
        check=True,
        env=env,
    )
