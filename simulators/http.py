"""What every simulator's request handler shares: HTTP/1.1, no access log, the path and query."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit


class SimulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: tests and the dev runner read their own logs
        pass

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
