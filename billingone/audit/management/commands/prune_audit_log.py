"""manage.py prune_audit_log [--days N]: apply the retention setting now."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billingone.audit.prune import PruneRefused, prune


class Command(BaseCommand):
    help = "Prune audit entries older than AUDIT_RETENTION_DAYS (or --days), keeping chains verifiable."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days=None, **options):
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        if days <= 0:
            self.stdout.write("Retention is off (AUDIT_RETENTION_DAYS=0): nothing pruned.")
            return
        try:
            results = prune(days)
        except PruneRefused as exc:
            raise CommandError(f"Refused: the chain is broken ({exc}). Run verify_audit_log.") from exc
        for result in results:
            self.stdout.write(f"{result.chain}: pruned {result.pruned} entries through #{result.through_seq}")
        if not results:
            self.stdout.write(f"Nothing older than {days} days.")
