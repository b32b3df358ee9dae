import importlib

from django.urls import path

from billingone.integrations import registry, views
from billingone.integrations.oauth import urls as oauth_urls


def provider_public_urls() -> list:
    """What a provider package serves outside any organization (its `urls.public_urlpatterns`,
    e.g. a webhook endpoint), so adding a provider still touches only its package."""
    patterns = []
    for provider in registry.PROVIDERS.values():
        package = provider.__module__.rpartition(".")[0]
        try:
            module = importlib.import_module(f"{package}.urls")
        except ModuleNotFoundError:
            continue
        patterns += getattr(module, "public_urlpatterns", [])
    return patterns


# Mounted under /<slug>/settings/.
settings_urlpatterns = [
    path("integrations/", views.integrations_page, name="settings_integrations"),
    path("integrations/sync-all/", views.sync_all, name="integrations_sync_all"),
    path("integrations/runs/<int:run_id>/", views.run_progress, name="sync_run_progress"),
    path("integrations/<slug:provider>/", views.configure, name="integration_configure"),
    path("integrations/<slug:provider>/sync/", views.sync, name="integration_sync"),
    path("integrations/<slug:provider>/disconnect/", views.disconnect, name="integration_disconnect"),
    *oauth_urls.settings_urlpatterns,
]

# Outside any organization: what providers call ("oauth" and "webhooks" are reserved slugs).
urlpatterns = [
    *oauth_urls.urlpatterns,
    path("webhooks/<slug:provider>/", views.webhook, name="provider_webhook"),
    *provider_public_urls(),
]
