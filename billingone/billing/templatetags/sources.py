from django import template

register = template.Library()


@register.filter
def connect_url(state, slug: str) -> str:
    """Where a person connects (or reconnects) this integration."""
    return state.connect_url(slug)


@register.filter
def source_name(key: str) -> str:
    """A provider key as people read it ("quickbooks" → "QuickBooks Online")."""
    from billingone.integrations.registry import PROVIDERS

    provider = PROVIDERS.get(key)
    return provider.name if provider else key.title()
