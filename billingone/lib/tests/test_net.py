from __future__ import annotations

from django.test import RequestFactory

from billingone.lib.net import client_ip


def make(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(make("203.0.113.5", "1.2.3.4")) == "203.0.113.5"


def test_one_trusted_proxy_takes_the_address_it_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged "6.6.6.6"; our proxy appended the real address last.
    assert client_ip(make("10.0.0.2", "6.6.6.6, 198.51.100.23")) == "198.51.100.23"
    assert client_ip(make("10.0.0.2", "9.9.9.9, 198.51.100.23")) == "198.51.100.23"


def test_missing_header_behind_a_proxy_falls_back_to_remote(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(make("10.0.0.2", "198.51.100.23")) == "10.0.0.2"
