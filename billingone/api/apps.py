from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "billingone.api"
    label = "api"
    verbose_name = "JSON API"
