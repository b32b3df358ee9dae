"""Stripe's webhook endpoint: one URL per organization (each MSP's Stripe account signs with
its own endpoint secret), authenticated by the signature alone, never by a session."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billingone.integrations.models import Connection
from billingone.integrations.providers.stripe import flows

MAX_BODY_BYTES = 512 * 1024  # Stripe events are a few kB


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, organization_id: uuid.UUID) -> HttpResponse:
    connection = (
        Connection.objects.select_related("organization")
        .filter(provider="stripe", organization__public_id=organization_id)
        .first()
    )
    if connection is None:
        return HttpResponse(status=404)
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    try:
        applied = flows.receive(connection, request.body, request.headers)
    except flows.Refused as refused:
        return HttpResponse(status=refused.status)
    return JsonResponse({"received": applied.event_id, "outcome": applied.outcome})
