"""The /api/v1 application: routers per area, one auth, one error shape."""

from __future__ import annotations

from ninja import NinjaAPI

from billingone.api import errors
from billingone.api.audit import router as audit_router
from billingone.api.auth import api_auth
from billingone.api.billing import router as billing_router
from billingone.api.domains import router as domains_router
from billingone.api.integrations import router as integrations_router
from billingone.api.invoice_drafts import router as invoice_drafts_router
from billingone.api.me import router as me_router
from billingone.api.notifications import router as notifications_router
from billingone.api.org_dashboard import router as dashboard_router
from billingone.api.orgs import router as orgs_router
from billingone.api.payment_links import router as payment_links_router
from billingone.api.reconciliation import router as reconciliation_router
from billingone.api.team import router as team_router

api = NinjaAPI(
    title="BillingOne API",
    version="1",
    description="The JSON API used by the BillingOne mobile app. Authentication: allauth headless "
    "(`/_allauth/app/v1/`), then send `X-Session-Token` on every call.",
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("", me_router)
api.add_router("", orgs_router)
api.add_router("", team_router)
api.add_router("", notifications_router)
api.add_router("", dashboard_router)
api.add_router("", audit_router)
api.add_router("", integrations_router)
api.add_router("", billing_router)
api.add_router("", payment_links_router)
api.add_router("", domains_router)
api.add_router("", reconciliation_router)
api.add_router("", invoice_drafts_router)
