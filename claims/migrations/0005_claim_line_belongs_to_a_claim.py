import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every line now belongs to a claim (0004 grouped them all)."""

    dependencies = [
        ('claims', '0004_claims_per_event'),
    ]

    operations = [
        migrations.AlterField(
            model_name='claimline',
            name='claim',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='claims.claim', verbose_name='سند'),
        ),
    ]
