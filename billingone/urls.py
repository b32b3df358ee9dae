"""URL map. Organization pages live under /<org-slug>/ (the catch-all, last)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from billingone.accounts.urls import settings_urlpatterns as account_settings_urls
from billingone.accounts.urls import urlpatterns as account_urls
from billingone.api.api import api
from billingone.audit.urls import settings_urlpatterns as audit_settings_urls
from billingone.billing.dashboard_urls import org_urlpatterns as dashboard_urls
from billingone.billing.reconciliation_urls import org_urlpatterns as reconciliation_urls
from billingone.billing.urls import org_urlpatterns as billing_urls
from billingone.integrations.urls import settings_urlpatterns as integration_settings_urls
from billingone.integrations.urls import urlpatterns as integration_root_urls
from billingone.notifications.urls import org_urlpatterns as notification_org_urls
from billingone.notifications.urls import settings_urlpatterns as notification_settings_urls
from billingone.ops import views as ops_views
from billingone.ops.health import healthz
from billingone.orgs.urls import org_urlpatterns as org_urls
from billingone.orgs.urls import settings_urlpatterns as org_settings_urls
from billingone.orgs.urls import urlpatterns as org_root_urls

# Settings sections, mounted under /<slug>/settings/: one line per app.
settings_urls = [
    *account_settings_urls,
    *org_settings_urls,
    *notification_settings_urls,
    *audit_settings_urls,
    *integration_settings_urls,
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Every sign-in goes through allauth (rate limits, MFA), the admin's included.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", admin.site.urls),
    *account_urls,  # before allauth's: enrolment, AASA, allauth index pages → Settings
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/v1/", api.urls),
    path("media/<path:path>", ops_views.media, name="media"),
    *integration_root_urls,  # /oauth/<provider>/callback/, /webhooks/<provider>/
    *org_root_urls,
    path(
        "<slug:slug>/",
        include(
            [
                *dashboard_urls,
                *org_urls,
                *notification_org_urls,
                *billing_urls,
                *reconciliation_urls,
                path("settings/", include(settings_urls)),
            ]
        ),
    ),
]

handler400 = "billingone.ops.views.bad_request"
handler403 = "billingone.ops.views.forbidden"
handler404 = "billingone.ops.views.not_found"
handler500 = "billingone.ops.views.server_error"
# allauth answers refused sign-in/sign-up/reset attempts through this (logged and audited).
handler429 = "billingone.accounts.ratelimit_events.too_many_requests"
