"""Outbound HTTP (SECURITY.md 34): configured hosts only, private/metadata addresses refused,
redirects not followed, timeouts, a limiter that keeps under the budget, Retry-After honoured."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from billingone.integrations.base import ConfigurationInvalid, RateLimit, UnexpectedAnswer
from billingone.lib.http import Limiter, ProviderClient, check_url, retry_after_seconds


class Redirecting(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        return


@pytest.fixture
def redirect_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def client(urls, **options) -> ProviderClient:
    return ProviderClient(provider="Test", account_key="k", rate_limit=RateLimit(100), allowed_urls=urls, **options)


def test_the_metadata_address_is_refused(settings):
    settings.INTEGRATION_SIMULATOR_HOSTS = []
    with pytest.raises(ConfigurationInvalid, match="private or reserved"):
        check_url("https://169.254.169.254/latest/meta-data/", ["https://169.254.169.254/"])


def test_hosts_come_from_configuration_only():
    with pytest.raises(ConfigurationInvalid, match="not a configured provider host"):
        check_url("https://evil.example/v1/companies", ["https://api.pax8.com/v1"])
    with pytest.raises(ConfigurationInvalid, match="not a configured provider host"):
        check_url("https://api.pax8.com:8443/v1/companies", ["https://api.pax8.com/v1"])


def test_plain_http_and_private_names_are_refused_outside_simulators(settings):
    settings.INTEGRATION_SIMULATOR_HOSTS = []
    with pytest.raises(ConfigurationInvalid, match="over http"):
        check_url("http://api.pax8.com/v1", ["http://api.pax8.com/v1"])
    with pytest.raises(ConfigurationInvalid, match="private or reserved"):
        check_url("https://localhost/v1", ["https://localhost/v1"])


def test_a_redirect_is_not_followed(redirect_server, settings):
    settings.INTEGRATION_SIMULATOR_HOSTS = [redirect_server.removeprefix("http://")]
    with pytest.raises(UnexpectedAnswer, match="redirect"):
        client([redirect_server]).request("GET", redirect_server + "/v1/companies")
    settings.INTEGRATION_SIMULATOR_HOSTS = []
    with pytest.raises(ConfigurationInvalid):
        client([redirect_server]).request("GET", redirect_server + "/v1/companies")


def test_every_request_has_timeouts_and_no_redirects():
    http = client(["https://api.pax8.com/v1"]).http
    assert http.follow_redirects is False
    assert http.timeout.connect and http.timeout.read and http.timeout.pool


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_the_limiter_keeps_under_the_budget_with_headroom():
    clock = FakeClock()
    limiter = Limiter(RateLimit(calls=20, period=1.0, headroom=0.95), clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(57):
        with limiter.slot():
            sent.append(clock.now)
    for index, moment in enumerate(sent):  # never more than 19 (95% of 20) in any 1 s window
        assert sum(1 for other in sent[index:] if other < moment + 1.0) <= 19
    assert clock.now - 1000.0 >= 2.0


def test_retry_after_pauses_every_caller():
    clock = FakeClock()
    limiter = Limiter(RateLimit(calls=100), clock=clock, sleep=clock.sleep)
    limiter.pause(7)
    with limiter.slot():
        assert clock.now >= 1007.0
    assert retry_after_seconds(httpx.Headers({"Retry-After": "12"})) == 12.0
    assert retry_after_seconds(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after_seconds(httpx.Headers({})) is None


def test_known_secrets_are_scrubbed_from_messages():
    scrubbing = client(["https://api.pax8.com/v1"], secrets=["s3cr3t-value"])
    assert scrubbing.scrub("failed with s3cr3t-value inside") == "failed with [redacted] inside"


class StopBeforeSending(Exception):
    pass


def rebinding_resolver(calls: list):
    """A DNS answer that changes: public for the check, then the metadata address."""

    def resolve(host, port, **kwargs):
        calls.append(host)
        address = "93.184.216.34" if len(calls) == 1 else "169.254.169.254"
        return [(2, 1, 6, "", (address, port))]

    return resolve


def test_the_checked_address_is_dialled_with_no_second_lookup(settings):
    settings.INTEGRATION_SIMULATOR_HOSTS = []
    lookups, seen = [], []
    provider = client(["https://api.pax8.com/v1"], resolve=rebinding_resolver(lookups), max_retries=0)

    def capture(request: httpx.Request):
        seen.append((str(request.url), request.headers["Host"], request.extensions.get("sni_hostname")))
        raise StopBeforeSending

    provider.http.event_hooks["request"] = [capture]
    with pytest.raises(StopBeforeSending):
        provider.request("GET", "https://api.pax8.com/v1/companies?page=0")
    assert lookups == ["api.pax8.com"]
    assert seen == [("https://93.184.216.34/v1/companies?page=0", "api.pax8.com", "api.pax8.com")]


def test_a_pinned_request_keeps_the_name_for_tls_and_host(tmp_path):
    from simulators.tls import self_signed

    files = self_signed(tmp_path)
    hosts = []

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self):
            hosts.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            return

    import ssl

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        from billingone.lib.http import pinned

        url, headers, extensions = pinned(f"https://localhost:{port}/x", "127.0.0.1")
        assert url == f"https://127.0.0.1:{port}/x"
        with httpx.Client(verify=ssl.create_default_context(cafile=files.cert)) as http:
            response = http.request("GET", url, headers=headers, extensions=extensions)
        assert response.text == "ok" and hosts == [f"localhost:{port}"]
    finally:
        server.shutdown()
        server.server_close()
