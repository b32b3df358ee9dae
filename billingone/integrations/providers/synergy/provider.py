"""Synergy Wholesale (vendor): the domains and hosting services an MSP resells, each a renewal
it pays Synergy for and must bill to a client.

Auth: a reseller ID and an API key (write-only, encrypted) inside every SOAP call; Synergy also
only answers servers whose IP address the reseller registered. Test Connection is
`balanceQuery`. Fetch (`domains_hosting`): every `listDomains` page (500), every `listHosting`
page (1000) with `hostingGetService` for services whose entry lacks the billing period or next
renewal; owners first, then products, then the subscriptions (mapping.py).

Per-item errors inside a list that succeeded are warnings on the run, never fatal: an item
Synergy says no longer exists is left out (the sweep flags it removed); any other failing item
is asked for again on its own (`domainInfo` / `hostingGetService`), and if that fails too the
scan is incomplete, so nothing is swept this run (an unreadable item is not a removed one).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from billingone.integrations.base import (
    CredentialField,
    Progress,
    Provider,
    ProviderError,
    RateLimit,
    Side,
    SyncMode,
)
from billingone.integrations.providers.synergy import mapping
from billingone.integrations.providers.synergy.client import NotFound, SynergyApi, rate_limit
from billingone.integrations.records import Batch, Complete, ItemWarning, Kind, Yielded

DOMAIN_PAGE = 500  # listDomains' documented maximum
HOSTING_PAGE = 1000  # listHosting's documented maximum
MAX_PAGES = 10_000  # a guard against a server that never returns a short page
BATCH = 500
GONE = {"ERR_DOMAIN_NOT_FOUND", "ERR_HOSTING_SERVICE_NOT_FOUND"}


class Scan:
    """What one fetch gathered before yielding: owners, products, subscriptions, warnings."""

    def __init__(self) -> None:
        self.owners = mapping.Owners()
        self.products: dict[str, object] = {}
        self.subscriptions: dict[str, object] = {}
        self.warnings: list[ItemWarning] = []
        self.complete = True

    def warn(self, external_id: str, message: str, *, unresolved: bool) -> None:
        self.warnings.append(ItemWarning(Kind.SUBSCRIPTION, external_id, message[:200]))
        self.complete = self.complete and not unresolved

    def add(self, product, subscription) -> None:
        self.products.setdefault(product.external_id, product)
        self.subscriptions[subscription.external_id] = subscription


class SynergyWholesale(Provider):
    key = "synergy"
    name = "Synergy Wholesale"
    side = Side.VENDOR
    description = "Domains and hosting you resell: what renews, when, and for which client."
    syncs = "domains, hosting services, their owners and renewal dates"
    credential_fields = (
        CredentialField(
            "reseller_id",
            "Reseller ID",
            help_text="The number at the top of the Synergy Wholesale system (Account Functions → API Information).",
            max_length=20,
        ),
        CredentialField(
            "api_key",
            "API key",
            secret=True,
            help_text="Account Functions → API Information. Synergy only answers servers whose IP address is "
            "registered on the same page.",
            max_length=200,
        ),
    )
    sync_modes = (
        SyncMode("domains_hosting", "Sync domains & hosting", "Reads every domain and hosting service, with renewals."),
    )
    url_settings = ("SYNERGY_API_URL",)
    sync_interval_setting = "SYNERGY_SYNC_INTERVAL_MINUTES"
    default_sync_interval = timedelta(hours=6)
    data_url_name = "domains"
    # Synergy documents no rate limit: this is our own modest budget (SYNERGY_RATE_LIMIT_*).
    rate_limit = RateLimit(calls=120, period=60.0, concurrency=2)

    @classmethod
    def account_rate_limit(cls) -> RateLimit:
        return rate_limit()

    def __init__(self, context):
        super().__init__(context)
        self.reseller_id = context.credentials.get("reseller_id", "").strip()
        self.api_key = context.credentials.get("api_key", "").strip()

    def api(self) -> SynergyApi:
        return SynergyApi(self.reseller_id, self.api_key)

    def test_connection(self) -> None:
        api = self.api()
        try:
            api.call("balanceQuery")
        finally:
            api.close()

    def fetch(self, mode: str, since: datetime | None, progress: Progress) -> Iterator[Yielded]:
        api = self.api()
        scan = Scan()
        try:
            self.scan_domains(api, scan, progress)
            self.scan_hosting(api, scan, progress)
        finally:
            api.close()
        customers, products = scan.owners.records(), list(scan.products.values())
        subscriptions = list(scan.subscriptions.values())
        progress.set_total(len(customers) + len(products) + len(subscriptions))
        for records in (customers, products, subscriptions):
            for start in range(0, len(records), BATCH):
                yield Batch(tuple(records[start : start + BATCH]))
        yield from scan.warnings
        if scan.complete:
            yield from (Complete(Kind.CUSTOMER), Complete(Kind.PRODUCT), Complete(Kind.SUBSCRIPTION))

    # ---- domains ---------------------------------------------------------------------------
    @staticmethod
    def pages(api: SynergyApi, command: str, limit: int, progress: Progress) -> Iterator[list]:
        for page in range(1, MAX_PAGES + 1):
            progress.check()
            answer = api.call(command, page=page, limit=limit)
            entries = [
                e for e in mapping.as_list(answer.get("domainList", answer.get("hoidList"))) if isinstance(e, dict)
            ]
            yield entries
            if len(entries) < limit:
                return

    def scan_domains(self, api: SynergyApi, scan: Scan, progress: Progress) -> None:
        for entries in self.pages(api, "listDomains", DOMAIN_PAGE, progress):
            for entry in entries:
                entry = self.readable_domain(api, entry, scan)
                if entry is None:
                    continue
                name = mapping.text(entry, "domainName").lower()
                owner = scan.owners.of_domain(name, entry)
                scan.add(mapping.domain_product(name), mapping.domain_record(entry, owner))

    @staticmethod
    def readable_domain(api: SynergyApi, entry: dict, scan: Scan) -> dict | None:
        status = mapping.text(entry, "status")
        name = mapping.text(entry, "domainName").lower()
        if status.startswith("OK") and name:
            return entry
        said = mapping.text(entry, "errorMessage") or status or "no status"
        if not name:
            scan.warn("domain:?", f"a listed domain without a name ({said})", unresolved=True)
            return None
        if status in GONE:
            scan.warn(f"domain:{name}", f"{status}: {said}", unresolved=False)
            return None
        try:
            return api.call("domainInfo", domainName=name)
        except NotFound as gone:  # asked on its own, it does not exist: not ours any more
            scan.warn(f"domain:{name}", f"{status}: {said} (asked again: {gone.message})", unresolved=False)
            return None
        except ProviderError as error:
            if error.permanent:
                raise
            scan.warn(f"domain:{name}", f"{status}: {said} (asked again: {error.message})", unresolved=True)
            return None

    # ---- hosting ---------------------------------------------------------------------------
    def scan_hosting(self, api: SynergyApi, scan: Scan, progress: Progress) -> None:
        for entries in self.pages(api, "listHosting", HOSTING_PAGE, progress):
            for entry in entries:
                entry = self.readable_service(api, entry, scan)
                if entry is None:
                    continue
                domain = mapping.text(entry, "domain").lower()
                owner = scan.owners.of_hosting(domain or mapping.text(entry, "hoid"))
                scan.add(mapping.hosting_product(entry), mapping.hosting_record(entry, owner))

    @staticmethod
    def readable_service(api: SynergyApi, entry: dict, scan: Scan) -> dict | None:
        status = mapping.text(entry, "status")
        hoid = mapping.text(entry, "hoid")
        label = hoid or mapping.text(entry, "domain", "domainName") or "?"
        said = mapping.text(entry, "errorMessage") or status or "no status"
        if not status.startswith("OK") or not hoid:
            if status in GONE:
                scan.warn(f"hosting:{label}", f"{status}: {said}", unresolved=False)
                return None
            if not hoid:
                scan.warn(f"hosting:{label}", f"{status}: {said}", unresolved=True)
                return None
        if status.startswith("OK") and not mapping.needs_detail(entry):
            return entry
        try:
            detail = api.call("hostingGetService", identifier=hoid)
        except NotFound as gone:
            scan.warn(f"hosting:{hoid}", f"{status}: {said} (asked again: {gone.message})", unresolved=False)
            return None
        except ProviderError as error:
            if error.permanent:
                raise
            if not status.startswith("OK"):
                scan.warn(f"hosting:{hoid}", f"{status}: {said} (asked again: {error.message})", unresolved=True)
                return None
            scan.warn(f"hosting:{hoid}", f"billing details unreadable: {error.message}", unresolved=False)
            return entry
        return merge_detail(entry, detail)


def merge_detail(entry: dict, detail: dict) -> dict:
    """The list entry completed by hostingGetService (whose `status` is the service's own)."""
    merged = {
        **entry,
        **{k: v for k, v in detail.items() if v not in (None, "") and k not in ("status", "errorMessage")},
    }
    merged.setdefault("serviceStatus", mapping.text(detail, "status"))
    if not mapping.text(merged, "serviceStatus"):
        merged["serviceStatus"] = mapping.text(detail, "status")
    merged["status"] = "OK"
    return merged
