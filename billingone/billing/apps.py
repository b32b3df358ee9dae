from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billingone.billing"
    label = "billing"
    verbose_name = "Billing data"
