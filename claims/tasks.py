"""Thin Celery adapters for claims: each takes ids and calls a service."""

from celery import shared_task

from claims import invoicing, services

STEPS_PER_MESSAGE = 5  # short messages: a killed worker loses little and resumes soon


@shared_task(bind=True, acks_late=True, max_retries=None, default_retry_delay=5,
             autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300)
def claims_job_run(self, job_id: int) -> str:
    """Send a job's claims, a few batches per message, then hand the rest on."""
    for _step in range(STEPS_PER_MESSAGE):
        outcome = services.job_step(job_id)
        if outcome != services.Step.MORE:
            break
    if outcome == services.Step.MORE:
        claims_job_run.delay(job_id)
    elif outcome == services.Step.WAIT and not self.request.is_eager:
        claims_job_run.apply_async((job_id,), countdown=5)
    return outcome


@shared_task
def claims_jobs_resume() -> list[int]:
    return services.jobs_resume()


@shared_task
def invoices_month_end() -> str:
    report = invoicing.month_end_generate()
    return report.period if report else "not the month's last day"
