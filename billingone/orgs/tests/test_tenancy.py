"""The tenancy gate on every organization route, found by introspection.

Org B's owner gets 404 on every web and API route of Org A; every Org A role gets 403 on each
route whose capability it lacks. A view that forgets the gate makes the sweep fail (shown
with a deliberately broken URLconf).
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import include, path
from ninja import NinjaAPI, Router

from billingone.orgs import roles
from billingone.orgs.tenancy import org_endpoint, org_view
from billingone.testing.routes import api_routes, matrix_violations, org_routes, tenancy_leaks, web_routes

pytestmark = pytest.mark.django_db


def test_the_sweep_finds_the_organization_routes():
    routes = org_routes()
    patterns = {route.pattern for route in routes}
    assert "<slug:slug>/settings/profile/" in patterns
    assert "/orgs/{slug}" in patterns
    assert len([r for r in routes if r.kind == "api"]) >= 2


def test_outsider_gets_404_on_every_org_route(personas, client_for):
    client = client_for(personas.charlie)
    assert tenancy_leaks(client, org_routes(), personas.org_a.slug) == []


def test_outsider_gets_404_with_an_app_token_too(personas, app_token, client):
    token = app_token(personas.charlie)
    client.defaults["HTTP_X_SESSION_TOKEN"] = token
    assert tenancy_leaks(client, api_routes(), personas.org_a.slug) == []


def test_anonymous_users_never_see_org_pages(personas, client):
    for route in web_routes():
        response = client.get(route.url(personas.org_a.slug))
        assert response.status_code in (302, 404), route
    for route in api_routes():
        for method in route.methods:  # every declared method: a POST-only path answers GET with 405
            response = client.generic(method, route.url(personas.org_a.slug))
            assert response.status_code == 401, (route, method)


@pytest.mark.parametrize("role", roles.ROLES_BY_POWER)
def test_role_matrix_on_every_gated_route(role, personas, client_for):
    """Generated from roles.py: each role × each route's capability."""
    members = {role: personas.member(role)}
    assert matrix_violations(client_for, members, org_routes(), personas.org_a.slug) == []


# --- the sweep itself catches a forgotten gate ------------------------------------------------


def leaky_view(request, slug):
    return HttpResponse(f"secrets of {slug}")


@org_view("org.view")
def gated_view(request, slug):
    return HttpResponse("ok")


leaky_router = Router()


@leaky_router.get("/orgs/{slug}/leak")
def leaky_endpoint(request, slug: str):
    return {"slug": slug}


@leaky_router.get("/orgs/{slug}/fine")
@org_endpoint("org.view")
def gated_endpoint(request, slug: str):
    return {"slug": slug}


leaky_api = NinjaAPI(urls_namespace="leaky_api")
leaky_api.add_router("", leaky_router)

urlpatterns = [
    path("api/v1/", leaky_api.urls),
    path("<slug:slug>/", include([path("leak/", leaky_view), path("fine/", gated_view)])),
]


def test_sweep_reports_a_view_that_forgot_the_gate(personas, client_for, settings):
    settings.ROOT_URLCONF = __name__
    client = client_for(personas.charlie)
    leaks = tenancy_leaks(client, org_routes(urlconf=__name__, api=leaky_api), personas.org_a.slug)
    assert any("<slug:slug>/leak/" in leak for leak in leaks)
    assert any("/orgs/{slug}/leak" in leak for leak in leaks)
    assert not any("fine" in leak for leak in leaks)


def test_sweep_reports_a_marked_view_that_skips_the_gate(personas, client_for, settings):
    """Routes are requested, not just inspected: a mark without the gate is caught by behaviour."""
    settings.ROOT_URLCONF = __name__
    leaky_view.tenancy_capability = "org.view"
    try:
        routes = [r for r in web_routes(urlconf=__name__) if "leak" in r.pattern]
        leaks = tenancy_leaks(client_for(personas.charlie), routes, personas.org_a.slug)
    finally:
        del leaky_view.tenancy_capability
    assert leaks == [f"{routes[0]} GET → 200, expected 404", f"{routes[0]} POST → 200, expected 404"]


def test_matrix_reports_an_ungated_view_and_a_missing_403(personas, client_for, settings):
    settings.ROOT_URLCONF = __name__
    routes = org_routes(urlconf=__name__, api=leaky_api)
    violations = matrix_violations(client_for, personas.members, routes, personas.org_a.slug)
    assert any("leak" in v and "not behind the tenancy gate" in v for v in violations)
    assert not any("fine" in v for v in violations)
    # A view gated with a capability the viewer has, but declared as needing one they lack.
    gated_view.tenancy_capability = "members.manage"
    try:
        routes = [r for r in web_routes(urlconf=__name__) if "fine" in r.pattern]
        violations = matrix_violations(client_for, personas.members, routes, personas.org_a.slug)
    finally:
        gated_view.tenancy_capability = "org.view"
    assert "as viewer: 200, expected 403" in " ".join(violations)
