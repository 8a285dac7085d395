"""import_council_registry FILE.csv — the medical council's registry of licences.

Columns: council_number,national_code,full_name,specialty,licence_status,valid_until
(status active, suspended or revoked; date ISO or Jalali). Every row is checked first and
nothing changes on error; the report lists what changed.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.registry import council_registry_import


class Command(BaseCommand):
    help = "Import or sync prescribers' licences from the council registry CSV (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            handle = open(file, encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        with handle:
            report = council_registry_import(handle)
        if report.errors:
            for error in report.errors[:200]:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} problem(s) in {report.rows} rows; "
                               "nothing was changed")
        for line in report.created + report.changed:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(
            f"{report.rows} rows: {len(report.created)} new, {len(report.changed)} changed, "
            f"{report.unchanged} unchanged"))
