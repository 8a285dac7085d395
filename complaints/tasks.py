from celery import shared_task

from accounts.tasks import notice_with_retries
from complaints import services


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def complaint_answered_send(self, complaint_id: int) -> None:
    notice_with_retries(self, services.complaint_answered_notice, complaint_id)
