"""Each dispensed item's last time given, from the dispenses already written (one UPDATE);
from here on the dispense writes it with the item's counter."""

from django.db import migrations
from django.db.models import Max, OuterRef, Subquery


def backfill(apps, schema_editor):
    item_model = apps.get_model("prescriptions", "PrescriptionItem")
    line_model = apps.get_model("pharmacy", "DispenseLine")
    latest = (line_model.objects.filter(item=OuterRef("pk")).values("item")
              .annotate(latest=Max("dispense__ended_at")).values("latest"))
    item_model.objects.filter(dispensed_quantity__gt=0).update(last_given_at=Subquery(latest))


class Migration(migrations.Migration):

    dependencies = [
        ("pharmacy", "0007_dispense_facility_index_covered"),
        ("prescriptions", "0013_item_last_given_at"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
