from django.urls import path

from billingone.billing import domain_views, draft_views, payment_link_views, views

# Mounted under /<slug>/.
org_urlpatterns = [
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("domains/", domain_views.domains, name="domains"),
    path("invoices/", views.invoices, name="invoices"),
    path("clients/", views.clients, name="clients"),
    path("clients/search/", views.client_search, name="client_search"),
    path("clients/confirm-all/", views.confirm_all, name="clients_confirm_all"),
    path("clients/auto-confirm/", views.auto_confirm_policy, name="clients_auto_confirm"),
    path("clients/links/<int:link_id>/<str:action>/", views.link_decide, name="client_link_decide"),
    path("clients/customers/<int:customer_id>/link/", views.link_customer, name="client_link_customer"),
    path("payment-links/", payment_link_views.payment_links, name="payment_links"),
    path("invoice-drafts/", draft_views.drafts_page, name="invoice_drafts"),
    path("invoice-drafts/<int:draft_id>/", draft_views.draft_page, name="invoice_draft"),
    path("invoice-drafts/<int:draft_id>/save/", draft_views.draft_update, name="invoice_draft_update"),
    path("invoice-drafts/<int:draft_id>/<str:action>/", draft_views.draft_action, name="invoice_draft_action"),
]
