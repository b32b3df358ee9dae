"""Every organization-scoped route, found by introspection, for the tenancy and matrix tests.

Web routes are URL patterns with a `slug` parameter; API routes are django-ninja operations
whose path has `{slug}`. New routes are picked up automatically, so the sweeps grow with the
app and a view that forgets the tenancy gate is caught.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from billingone.orgs.tenancy import gated_capability

# Values for path parameters other than the slug: ids that exist nowhere.
MISSING_ID = 987654321
CONVERTER_VALUES = {"int": str(MISSING_ID), "uuid": str(uuid.UUID(int=MISSING_ID))}
PARAM_RE = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
API_PARAM_RE = re.compile(r"\{(?P<name>\w+)(?::\w+)?\}")
WEB_METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Route:
    kind: str  # "web" or "api"
    pattern: str  # as declared, e.g. "<slug:slug>/settings/profile/"
    methods: tuple[str, ...]
    capability: str | None  # None: the view is not behind the tenancy gate

    def url(self, slug: str) -> str:
        if self.kind == "api":
            return "/api/v1" + API_PARAM_RE.sub(
                lambda m: slug if m["name"] == "slug" else str(MISSING_ID), self.pattern
            )
        return "/" + PARAM_RE.sub(lambda m: slug if m["name"] == "slug" else _value_for(m["converter"]), self.pattern)

    def __str__(self) -> str:
        return f"{self.kind} {'/'.join(self.methods)} {self.pattern}"


def _value_for(converter: str | None) -> str:
    return CONVERTER_VALUES.get(converter or "str", "missing")


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = str(entry.pattern) if isinstance(entry.pattern, RoutePattern) else entry.pattern.regex.pattern
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + route)
        else:
            yield prefix + route, entry


def web_routes(urlconf=None) -> list[Route]:
    routes = []
    for pattern, entry in _walk(get_resolver(urlconf).url_patterns):
        if pattern.startswith("api/v1/") or "slug>" not in pattern:
            continue
        routes.append(Route("web", pattern, WEB_METHODS, gated_capability(entry.callback)))
    return routes


def api_routes(api=None) -> list[Route]:
    if api is None:
        from billingone.api.api import api
    routes = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = (prefix.rstrip("/") + path) if prefix else path
            if "{slug}" not in full:
                continue
            for operation in path_view.operations:
                capability = gated_capability(operation.view_func)
                routes.append(Route("api", full, tuple(operation.methods), capability))
    return routes


def org_routes(urlconf=None, api=None) -> list[Route]:
    return web_routes(urlconf) + api_routes(api)


def request(client, route: Route, method: str, slug: str):
    url = route.url(slug)
    if route.kind == "api":
        return client.generic(method, url, data="{}", content_type="application/json")
    return client.generic(method, url)


def tenancy_leaks(client, routes: list[Route], slug: str) -> list[str]:
    """Routes that answer an outsider (signed in, not a member of `slug`) with anything but 404."""
    leaks = []
    for route in routes:
        if route.capability is None:
            leaks.append(f"{route}: not behind the tenancy gate (org_view / org_endpoint)")
            continue
        for method in route.methods:
            status = request(client, route, method, slug).status_code
            if status != 404:
                leaks.append(f"{route} {method} → {status}, expected 404")
    return leaks


def matrix_violations(sign_in, members: dict, routes: list[Route], slug: str) -> list[str]:
    """Check every route against the capability matrix for every role of the organization.

    `members` maps each Role to a member of `slug`; `sign_in(user)` returns a client signed in as
    that user. A role lacking the route's capability must get 403 on every method; a role that
    has it must not get 403 on GET.
    """
    from billingone.orgs import roles

    violations = []
    for route in routes:
        if route.capability is None:
            violations.append(f"{route}: not behind the tenancy gate, so no capability is enforced")
            continue
        for role, user in members.items():
            client = sign_in(user)
            allowed = roles.has_capability(role, route.capability)
            for method in route.methods if not allowed else ("GET",) if "GET" in route.methods else ():
                status = request(client, route, method, slug).status_code
                if not allowed and status != 403:
                    violations.append(f"{route} {method} as {role}: {status}, expected 403")
                if allowed and status == 403:
                    violations.append(f"{route} {method} as {role}: 403, but {role} has {route.capability}")
    return violations
