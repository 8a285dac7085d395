from celery import shared_task

from notices import services


@shared_task(ignore_result=True)
def notices_flush_task() -> None:
    """Send every due notice (services.notices_flush); retries are the notices' own due
    times, flushed by the sweep, not Celery's."""
    services.notices_flush()


@shared_task(ignore_result=True)
def notice_send_task(key: str) -> None:
    """The one-per-notice task of earlier releases, for messages queued before an upgrade."""
    services.notices_flush()


@shared_task(ignore_result=True)
def notices_sweep_task() -> None:
    services.notices_sweep()
