"""Webhook helpers of the Asana client against the emulator: the handshake is answered while the create waits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from connectors.asana.client import AsanaClient
from tests.connectors.harness_asana import HARNESS


class Receiver(BaseHTTPRequestHandler):
    """Echoes X-Hook-Secret, as Baton's receiver does."""

    secrets: list[str] = []

    def do_POST(self) -> None:
        secret = self.headers.get("X-Hook-Secret")
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        if secret:
            Receiver.secrets.append(secret)
            self.send_header("X-Hook-Secret", secret)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/asana"
    finally:
        server.shutdown()
        server.server_close()


def test_register_list_and_delete_a_project_webhook() -> None:
    with HARNESS.running(seed=1, items=300) as running, receiver() as target:
        client = AsanaClient(running.config)
        workspace = running.context.catalog.workspace_gid
        project = running.context.catalog.project_gid(0)
        created = client.register_webhook(project, target)
        assert created["gid"]
        assert Receiver.secrets  # the handshake reached the receiver during the create
        assert [hook["gid"] for hook in client.list_webhooks(workspace)] == [created["gid"]]
        client.delete_webhook(str(created["gid"]))
        assert client.list_webhooks(workspace) == []
        assert client.writes.stats.requests == 2
