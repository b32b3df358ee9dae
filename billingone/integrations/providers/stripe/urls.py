from django.urls import path

from billingone.integrations.providers.stripe import views

# Not under an organization slug: Stripe calls it, signed with the organization's endpoint secret.
public_urlpatterns = [
    path("webhooks/stripe/<uuid:organization_id>/", views.webhook, name="stripe_webhook"),
]
