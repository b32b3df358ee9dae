"""The provider contract (STYLE.md habits 4 and 5): what a provider declares and does.

A provider is a class with a static *descriptor* (key, name, auth kind, credential schema,
sync modes, limits) and two operations run against one organization's connection:

    provider = ProviderClass(context)
    provider.test_connection()          # raises ProviderError (with `field`) when it fails
    counts = provider.sync("full", progress)

Every failure is a ProviderError subclass carrying `permanent`: permanent errors (bad
secret, missing permission, revoked grant) mark the connection "needs attention"; transient
ones (timeouts, 5xx, 429, garbled answers) are retried with backoff. Messages are shown to
people, so they never contain a secret.

Adding a provider = its module in providers/ + its simulator in simulators/ + one line in
registry.py. See docs/integrations.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from billingone.integrations.models import Connection
    from billingone.integrations.oauth.hooks import OAuthHooks
    from billingone.integrations.records import Yielded
    from billingone.integrations.webhooks import WebhookHooks
    from billingone.orgs.models import Organization


class AuthKind(StrEnum):
    CREDENTIALS = "credentials"  # the person types secrets into a form (client id + secret, API key)
    OAUTH2 = "oauth2"  # the person is redirected to the provider and grants access


class Side(StrEnum):
    """Which side of reconciliation a provider's data is on."""

    VENDOR = "vendor"  # what the MSP buys: subscriptions, domains, hosting (Pax8, Synergy)
    BILLING = "billing"  # what the MSP bills: customers who are clients, invoices (Xero, QuickBooks, SuperOps)
    PAYMENTS = "payments"  # how clients pay (Stripe)


@dataclass(frozen=True)
class CredentialField:
    """One input of the connect form. Secret fields are write-only: never rendered back."""

    name: str
    label: str
    secret: bool = False
    help_text: str = ""
    max_length: int = 500
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (value, label): a select instead of a text input


@dataclass(frozen=True)
class SyncMode:
    key: str  # API.md modes: full | delta | reconcile | invoices | domains_hosting
    label: str  # the button text, e.g. "Sync now"
    description: str = ""


@dataclass(frozen=True)
class RateLimit:
    """A provider's documented budget per account: `calls` per `period` seconds and at most
    `concurrency` requests in flight. The HTTP layer keeps under `calls * headroom`."""

    calls: int
    period: float = 60.0
    concurrency: int = 4
    headroom: float = 0.95


# ---- errors: one taxonomy -----------------------------------------------------------------


class ProviderError(Exception):
    """Base of every provider failure. `field` names the credential field at fault (per-field
    diagnostics on the connect form), or a tuple of them when the provider cannot tell which of
    several is wrong (a rejected ID + secret pair); `retry_after` is seconds the provider asked us
    to wait."""

    code: ClassVar[str] = "provider_error"
    permanent: ClassVar[bool] = False

    def __init__(self, message: str, *, field: str | tuple[str, ...] | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.retry_after = retry_after

    @property
    def fields(self) -> tuple[str, ...]:
        if not self.field:
            return ()
        return (self.field,) if isinstance(self.field, str) else tuple(self.field)


class CredentialsRejected(ProviderError):
    code = "credentials_rejected"
    permanent = True


class PermissionMissing(ProviderError):
    code = "permission_missing"
    permanent = True


class NeedsReauthorization(ProviderError):
    """OAuth grant revoked or expired (invalid_grant): a person must connect again."""

    code = "needs_reauth"
    permanent = True


class ConfigurationInvalid(ProviderError):
    """Our side is wrong: host not allowed, missing setting, no credentials stored."""

    code = "configuration_invalid"
    permanent = True


class Unreachable(ProviderError):
    code = "unreachable"


class ProviderTimeout(Unreachable):
    code = "timeout"


class RateLimited(ProviderError):
    code = "rate_limited"


class ProviderServerError(ProviderError):
    code = "provider_server_error"


class UnexpectedAnswer(ProviderError):
    """The provider answered, but not in the documented shape (malformed JSON, missing keys)."""

    code = "unexpected_answer"


class SyncInterrupted(ProviderError):
    """The run lost its lease (another worker took over, or it was cancelled)."""

    code = "interrupted"


# ---- what a sync reports --------------------------------------------------------------------


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def __add__(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.removed + other.removed,
        )

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed}


class Progress(Protocol):
    """What a provider reports while syncing. The engine persists it (throttled) and renews
    the run's lease; `check()` raises SyncInterrupted when the run should stop."""

    def set_total(self, total: int) -> None: ...

    def advance(self, done: int = 1, counts: SyncCounts | None = None) -> None: ...

    def check(self) -> None: ...


class NullProgress:
    """Progress that records in memory (tests, benchmarks, test_connection)."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.counts = SyncCounts()

    def set_total(self, total: int) -> None:
        self.total = total

    def advance(self, done: int = 1, counts: SyncCounts | None = None) -> None:
        self.done += done
        if counts is not None:
            self.counts = self.counts + counts

    def check(self) -> None:
        return None


# ---- pushing invoice drafts -----------------------------------------------------------------


@dataclass(frozen=True)
class PushLine:
    """One line of an invoice draft as the accounting provider receives it (billing builds it)."""

    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    item_code: str = ""
    item_external_id: str = ""  # the provider's own id of the item, when it syncs items (QuickBooks)
    tax_code: str = ""
    account_code: str = ""
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True)
class PushDocument:
    """An invoice draft (or credit note draft) to create at the provider, neutral and database-free.
    `idempotency_key` is the same on every attempt of the same content, so a retry creates one invoice."""

    kind: str  # "invoice" | "credit_note"
    customer_external_id: str
    customer_name: str
    currency: str
    issue_date: date | None
    due_date: date | None
    reference: str
    idempotency_key: str
    lines: tuple[PushLine, ...]


@dataclass
class PushResult:
    """What a push came to: the created document (id, number, link, the provider's status word), or
    the provider's validation errors, for the whole document and per line (by PushLine.position)."""

    external_id: str = ""
    number: str = ""
    url: str = ""
    source_status: str = ""
    error: str = ""
    line_errors: dict[int, str] = field(default_factory=dict)

    @property
    def pushed(self) -> bool:
        return bool(self.external_id) and not self.error and not self.line_errors


# ---- the provider ---------------------------------------------------------------------------


@dataclass
class ProviderContext:
    """What a provider instance works with. `save_credentials` persists changed secrets (a
    rotated OAuth refresh token) encrypted on the connection; `run_id` is set during a sync."""

    organization: Organization
    credentials: dict[str, str]
    config: dict[str, Any] = field(default_factory=dict)
    connection: Connection | None = None
    run_id: int | None = None
    save_credentials: Callable[[dict[str, str]], None] = lambda new: None


class Provider(ABC):
    """Subclass per provider; set the descriptor attributes, implement the two operations."""

    key: ClassVar[str]
    name: ClassVar[str]
    auth: ClassVar[AuthKind] = AuthKind.CREDENTIALS
    side: ClassVar[Side] = Side.VENDOR
    description: ClassVar[str] = ""  # one line under the name on the Integrations page
    syncs: ClassVar[str] = ""  # what it brings in, e.g. "companies, products, subscriptions"
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()
    sync_modes: ClassVar[tuple[SyncMode, ...]] = (SyncMode("full", "Sync now"),)
    rate_limit: ClassVar[RateLimit] = RateLimit(calls=60)
    # Settings holding the provider's URLs; their hosts are the only ones the client may call.
    url_settings: ClassVar[tuple[str, ...]] = ()
    # Setting naming the minutes between scheduled syncs (falls back to default_sync_interval).
    sync_interval_setting: ClassVar[str] = ""
    default_sync_interval: ClassVar[timedelta] = timedelta(hours=1)
    # Where the data shows up, for "Synced data" links (URL name taking `slug`), if any.
    data_url_name: ClassVar[str] = ""
    # Where the provider posts events for one organization (URL name taking its public id), if any.
    webhook_url_name: ClassVar[str] = ""
    # OAuth2 providers: the hooks of the shared connect flow (integrations/oauth/).
    oauth: ClassVar[OAuthHooks | None] = None
    # Providers that push events: the hooks of the shared receiver (integrations/webhooks.py).
    webhooks: ClassVar[WebhookHooks | None] = None
    # Accounting providers that take invoice drafts: what the draft becomes there ("a DRAFT invoice"),
    # a note for the Drafts page when it differs from a draft, and the tax code lines get by default.
    pushes_drafts: ClassVar[bool] = False
    draft_becomes: ClassVar[str] = ""
    draft_note: ClassVar[str] = ""
    default_tax_code: ClassVar[str] = ""
    # Templates receive provider *classes*; Django must not try to call them.
    do_not_call_in_templates: ClassVar[bool] = True

    def __init__(self, context: ProviderContext):
        self.context = context

    @property
    def organization(self) -> Organization:
        return self.context.organization

    @abstractmethod
    def test_connection(self) -> None:
        """Prove the stored credentials work with the smallest real call; raise ProviderError."""

    @abstractmethod
    def fetch(self, mode: str, since: datetime | None, progress: Progress) -> Iterator[Yielded]:
        """Yield neutral records for `mode` (records.py: Batch, Complete, Removed, Checkpoint).
        `since` is None for a full sync, else the last good run's checkpoint for a delta.
        The engine stores each Batch in one bulk upsert, sweeps on Complete and runs client
        matching afterwards; the provider never touches the database. Raise ProviderError."""

    def sync(self, mode: str, progress: Progress) -> SyncCounts:
        """Fetch and store through the engine, exactly as the worker does (tests, benchmarks)."""
        from billingone.integrations.ingest import Ingest, delta_since

        ingest = Ingest(self, self.context.run_id or 0, progress)
        return ingest.run(mode, delta_since(self.context.connection, mode))

    @classmethod
    def draft_payload(cls, document: PushDocument) -> dict:
        """Exactly what push_draft() sends for `document` (the preview on the draft's page)."""
        raise NotImplementedError(f"{cls.name} does not take invoice drafts.")

    def push_draft(self, document: PushDocument) -> PushResult:
        """Create `document` at the provider (a draft, or what comes closest), keyed by its
        idempotency key; validation errors come back in the result, failures raise ProviderError."""
        raise NotImplementedError(f"{self.name} does not take invoice drafts.")

    @classmethod
    def purge(cls, organization: Organization) -> int:
        """Delete this provider's synced data of `organization` (disconnect with purge)."""
        from billingone.billing import store

        return store.purge(organization, cls.key)

    @classmethod
    def mode(cls, key: str) -> SyncMode | None:
        return next((mode for mode in cls.sync_modes if mode.key == key), None)

    @classmethod
    def secret_field_names(cls) -> set[str]:
        return {f.name for f in cls.credential_fields if f.secret}
