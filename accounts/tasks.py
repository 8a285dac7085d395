from celery import shared_task

from accounts import services
from accounts.sms import SMSError


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def membership_notice_send(self, membership_id: int) -> None:
    try:
        services.membership_notice(membership_id)
    except SMSError as exc:
        if self.request.is_eager:
            # No worker to retry on: a notice is not worth failing the grant for.
            return
        raise self.retry(exc=exc) from exc
