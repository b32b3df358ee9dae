"""The registry of notification events: who receives each one, on which channels by default,
and how it reads (title, body and deep link are Django template strings over the context).

Recipients are members whose role has the event's capability; personal events (capability
None) go to the one user named in the call. Defaults are per role and channel; a user's saved
preference wins, except that `always_email` events are emailed regardless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from billingone.orgs.roles import ROLES_BY_POWER, Role


class Channel(StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"
    PUSH = "push"


CHANNELS: tuple[Channel, ...] = (Channel.EMAIL, Channel.IN_APP, Channel.PUSH)
ALL_ROLES = frozenset(ROLES_BY_POWER)
O, A, F, E = Role.OWNER, Role.ADMIN, Role.FINANCE, Role.ENGINEER  # noqa: E741


@dataclass(frozen=True)
class NotificationEvent:
    key: str
    label: str
    description: str
    capability: str | None  # None: a personal notice for one user
    defaults: dict[Channel, frozenset[Role]]
    title: str
    body: str
    link: str  # a path template; "{{ slug }}" is the organization's slug
    always_email: bool = False
    # allauth already emails this change; we add the in-app item and push only.
    emailed_by_allauth: bool = False
    # honours the organization's sync-failure switch (OrganizationNotificationPolicy)
    org_switch: bool = False
    template: str = field(default="")

    @property
    def template_name(self) -> str:
        return self.template or self.key.replace(".", "_")

    def default_for(self, role: Role | str | None, channel: Channel) -> bool:
        if channel == Channel.EMAIL and self.always_email:
            return True
        roles = self.defaults.get(channel, frozenset())
        return (Role(role) in roles) if role else bool(roles)

    def locked(self, channel: Channel) -> bool:
        """Channels a user cannot switch off."""
        return channel == Channel.EMAIL and self.always_email


def _event(key: str, **kwargs) -> NotificationEvent:
    return NotificationEvent(key=key, **kwargs)


EVENTS: tuple[NotificationEvent, ...] = (
    _event(
        "integration.sync_failed",
        label="Integration sync failures",
        description="A sync of one of your integrations failed (when enabled org-wide).",
        capability="integrations.sync",
        defaults={
            Channel.EMAIL: frozenset({O, A, F}),
            Channel.IN_APP: frozenset({O, A, F, E}),
            Channel.PUSH: frozenset({O, A}),
        },
        title="{{ provider_name }} sync failed",
        body="{{ provider_name }} sync failed for {{ organization_name }}: {{ message }}",
        link="/{{ slug }}/settings/integrations/",
        org_switch=True,
    ),
    _event(
        "billing.missed_found",
        label="Missed billing opportunities",
        description="Reconciliation found licences that are not billed at the right quantity.",
        capability="billing.reconcile",
        defaults={
            Channel.EMAIL: frozenset({F}),
            Channel.IN_APP: frozenset({O, A, F}),
            Channel.PUSH: frozenset({F}),
        },
        title="{{ count }} missed billing opportunit{{ count|pluralize:'y,ies' }}",
        body="Reconciliation found {{ count }} new item{{ count|pluralize }} to review"
        "{% if impact %} worth {{ impact }} a month{% endif %}.",
        link="/{{ slug }}/missed-billing/",
    ),
    _event(
        "clients.unlinked_found",
        label="New customers to link",
        description="A sync brought customers that are not linked to a client yet (their billing is not compared).",
        capability="billing.reconcile",
        defaults={Channel.EMAIL: frozenset(), Channel.IN_APP: frozenset({O, A, F}), Channel.PUSH: frozenset()},
        title="{{ count }} new {{ source }} customer{{ count|pluralize }} to link",
        body="{{ count }} customer{{ count|pluralize }} new in {{ source }} "
        "{{ count|pluralize:'is,are' }} not linked to a client yet: until linked, reconciliation cannot compare them.",
        link="/{{ slug }}/clients/",
    ),
    _event(
        "billing.drafts_ready",
        label="Invoice drafts ready for review",
        description="Invoice drafts were generated and wait for review and approval.",
        capability="billing.reconcile",
        defaults={Channel.EMAIL: frozenset({F}), Channel.IN_APP: frozenset({O, A, F}), Channel.PUSH: frozenset()},
        title="{{ count }} invoice draft{{ count|pluralize }} ready for review",
        body="{{ count }} invoice draft{{ count|pluralize }} for {{ organization_name }} "
        "{{ count|pluralize:'is,are' }} ready for review.",
        link="/{{ slug }}/invoice-drafts/",
    ),
    _event(
        "security.new_device",
        label="New sign-in from a new device",
        description="Your account signed in from a device we have not seen before. Always emailed.",
        capability=None,
        defaults={Channel.IN_APP: ALL_ROLES, Channel.PUSH: frozenset()},
        title="New sign-in from {{ device }}",
        body="Your BillingOne account signed in from {{ device }}{% if ip %} ({{ ip }}){% endif %}. "
        "If this wasn't you, sign that session out and change your password.",
        link="/accounts/sessions/",
        always_email=True,
    ),
    _event(
        "security.factor_changed",
        label="Sign-in factor or passkey changed",
        description="A second factor or passkey was added to or removed from your account. Always emailed.",
        capability=None,
        defaults={Channel.IN_APP: ALL_ROLES, Channel.PUSH: frozenset()},
        title="{{ factor }} {{ change }}",
        body="{{ what }} on your BillingOne account. If this wasn't you, review your security settings now.",
        link="/accounts/2fa/",
        always_email=True,
        emailed_by_allauth=True,
    ),
)
EVENTS_BY_KEY: dict[str, NotificationEvent] = {event.key: event for event in EVENTS}


def get_event(key: str) -> NotificationEvent:
    try:
        return EVENTS_BY_KEY[key]
    except KeyError:
        raise ValueError(f"Unknown notification event {key!r}; add it to notifications/events.py") from None
