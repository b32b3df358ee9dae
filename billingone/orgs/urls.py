from django.urls import path

from billingone.orgs import views

urlpatterns = [
    path("", views.home, name="home"),
    path("orgs/new/", views.new_organization, name="org_new"),
]

# Mounted under /<slug>/.
org_urlpatterns = [
    path("", views.org_home, name="org_home"),
    path("settings/", views.settings_index, name="settings_index"),
]
