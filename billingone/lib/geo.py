"""Where an IP address is, offline: "City, Country" or "Country", never a network call.

Country comes from `iptocc` (Regional Internet Registry allocations, shipped inside the
wheel). When settings.GEOIP_CITY_DB names a MaxMind GeoIP2/GeoLite2 City `.mmdb` file, its
city and country are used first. Private, loopback and link-local addresses read
"Local network"; anything unknown reads "Unknown location".
"""

from __future__ import annotations

import ipaddress
import logging
from functools import cache

import iptocc
import pycountry
from django.conf import settings

logger = logging.getLogger(__name__)

LOCAL_NETWORK = "Local network"
UNKNOWN = "Unknown location"


@cache
def _city_reader(path: str):
    import maxminddb

    try:
        return maxminddb.open_database(path)
    except (OSError, ValueError, RuntimeError):  # maxminddb.InvalidDatabaseError is a RuntimeError
        logger.warning("GEOIP_CITY_DB cannot be read; falling back to country only", extra={"path": path})
        return None


def _is_local(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified


def country_name(code: str | None) -> str | None:
    if not code:
        return None
    country = pycountry.countries.get(alpha_2=code.upper())
    return getattr(country, "common_name", None) or (country.name if country else code.upper())


def _from_mmdb(ip: str) -> str | None:
    path = getattr(settings, "GEOIP_CITY_DB", "")
    reader = _city_reader(str(path)) if path else None
    if reader is None:
        return None
    try:
        found = reader.get(ip) or {}
    except ValueError:
        return None
    city = (found.get("city") or {}).get("names", {}).get("en")
    country = (found.get("country") or {}).get("names", {}).get("en")
    parts = [part for part in (city, country) if part]
    return ", ".join(parts) or None


def locate(ip: str | None) -> str:
    """A human label for the location of `ip`."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return UNKNOWN
    if _is_local(address):
        return LOCAL_NETWORK
    label = _from_mmdb(str(address))
    if label:
        return label
    return country_name(iptocc.country_code(str(address))) or UNKNOWN
