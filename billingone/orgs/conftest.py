"""Fixtures of the organization area: images, extra members, invitations, mail helpers."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from PIL import Image

from billingone.orgs.models import Membership
from billingone.orgs.roles import Role
from billingone.testing.personas import make_user


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 40), color=(36, 87, 214), **save) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format=fmt, **save)
    return output.getvalue()


@pytest.fixture
def png():
    return image_bytes


@pytest.fixture
def victim(personas):
    """An extra Viewer of Org A that every team action can be tried on."""
    user = make_user("victor@org-a.test", "Victor Viewer")
    return Membership.objects.create(user=user, organization=personas.org_a, role=Role.VIEWER)


@pytest.fixture
def owner_membership(personas):
    return Membership.objects.get(user=personas.alice, organization=personas.org_a)


def membership_of(user, organization) -> Membership:
    return Membership.objects.select_related("organization", "user").get(user=user, organization=organization)


ACCEPT_LINK = re.compile(r"https?://[^\s\"<>]+/invitations/([A-Za-z0-9_-]+)/")


def last_accept_link(to: str | None = None) -> str:
    """The accept link of the newest invitation email (to `to`, if given)."""
    messages = [m for m in mail.outbox if to is None or to in m.to]
    assert messages, "no invitation email was sent"
    match = ACCEPT_LINK.search(messages[-1].body)
    assert match, messages[-1].body
    return match.group(0)
