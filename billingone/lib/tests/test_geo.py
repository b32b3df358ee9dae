"""lib/geo.py: offline locations, "Local network" for private addresses, optional MaxMind DB."""

from __future__ import annotations

import pytest

from billingone.lib import geo


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "172.16.5.4", "::1", "fe80::1"])
def test_private_and_loopback_addresses_read_local_network(ip):
    assert geo.locate(ip) == "Local network"


def test_public_address_is_located_to_a_country_offline():
    assert geo.locate("8.8.8.8") == "United States"
    assert geo.locate("2001:4860:4860::8888") == "United States"


@pytest.mark.parametrize("ip", [None, "", "not-an-ip", "999.1.1.1"])
def test_garbage_reads_unknown(ip):
    assert geo.locate(ip) == "Unknown location"


def test_city_database_is_used_when_configured(settings, monkeypatch):
    class Reader:
        def get(self, ip):
            return {"city": {"names": {"en": "Sydney"}}, "country": {"names": {"en": "Australia"}}}

    settings.GEOIP_CITY_DB = "/srv/GeoLite2-City.mmdb"
    monkeypatch.setattr(geo, "_city_reader", lambda path: Reader())
    assert geo.locate("1.1.1.1") == "Sydney, Australia"


def test_unreadable_city_database_falls_back_to_country(settings, tmp_path):
    bad = tmp_path / "broken.mmdb"
    bad.write_bytes(b"not a database")
    settings.GEOIP_CITY_DB = str(bad)
    geo._city_reader.cache_clear()
    assert geo.locate("8.8.8.8") == "United States"
