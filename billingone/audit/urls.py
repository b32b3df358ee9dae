from django.urls import path

from billingone.audit import views

# Mounted under /<slug>/settings/.
settings_urlpatterns = [
    path("audit/", views.settings_audit, name="settings_audit"),
    path("audit/export.csv", views.export, name="settings_audit_export"),
]
