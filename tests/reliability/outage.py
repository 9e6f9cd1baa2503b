"""Taking the store away mid-run, for real, on either dialect.

- PostgreSQL: Baton reaches the server through a TCP relay on 127.0.0.1; ``cut()`` resets every relayed
  connection and refuses new ones (the server itself, shared by every test, is never touched); ``restore()``
  relays again.
- SQLite: ``cut()`` has another connection take the file's EXCLUSIVE lock (as a backup tool or a stuck process
  would), so every read and write gives up after the busy timeout with "database is locked"; ``restore()``
  releases it.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

__all__ = ["StoreOutage", "store_outage"]


class _Relay:
    """A threaded TCP relay from an ephemeral local port to ``target``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = int(self.listener.getsockname()[1])
        self.open = threading.Event()
        self.open.set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, name="store-relay", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.open.is_set():
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open.clear()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _reset(sock)

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self.listener.close()
        self._thread.join()


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class StoreOutage:
    """``url`` is what Baton must connect through; ``cut()`` / ``restore()`` take the store away and back."""

    def __init__(self, url: str, relay: _Relay | None, sqlite_path: str | None) -> None:
        self.url = url
        self._relay = relay
        self._sqlite_path = sqlite_path
        self._holder: sqlite3.Connection | None = None

    def cut(self) -> None:
        if self._relay is not None:
            self._relay.cut()
            return
        assert self._sqlite_path is not None
        holder = sqlite3.connect(self._sqlite_path, timeout=30, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")
        self._holder = holder

    def restore(self) -> None:
        if self._relay is not None:
            self._relay.restore()
            return
        if self._holder is not None:
            self._holder.execute("ROLLBACK")
            self._holder.close()
            self._holder = None


@contextmanager
def store_outage(database_url: str) -> Iterator[StoreOutage]:
    """A :class:`StoreOutage` for the store at ``database_url`` (either dialect)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        outage = StoreOutage(database_url, None, url.database)
        try:
            yield outage
        finally:
            outage.restore()
        return
    relay = _Relay((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield StoreOutage(url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False), relay, None)
    finally:
        relay.close()
