"""generate_invoices --period 1405-08 — the same job Celery beat runs at each month's end:
creates the month's missing invoices and refreshes its drafts; twice changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from claims.invoicing import invoices_generate


class Command(BaseCommand):
    help = "Create or refresh the invoices of one Jalali month (facility × fund)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Jalali month, e.g. 1405-08")

    def handle(self, *args, period, **options):
        try:
            report = invoices_generate(period=period)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(
            f"{report.period}: {report.created} created, {report.refreshed} refreshed, "
            f"{report.unchanged} unchanged"
            + (f"; {report.waiting} accepted claims wait (their invoice was already "
               "submitted)" if report.waiting else "")))
