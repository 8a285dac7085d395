"""The Celery app. Worker: `celery -A config worker -l info`; beat: `celery -A config beat`."""

import contextlib
import os

from celery import Celery, signals, states
from celery.schedules import crontab
from django import db
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Tasks by kind of work; each kind has its own queue `<default queue>.<kind>`.
KINDS = {
    "accounts.tasks.": "sms",
    "complaints.tasks.": "sms",
    "notices.tasks.": "sms",
    "claims.tasks.claims_": "claims",
    "claims.tasks.invoice": "invoices",
    "claims.tasks.invoices": "invoices",
    "paper.tasks.": "pdf",
}


def route(name, args, kwargs, options, task=None, **kw):
    for prefix, kind in KINDS.items():
        if name.startswith(prefix):
            return {"queue": f"{app.conf.task_default_queue}.{kind}"}
    return None


def queues(base: str | None = None) -> list[str]:
    """Every queue a worker for all kinds of work listens to (`celery worker -Q …`)."""
    base = base or app.conf.task_default_queue
    return [base, *(f"{base}.{kind}" for kind in sorted(set(KINDS.values())))]


app = Celery("noskhe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A worker started without -Q consumes every kind; `-Q noskhe.claims` scales one apart.
app.conf.task_queues = [Queue(name) for name in queues(os.environ.get("CELERY_QUEUE", "noskhe"))]

# Periodic jobs, in one place (beat reads them; django-celery-beat can add more in the admin).
app.conf.beat_schedule = {
    "purge-idempotency-keys": {
        "task": "accounts.tasks.idempotency_purge_task",
        "schedule": 3600,
    },
    "expire-prescriptions-daily": {
        "task": "prescriptions.tasks.prescriptions_expire",
        "schedule": 24 * 3600,
    },
    # Every evening in Tehran; only the last day of a Jalali month generates its invoices.
    "invoices-at-jalali-month-end": {
        "task": "claims.tasks.invoices_month_end",
        "schedule": crontab(hour=23, minute=30),
    },
    # patient notices whose hand-over to the worker failed (the broker was down)
    "sweep-patient-notices": {
        "task": "notices.tasks.notices_sweep_task",
        "schedule": 60,
    },
    "resume-stalled-claim-sends": {
        "task": "claims.tasks.claims_jobs_resume",
        "schedule": 5 * 60,
    },
}

# Database connections in the worker. Celery's Django fixup closes every connection before
# and after each task unless told to reuse them: a new PostgreSQL backend (a fork, its
# sign-in, its catalogue caches, every prepared statement planned afresh) for each notices
# flush, about 30 a second under load, which cost the machine a fifth of its CPU. Reused
# here as Django reuses them between requests: before a task, connections past
# CONN_MAX_AGE or left broken are closed and the others are checked on first use
# (CONN_HEALTH_CHECKS); after a task that failed, every connection is closed, since a
# failure mid-query (a time limit's signal, say) can leave one Django thinks usable
# (celery/celery#9824). The fixup itself still recycles them every DB_REUSE_MAX tasks.
DB_REUSE_MAX = 1000
app.conf.CELERY_DB_REUSE_MAX = DB_REUSE_MAX


@signals.task_prerun.connect
def _connections_checked(sender=None, **kwargs) -> None:
    if not getattr(sender.request, "is_eager", False):
        db.close_old_connections()


@signals.task_postrun.connect
def _connections_dropped_on_failure(sender=None, state=None, **kwargs) -> None:
    if getattr(sender.request, "is_eager", False):
        return
    if state == states.SUCCESS:
        db.close_old_connections()
    else:
        for connection in db.connections.all(initialized_only=True):
            with contextlib.suppress(db.Error):
                connection.close()
