"""Re-encrypt every stored secret under the primary key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old one after it), run
this command, then drop the old key once it reports nothing left to change.
"""

from django.core.management.base import BaseCommand

from billingone.lib import crypto


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        ring = crypto.keyring()
        results = crypto.run_rotators()
        for name, count in results.items():
            self.stdout.write(f"{name}: {count} re-encrypted under key {ring.primary_id}")
        self.stdout.write(self.style.SUCCESS(f"Done: {sum(results.values())} secrets re-encrypted."))
