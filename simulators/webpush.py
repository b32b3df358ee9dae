"""A Web Push service stand-in: an HTTPS endpoint that stores what it receives (encrypted
body and headers) and answers 201, or 410 for subscriptions marked gone."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class PushRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebPushService:
    certfile: str
    keyfile: str
    host: str = "127.0.0.1"
    port: int = 0
    received: list[PushRequest] = field(default_factory=list)
    gone_paths: set[str] = field(default_factory=set)
    fail_next: int = 0

    def start(self) -> WebPushService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if service.fail_next > 0:
                    service.fail_next -= 1
                    status = 503
                elif self.path in service.gone_paths:
                    status = 410
                else:
                    service.received.append(
                        PushRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certfile, self.keyfile)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def url(self, path: str) -> str:
        return f"https://{self.host}:{self.port}{path}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
