from django.urls import path

from billingone.billing import payment_link_views, views

# Mounted under /<slug>/.
org_urlpatterns = [
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("invoices/", views.invoices, name="invoices"),
    path("clients/", views.clients, name="clients"),
    path("clients/search/", views.client_search, name="client_search"),
    path("clients/confirm-all/", views.confirm_all, name="clients_confirm_all"),
    path("clients/auto-confirm/", views.auto_confirm_policy, name="clients_auto_confirm"),
    path("clients/links/<int:link_id>/<str:action>/", views.link_decide, name="client_link_decide"),
    path("clients/customers/<int:customer_id>/link/", views.link_customer, name="client_link_customer"),
    path("payment-links/", payment_link_views.payment_links, name="payment_links"),
]
