"""The Celery app. Worker: `celery -A config worker -l info`; beat: `celery -A config beat`."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("noskhe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs, in one place (beat reads them; django-celery-beat can add more in the admin).
app.conf.beat_schedule = {
    "expire-prescriptions-daily": {
        "task": "prescriptions.tasks.prescriptions_expire",
        "schedule": 24 * 3600,
    },
    # Every evening in Tehran; only the last day of a Jalali month generates its invoices.
    "invoices-at-jalali-month-end": {
        "task": "claims.tasks.invoices_month_end",
        "schedule": crontab(hour=23, minute=30),
    },
    "resume-stalled-claim-sends": {
        "task": "claims.tasks.claims_jobs_resume",
        "schedule": 5 * 60,
    },
}
