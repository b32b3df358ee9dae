"""manage.py verify_audit_log [--organization SLUG]: walk the hash chains and report the first
entry of each that was altered or removed. Exit status 1 when anything is wrong."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from billingone.audit.chain import all_chains, chain_key, unchained_entries, verify_chain
from billingone.orgs.models import Organization


class Command(BaseCommand):
    help = "Verify the audit log's hash chains; report the first altered or removed entry."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Only this organization's chain (its slug).")

    def handle(self, *args, organization=None, **options):
        if organization:
            org = Organization.objects.filter(slug=organization).first()
            if org is None:
                raise CommandError(f"No organization with slug {organization!r}.")
            chains = [chain_key(org.pk)]
        else:
            chains = all_chains()
        problems = [str(problem) for chain in chains if (problem := verify_chain(chain))]
        if not organization:
            stray = unchained_entries().order_by("id").first()
            if stray is not None:
                problems.append(f"entry id {stray.pk} ({stray.action}) was inserted outside the hash chain")
        for problem in problems:
            self.stderr.write(f"TAMPERED {problem}")
        if problems:
            raise CommandError(f"{len(problems)} audit chain(s) failed verification.", returncode=1)
        self.stdout.write(f"OK: {len(chains)} audit chain(s) verified.")
