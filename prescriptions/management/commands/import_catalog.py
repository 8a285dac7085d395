"""import_catalog FILE.csv --kind drug|lab|imaging|physio|visit

CSV columns: code, name_fa, unit_price (required); name_en, form, strength,
therapeutic_class, active (optional). Every row is checked first; any bad row and nothing
is imported.
"""

from django.core.management.base import BaseCommand, CommandError

from prescriptions.catalog import catalog_import
from prescriptions.models import CatalogItem


class Command(BaseCommand):
    help = "Validate and upsert a national catalog list from CSV (touches nothing on error)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=CatalogItem.ItemKind.values)

    def handle(self, *args, file, kind, **options):
        try:
            handle = open(file, encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        with handle:
            report = catalog_import(
                handle, kind=kind,
                progress=lambda n: self.stdout.write(f"  imported {n} rows…"),
            )
        if report.errors:
            for error in report.errors[:200]:
                self.stderr.write(error)
            if len(report.errors) > 200:
                self.stderr.write(f"… and {len(report.errors) - 200} more")
            raise CommandError(f"{len(report.errors)} problem(s) in {report.rows} rows; "
                               "nothing was imported")
        self.stdout.write(self.style.SUCCESS(
            f"{report.rows} rows: {report.created} new, {report.updated} updated ({kind})"))
