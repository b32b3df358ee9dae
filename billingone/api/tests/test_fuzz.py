"""Schemathesis over /api/v1/openapi.json as a signed-in owner of Org A: no answer is a 5xx.

Bounded and deterministic (derandomized, FUZZ_EXAMPLES per operation); `make fuzz` runs it with more."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings

# The raw WSGI app closes database connections at each request's end, as a server should: the test
# data is committed (a transactional test) so a fresh connection still sees it.
pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
django_app = get_wsgi_application()


def app(environ, start_response):
    # werkzeug's test client sends no peer address; a real server always does.
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    return django_app(environ, start_response)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def owner_token(personas, app_token):
    cache.clear()  # committed data: the sign-in budget of the previous operations' logins is still counted
    return app_token(personas.alice)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_5xx(case, owner_token):
    parameters = case.path_parameters or {}
    if "slug" in parameters:
        parameters["slug"] = "org-a"  # the owner's organization, so the fuzz passes the gate
    if "provider" in parameters:
        parameters["provider"] = "pax8"  # a registered provider: its endpoints, not only their 404
    case.headers = {**(case.headers or {}), "X-Session-Token": owner_token}
    case.cookies = {}
    response = case.call()

    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:300])
