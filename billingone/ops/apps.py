from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "billingone.ops"
    label = "ops"
    verbose_name = "Operations"
