from django.urls import path

from billingone.integrations.providers.xero import views as xero_web

# Mounted under /<slug>/settings/, before the generic integrations/<provider>/ routes.
settings_urlpatterns = [
    path("integrations/xero/", xero_web.xero_settings, name="xero_settings"),
    path("integrations/xero/connect/", xero_web.xero_connect, name="xero_connect"),
    path("integrations/xero/choose/", xero_web.xero_choose, name="xero_choose"),
    path("integrations/xero/app/", xero_web.xero_app, name="xero_app"),
    path("integrations/xero/disconnect/", xero_web.xero_disconnect, name="xero_disconnect"),
]

# The one redirect URI registered at Xero (settings.XERO_REDIRECT_URI), not under an organization
# ("oauth" is a reserved slug, so no organization can shadow it).
urlpatterns = [
    path("oauth/xero/callback/", xero_web.xero_callback, name="xero_callback"),
]
