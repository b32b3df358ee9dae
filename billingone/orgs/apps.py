from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "billingone.orgs"
    label = "orgs"
    verbose_name = "Organizations"
