"""Sending claims with a real Celery worker on Redis, and a worker killed (SIGKILL) in the
middle of sending 1,000 claims to a slow insurer: every claim ends accepted exactly once,
none lost, none duplicated at the insurer."""

import os
import signal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Facility, Membership, Patient
from claims import services
from claims.models import Claim, ClaimLine, Job, Scheme
from claims.selectors import Period, job_progress
from tests.claims.fake_insurer import FakeInsurer
from tests.conftest import DEMO, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def _queued_claims(count: int) -> Membership:
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    razi = Facility.objects.get(name="داروخانه رازی")
    scheme = Scheme.objects.get(code="IHIO-GOV")
    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    today = timezone.localdate()
    claims = Claim.objects.bulk_create(
        Claim(facility=razi, scheme=scheme, patient=patient, source=f"bench:{n}:IHIO-GOV",
              tracking_code=f"K{n:09d}", hid=f"{10**13 + n}", service_date=today,
              status=Claim.Status.QUEUED, total=5000, insurer_share=3500, patient_share=1500,
              amount=3500) for n in range(count))
    ClaimLine.objects.bulk_create(
        ClaimLine(claim=claim, source=f"bench-line:{claim.pk}", code="PARA-500-TAB",
                  quantity=1, unit_price=5000, total=5000, insurer_share=3500,
                  patient_share=1500, amount=3500) for claim in claims)
    return Membership.objects.get(user__national_code=DEMO["pharmacy"][0])


def _send(membership) -> Job:
    today = timezone.localdate()
    return services.claims_send(membership=membership,
                                period=Period(today, today, ("IHIO-GOV",))).job


def test_a_real_worker_sends_to_the_builtin_insurer(worker_factory):
    membership = _queued_claims(30)
    worker_factory()
    job = _send(membership)
    wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, timeout=60)
    assert job_progress(Job.objects.get(pk=job.pk))["accepted"] == 30


def test_killing_the_worker_mid_send_loses_and_duplicates_nothing(worker_factory, settings):
    membership = _queued_claims(1000)
    with FakeInsurer(delay=0.15) as insurer:
        env = {"INSURER_API_URLS": f"IHIO={insurer.url}", "CLAIMS_BATCH_SIZE": "50",
               "INSURER_TIMEOUT_SECONDS": "3", "INSURER_RETRIES": "0",
               "INSURER_BACKOFF_SECONDS": "0", "CELERY_VISIBILITY_TIMEOUT_SECONDS": "4",
               "CELERY_RESTORE_INTERVAL_SECONDS": "2"}
        settings.INSURER_API_URLS = {"IHIO": insurer.url}
        first = worker_factory(**env)
        job = _send(membership)
        # the fifth batch has reached the insurer and awaits its answer: kill now
        wait_for(lambda: insurer.arrived >= 5, timeout=60, interval=0.01)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        in_flight = Claim.objects.filter(status=Claim.Status.SENT).count()
        assert in_flight == 50  # a whole batch left `sent`, its answer never read
        worker_factory(**env)
        wait_for(lambda: Claim.objects.filter(status=Claim.Status.ACCEPTED).count() == 1000,
                 timeout=90, interval=0.5)
        wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, timeout=60)
    assert Claim.objects.exclude(status=Claim.Status.ACCEPTED).count() == 0
    # the insurer holds every claim once; a batch cut off by the kill was sent again
    assert len(insurer.accepted) == 1000
    assert set(insurer.accepted) == set(Claim.objects.values_list("pk", flat=True))
    resent = sum(times - 1 for times in insurer.accepted.values())
    assert resent == in_flight  # only the cut-off batch went twice, answered once each
    assert set(Claim.objects.values_list("attempts", flat=True)) == {1, 2}
    progress = job_progress(Job.objects.get(pk=job.pk))
    assert (progress["total"], progress["done"], progress["accepted"]) == (1000, 1000, 1000)
