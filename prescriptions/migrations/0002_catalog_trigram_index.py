"""A trigram index for as-you-type catalog search on PostgreSQL (SQLite scans instead)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_search_trgm ON prescriptions_catalogitem "
    "USING gin (search_text gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS catalog_search_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("prescriptions", "0001_initial")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
