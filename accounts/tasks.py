from celery import shared_task

from accounts import services
from accounts.sms import SMSError


def notice_with_retries(task, send, *args) -> None:
    """Send an SMS notice, retrying later on a gateway failure. With no worker to retry on
    (eager), a notice is not worth failing what it announces."""
    try:
        send(*args)
    except SMSError as exc:
        if task.request.is_eager:
            return
        raise task.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def membership_notice_send(self, membership_id: int) -> None:
    notice_with_retries(self, services.membership_notice, membership_id)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def history_right_notice_send(self, membership_id: int) -> None:
    notice_with_retries(self, services.history_right_notice, membership_id)


@shared_task(ignore_result=True)
def sms_code_deliver_task(user_id: int, purpose: str, context: str, text_args: dict) -> None:
    """No retry: a late code is worse than none; the person asks again (the failure opens
    the gateway-down breaker, so the next request is told the SMS service is down)."""
    services.sms_code_deliver(user_id=user_id, purpose=purpose, context=context,
                              text_args=text_args)


@shared_task(ignore_result=True)
def sms_gateway_probe_task() -> None:
    """A sign-in request for nobody we know asks the gateway instead of sending, so an
    outage answers everyone alike (and takes the same path through the worker)."""
    services.sms_gateway_probe()


@shared_task(ignore_result=True)
def idempotency_purge_task() -> int:
    """Idempotency-Keys older than 24 hours are forgotten (beat, hourly)."""
    from accounts import idempotency

    return idempotency.purge()
