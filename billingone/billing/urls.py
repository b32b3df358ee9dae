from django.urls import path

from billingone.billing import views

# Mounted under /<slug>/.
org_urlpatterns = [
    path("subscriptions/", views.subscriptions, name="subscriptions"),
]
