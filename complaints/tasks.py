from celery import shared_task

from accounts.sms import SMSError
from complaints import services


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def complaint_answered_send(self, complaint_id: int) -> None:
    try:
        services.complaint_answered_notice(complaint_id)
    except SMSError as exc:
        if self.request.is_eager:
            return  # no worker to retry on; the answer is on the page either way
        raise self.retry(exc=exc) from exc
