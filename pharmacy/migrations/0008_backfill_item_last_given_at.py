"""Each dispensed item's last time given, from the dispenses already written; from here on
the dispense writes it with the item's counter. In batches of item ids, each committed on
its own (the migration is not atomic), so that no national table stays locked for the
whole backfill, and a rerun only writes again what it wrote."""

from django.db import migrations
from django.db.models import Max, Min, OuterRef, Subquery

BATCH = 10_000


def backfill(apps, schema_editor):
    item_model = apps.get_model("prescriptions", "PrescriptionItem")
    line_model = apps.get_model("pharmacy", "DispenseLine")
    latest = (line_model.objects.filter(item=OuterRef("pk")).values("item")
              .annotate(latest=Max("dispense__ended_at")).values("latest"))
    given = item_model.objects.filter(dispensed_quantity__gt=0)
    bounds = given.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    for start in range(bounds["first"], bounds["last"] + 1, BATCH):
        given.filter(pk__gte=start, pk__lt=start + BATCH).update(
            last_given_at=Subquery(latest))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("pharmacy", "0007_dispense_facility_index_covered"),
        ("prescriptions", "0013_item_last_given_at"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
