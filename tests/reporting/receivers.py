"""Local receivers that record what Slack and an SMTP server would get (real HTTP and SMTP on 127.0.0.1)."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class SlackReceiver:
    """Records every JSON body POSTed to it; answers 500 to the first ``fail_first`` requests."""

    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)
    failures: int = 0
    fail_first: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def slack_receiver(*, fail_first: int = 0) -> Iterator[SlackReceiver]:
    receiver = SlackReceiver(fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                if receiver.failures < receiver.fail_first:
                    receiver.failures += 1
                    status, answer = 500, b"server_error"
                else:
                    receiver.posts.append(json.loads(body))
                    status, answer = 200, b"ok"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/XXXX"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpReceiver:
    """Records every message (envelope and parsed content)."""

    port: int = 0
    messages: list[tuple[str, list[str], Message]] = field(default_factory=list)


@contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """A minimal SMTP server (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), enough for smtplib."""
    receiver = SmtpReceiver()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.reply("220 receiver ready")
            sender, recipients = "", []
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                command = raw.decode().strip()
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.reply("250-receiver")
                    self.reply("250 8BITMIME")
                elif verb == "HELO":
                    self.reply("250 receiver")
                elif verb == "MAIL":
                    sender = command.split(":", 1)[1].strip().strip("<>").split(">")[0]
                    self.reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 end with <CRLF>.<CRLF>")
                    lines = []
                    while True:
                        line = self.rfile.readline()
                        if line in (b".\r\n", b".\n", b""):
                            break
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    receiver.messages.append((sender, recipients, message_from_bytes(b"".join(lines))))
                    sender, recipients = "", []
                    self.reply("250 queued")
                elif verb in ("RSET", "NOOP"):
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
