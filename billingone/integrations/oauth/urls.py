from django.urls import path

from billingone.integrations.oauth import views

# Mounted under /<slug>/settings/ (the settings page and disconnect are the generic
# integrations/<provider>/ and integrations/<provider>/disconnect/ routes).
settings_urlpatterns = [
    path("integrations/<slug:provider>/connect/", views.connect, name="oauth_connect"),
    path("integrations/<slug:provider>/choose/", views.choose, name="oauth_choose"),
    path("integrations/<slug:provider>/app/", views.own_app, name="oauth_app"),
]

# The redirect URI registered at each provider, outside any organization ("oauth" is a
# reserved slug, so no organization can shadow it).
urlpatterns = [
    path("oauth/<slug:provider>/callback/", views.callback, name="oauth_callback"),
]
