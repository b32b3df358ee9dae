"""/api/v1/orgs/{slug}/integrations, /sync-all and /sync-runs (API.md "Integrations").

Syncing is open to the app; connecting, configuring and disconnecting are web-only."""

from __future__ import annotations

import json

from django.http import Http404
from django.urls import reverse
from ninja import Router
from ninja.responses import Status

from billingone.api.errors import ApiError, web_only
from billingone.api.pagination import paginate
from billingone.integrations import flows, registry
from billingone.integrations.models import SyncRun
from billingone.integrations.state import IntegrationState, integration_states, run_payload, state_for
from billingone.orgs.tenancy import org_endpoint

router = Router(tags=["integrations"])


def integration_payload(request, state: IntegrationState) -> dict:
    slug = request.organization.slug
    last = state.last_finished
    return {
        "provider": state.provider.key,
        "name": state.provider.name,
        "auth": str(state.provider.auth),
        "syncs": state.provider.syncs,
        # API.md's four statuses; "needs attention" (a person must act) is an error with a flag.
        "status": "error" if state.status == "needs_attention" else state.status,
        "needs_attention": state.status == "needs_attention",
        "status_reason": state.reason or None,
        # OAuth: permissions asked for now that the connection was not granted (reconnect for them).
        "missing_scopes": state.missing_scopes,
        "modes": [mode.key for mode in state.provider.sync_modes],
        "last_sync": {
            "at": last.finished_at or last.queued_at,
            "outcome": last.status,
            "counts": last.counts(),
            "error": last.error_message or None,
        }
        if last
        else None,
        "running": run_payload(state.active_run) if state.active_run else None,
        "actions": state.actions(request.membership.role),
        "connect_url": request.build_absolute_uri(state.connect_url(slug)),
    }


@router.get("/orgs/{slug}/integrations", summary="Every integration with its status and last sync")
@org_endpoint("org.view")
def list_integrations(request, slug: str):
    states = integration_states(request.organization)
    items = [integration_payload(request, state) for state in states]
    return {"items": items, "count": len(items), "next": None}


@router.get("/orgs/{slug}/integrations/{provider}", summary="One integration")
@org_endpoint("org.view")
def get_integration(request, slug: str, provider: str):
    return integration_payload(request, state_for(request.organization, provider))


def _mode_from_body(request) -> str | None:
    """The optional JSON body {"mode": ...}, read after the tenancy gate (an outsider's bad body
    must still get 404). Body parsing errors are 422s, never 500s."""
    if not request.body.strip():
        return None
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "invalid", 'The body must be JSON like {"mode": "full"}.') from None
    if not isinstance(body, dict) or not isinstance(body.get("mode", ""), str | type(None)):
        raise ApiError(422, "invalid", "mode must be a string.", fields={"mode": ["Must be a string."]})
    return body.get("mode") or None


def _sync_error(request, slug: str, error: Exception) -> ApiError:
    if isinstance(error, flows.NotConnected):
        url = reverse("integration_configure", kwargs={"slug": slug, "provider": error.provider.key})
        return ApiError(409, "not_connected", str(error), web_url=request.build_absolute_uri(url))
    if isinstance(error, flows.SyncInProgress):
        return ApiError(409, "sync_in_progress", str(error), extra={"run": _jsonable(run_payload(error.run))})
    return ApiError(422, "invalid", str(error), fields={"mode": [str(error)]})


def _jsonable(payload: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in payload.items()}


@router.post("/orgs/{slug}/integrations/{provider}/sync", response={202: dict}, summary="Start a sync")
@org_endpoint("integrations.sync")
def sync_integration(request, slug: str, provider: str):
    registry.get_provider(provider)
    mode = _mode_from_body(request)
    try:
        run = flows.request_sync(
            request.organization,
            provider,
            mode=mode,
            trigger=SyncRun.Trigger.PERSON,
            membership=request.membership,
            request=request,
        )
    except (flows.NotConnected, flows.SyncInProgress, flows.InvalidMode) as error:
        raise _sync_error(request, slug, error) from None
    return Status(202, {"run": run_payload(run)})


@router.post("/orgs/{slug}/sync-all", response={202: dict}, summary="Sync every connected integration")
@org_endpoint("integrations.sync")
def sync_all(request, slug: str):
    queued, running = flows.sync_all(request.membership, request)
    return Status(
        202, {"runs": [run_payload(run) for run in queued], "already_running": [run_payload(r) for r in running]}
    )


@router.get("/orgs/{slug}/sync-runs", summary="Sync runs, newest first")
@org_endpoint("org.view")
def list_runs(request, slug: str, provider: str | None = None, cursor: str | None = None, limit: int | None = None):
    runs = SyncRun.objects.filter(organization=request.organization).select_related("actor")
    if provider:
        registry.get_provider(provider)
        runs = runs.filter(provider=provider)
    return paginate(runs.order_by("-queued_at", "-pk"), cursor=cursor, limit=limit, serialize=run_payload)


@router.get("/orgs/{slug}/sync-runs/{run_id}", summary="One sync run with live progress")
@org_endpoint("org.view")
def get_run(request, slug: str, run_id: str):
    if not run_id.isdigit():
        raise Http404
    run = SyncRun.objects.filter(organization=request.organization, pk=int(run_id)).select_related("actor").first()
    if run is None:
        raise Http404
    return run_payload(run)


# Connecting and changing credentials happen on the web (API.md): a clear refusal with the link.
def refuse_on_the_api(request, slug: str, provider: str, what: str):
    registry.get_provider(provider)  # an unknown provider is a 404, not a web link
    path = reverse("integration_configure", kwargs={"slug": slug, "provider": provider})
    raise web_only(request, path, what)


@router.post("/orgs/{slug}/integrations/{provider}/connect", summary="Connecting is web-only")
@org_endpoint("org.view")
def connect_integration(request, slug: str, provider: str):
    refuse_on_the_api(request, slug, provider, "Connecting an integration")


@router.put("/orgs/{slug}/integrations/{provider}", summary="Configuring is web-only")
@org_endpoint("org.view")
def configure_integration(request, slug: str, provider: str):
    refuse_on_the_api(request, slug, provider, "Configuring an integration")


@router.delete("/orgs/{slug}/integrations/{provider}", summary="Disconnecting is web-only")
@org_endpoint("org.view")
def disconnect_integration(request, slug: str, provider: str):
    refuse_on_the_api(request, slug, provider, "Disconnecting an integration")
