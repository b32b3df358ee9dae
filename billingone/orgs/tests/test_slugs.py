from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from billingone.orgs.slugs import RESERVED_SLUGS, suggest_slug, validate_slug


@pytest.mark.parametrize("slug", ["acme", "acme-it", "a1b", "x" * 40, "msp-2024"])
def test_valid_slugs(slug):
    validate_slug(slug)


@pytest.mark.parametrize(
    "slug", ["", "ab", "x" * 41, "Acme", "-acme", "acme-", "acme--it", "ac me", "acmé", "a_b", "../x"]
)
def test_invalid_slugs(slug):
    with pytest.raises(ValidationError):
        validate_slug(slug)


@pytest.mark.parametrize("slug", ["admin", "api", "accounts", "settings", "healthz", "media", "static"])
def test_reserved_slugs_are_refused(slug):
    assert slug in RESERVED_SLUGS
    with pytest.raises(ValidationError, match="reserved"):
        validate_slug(slug)


def test_suggestions_are_valid_and_free():
    taken = {"acme-networks", "acme-networks-2"}
    assert suggest_slug("Acme Networks!", taken.__contains__) == "acme-networks-3"
    assert suggest_slug("Admin", set().__contains__) == "admin-team"
    assert suggest_slug("ÅB", set().__contains__) == "ab-org"
    assert suggest_slug("日本", set().__contains__) == "org-team"  # "org" is reserved
    for name in ["Acme Networks!", "Admin", "ÅB", "日本", "x" * 200]:
        validate_slug(suggest_slug(name, set().__contains__))
