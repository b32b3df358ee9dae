from django.urls import path

from billingone.billing import missed_billing_views, reconciliation_views

# Mounted under /<slug>/.
org_urlpatterns = [
    path("reconciliation/", reconciliation_views.reconciliation_page, name="reconciliation"),
    path("reconciliation/run/", reconciliation_views.reconcile_now, name="reconciliation_run"),
    path("reconciliation.csv", reconciliation_views.reconciliation_export, name="reconciliation_export"),
    path("products/", reconciliation_views.products_page, name="products"),
    path("products/suggest/", reconciliation_views.products_suggest, name="products_suggest"),
    path("products/<int:product_id>/", reconciliation_views.product_update, name="product_update"),
    path("missed-billing/", missed_billing_views.queue_page, name="missed_billing"),
    path("missed-billing/bulk/", missed_billing_views.bulk_action, name="missed_billing_bulk"),
    path("missed-billing.csv", missed_billing_views.queue_export, name="missed_billing_export"),
    path("missed-billing/<int:item_id>/", missed_billing_views.item_action, name="missed_billing_action"),
]
