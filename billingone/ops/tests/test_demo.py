from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from billingone.accounts.models import User
from billingone.orgs.models import Membership, Organization

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    organization = Organization.objects.get(slug="demo")
    assert organization.name == "Demo MSP"
    roles = dict(Membership.objects.filter(organization=organization).values_list("user__email", "role"))
    assert roles == {
        "owner@demo.test": "owner",
        "admin@demo.test": "admin",
        "finance@demo.test": "finance",
        "engineer@demo.test": "engineer",
        "viewer@demo.test": "viewer",
    }
    assert User.objects.filter(email__endswith="@demo.test").count() == 5
    assert "owner@demo.test  password: billingone-demo" in capsys.readouterr().out


def test_demo_users_can_sign_in(client):
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"login": "owner@demo.test", "password": "billingone-demo"})
    assert response.status_code == 302 and response.url == "/demo/"


def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never seeded in production"):
        call_command("seed_demo")
    assert not Organization.objects.filter(slug="demo").exists()
