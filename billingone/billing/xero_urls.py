from django.urls import path

from billingone.billing import xero_views

# Mounted under /<slug>/.
org_urlpatterns = [
    path("invoices/", xero_views.invoices, name="invoices"),
    path("clients/", xero_views.client_mapping, name="client_mapping"),
    path("clients/confirm-all/", xero_views.mapping_confirm_all, name="client_mapping_confirm_all"),
    path("clients/<int:mapping_id>/", xero_views.mapping_update, name="client_mapping_update"),
]
