"""A provider instance for one organization's connection, outside a sync run (pushing a draft)."""

from __future__ import annotations

from billingone.integrations import registry
from billingone.integrations.base import ConfigurationInvalid, Provider, ProviderContext
from billingone.integrations.models import Connection
from billingone.integrations.runner import _credentials, _save_credentials


def connected_provider(organization, key: str) -> Provider:
    """The provider `key` working with the organization's stored connection; ConfigurationInvalid
    (shown to the person) when it is not connected."""
    provider_cls = registry.PROVIDERS.get(key)
    connection = Connection.objects.filter(organization=organization, provider=key).first()
    if provider_cls is None or connection is None or not connection.is_connected:
        name = provider_cls.name if provider_cls else key
        raise ConfigurationInvalid(f"{name} is not connected; connect it on the Integrations page first.")
    context = ProviderContext(
        organization=organization,
        credentials=_credentials(connection),
        config=connection.config,
        connection=connection,
        save_credentials=lambda values: _save_credentials(connection.pk, values),
    )
    return provider_cls(context)
