"""Tasks through a real Celery worker on Redis (skipped without CELERY_BROKER_URL)."""

import pytest
from django.core.management import call_command

from accounts.models import Facility, Role, User
from accounts.services import membership_grant
from tests.conftest import DEMO, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def test_membership_notice_is_sent_by_the_worker(celery_worker_process, outbox):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    user = User.objects.get(national_code=DEMO["patient2"][0])
    membership_grant(user=user, role=Role.PHARMACY,
                     facility=Facility.objects.get(name="داروخانه سینا"))
    notices = wait_for(lambda: [m for m in outbox.messages() if m["purpose"] == "notice"])
    assert notices[0]["to"] == DEMO["patient2"][1]
    assert "داروخانه سینا" in notices[0]["text"]


def test_sign_in_code_is_delivered_by_the_worker(celery_worker_process, outbox):
    from rest_framework.test import APIClient

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    client = APIClient()
    national_code, mobile = DEMO["pharmacy"]
    response = client.post("/api/v1/auth/otp/request",
                           {"national_code": national_code, "mobile": mobile}, format="json")
    assert response.status_code == 202
    code = wait_for(lambda: [m["code"] for m in outbox.messages() if m["purpose"] == "login"])[0]
    response = client.post("/api/v1/auth/otp/verify",
                           {"national_code": national_code, "code": code}, format="json")
    assert response.status_code == 200 and response.json()["membership"]["role"] == "pharmacy"
