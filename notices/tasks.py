from celery import shared_task

from accounts.sms import SMSError
from notices import services


@shared_task(bind=True, max_retries=8, ignore_result=True)
def notice_send_task(self, key: str) -> None:
    """Retries with a growing delay (1, 2, 4 … minutes); then the notice is failed. With
    no worker (eager), a failure leaves it pending for the sweep."""
    try:
        services.notice_deliver(key)
    except SMSError as exc:
        if self.request.is_eager:
            return
        if self.request.retries >= self.max_retries:
            services.notice_give_up(key)
            return
        raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries) from exc


@shared_task(ignore_result=True)
def notices_sweep_task() -> None:
    services.notices_sweep()
