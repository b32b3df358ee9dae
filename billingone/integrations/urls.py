from django.urls import path

from billingone.integrations import views
from billingone.integrations.oauth import urls as oauth_urls

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

# Outside any organization: what providers call back ("oauth" is a reserved slug).
urlpatterns = [
    *oauth_urls.urlpatterns,
]
