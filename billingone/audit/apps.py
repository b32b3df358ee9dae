from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "billingone.audit"
    label = "audit"
    verbose_name = "Audit trail"
