from django.urls import path

from billingone.billing import dashboard_views

# Mounted under /<slug>/: the organization's home is its Dashboard.
org_urlpatterns = [
    path("", dashboard_views.dashboard_page, name="org_home"),
]
