from django.urls import path

from billingone.billing import payment_link_views, views

# Mounted under /<slug>/.
org_urlpatterns = [
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("payment-links/", payment_link_views.payment_links, name="payment_links"),
]
