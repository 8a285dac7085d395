from celery import shared_task

from prescriptions import services


@shared_task
def prescriptions_expire() -> int:
    return services.prescriptions_expire()
