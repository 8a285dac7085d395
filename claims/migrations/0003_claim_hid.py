from django.db import migrations, models


def visit_hids(apps, schema_editor):
    """Visit claims carry their visit's HID; dispense claims get theirs with the dispense's."""
    ClaimLine = apps.get_model("claims", "ClaimLine")
    for line in ClaimLine.objects.filter(visit__isnull=False, hid="").select_related("visit"):
        line.hid = line.visit.hid
        line.save(update_fields=["hid"])


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0002_initial'),
        ('prescriptions', '0004_pack_codes_synonyms_dosage'),
    ]

    operations = [
        migrations.AddField(
            model_name='claimline',
            name='hid',
            field=models.CharField(blank=True, max_length=20, verbose_name='شناسه شباد'),
        ),
        migrations.RunPython(visit_hids, migrations.RunPython.noop),
    ]
