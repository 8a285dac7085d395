"""The HTTP exchange with an insurer listed in INSURER_API_URLS, against a fake insurer on
loopback: the contract's request, retries and backoff, and every kind of bad answer."""

import pytest
from django.utils import timezone

from claims import services
from claims.models import Claim, Connection
from claims.selectors import Period
from tests.claims.fake_insurer import FakeInsurer
from tests.conftest import membership_of
from tests.pharmacy.conftest import uid


@pytest.fixture
def queued(written, api_as):
    pharmacy = api_as("pharmacy")
    for n in range(3):
        rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
        pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                      {"lines": [{"item": rx["items"][0]["id"], "quantity": 10,
                                  "uid": uid(n + 1)}]}, format="json")
    Claim.objects.update(status="queued")
    return membership_of("0034567895")


def _send(membership, settings, insurer):
    settings.INSURER_API_URLS = {"IHIO": insurer.url}
    settings.INSURER_TIMEOUT_SECONDS, settings.INSURER_BACKOFF_SECONDS = 1, 0
    today = timezone.localdate()
    started = services.claims_send(membership=membership,
                                   period=Period(today, today, ("IHIO-GOV",)))
    while services.job_step(started.job.pk) == services.Step.MORE:
        pass
    return started.job


def test_claims_travel_as_the_contract_says(queued, settings):
    connection = Connection.objects.get(facility__name="داروخانه رازی", insurer__code="IHIO")
    with FakeInsurer(user=connection.username, password="demo-20000001") as insurer:
        insurer.reject = set()
        _send(queued, settings, insurer)
    assert set(Claim.objects.values_list("status", flat=True)) == {"accepted"}
    request = insurer.requests[0]
    assert request["terminal"] == "T20000001"
    assert request["body"]["facility"] == {"siam_id": "20000001", "name": "داروخانه رازی"}
    claim = request["body"]["claims"][0]
    assert {"id", "hid", "tracking_code", "national_code", "lines", "totals"} <= set(claim)


def test_a_rejection_keeps_the_insurers_reason(queued, settings):
    with FakeInsurer() as insurer:
        insurer.reject = {"PARA-500-TAB"}
        _send(queued, settings, insurer)
    claim = Claim.objects.first()
    assert (claim.status, claim.reason) == ("rejected", "not in our list")


@pytest.mark.parametrize("mode, reason", [("error", "خطای ۵۰۰"), ("garbage", "قابل خواندن"),
                                          ("hang", "مهلت")])
def test_a_failing_insurer_fails_the_batch_with_the_reason(queued, settings, mode, reason):
    settings.INSURER_RETRIES = 1
    with FakeInsurer(mode=mode) as insurer:
        job = _send(queued, settings, insurer)
    claims = list(Claim.objects.all())
    assert {c.status for c in claims} == {"failed"}
    assert all(reason in c.reason for c in claims)
    job.refresh_from_db()
    assert job.status == "done"


def test_5xx_is_retried_with_backoff_then_succeeds(queued, settings):
    settings.INSURER_RETRIES = 2
    with FakeInsurer(mode="flaky") as insurer:
        insurer.failures_left = 2
        _send(queued, settings, insurer)
    assert set(Claim.objects.values_list("status", flat=True)) == {"accepted"}


def test_a_refused_connection_fails_the_batch(queued, settings):
    settings.INSURER_API_URLS = {"IHIO": "http://127.0.0.1:9"}
    settings.INSURER_RETRIES, settings.INSURER_BACKOFF_SECONDS = 0, 0
    today = timezone.localdate()
    started = services.claims_send(membership=queued, period=Period(today, today, ("IHIO-GOV",)))
    services.job_step(started.job.pk)
    assert "اتصال" in Claim.objects.first().reason


def test_the_connection_check_says_what_the_insurer_answered(demo, settings):
    connection = Connection.objects.get(facility__name="داروخانه رازی", insurer__code="IHIO")
    with FakeInsurer(user=connection.username, password="demo-20000001") as insurer:
        settings.INSURER_API_URLS = {"IHIO": insurer.url}
        assert services.connection_test(connection=connection).check_ok is True
        connection.set_password("wrong")
        connection.save()
        tested = services.connection_test(connection=connection)
    assert tested.check_ok is False and "نپذیرفت" in tested.check_message
    builtin = Connection.objects.get(facility__name="داروخانه رازی", insurer__code="SSO")
    assert services.connection_test(connection=builtin).check_ok is True


def test_passwords_are_encrypted_at_rest(demo):
    connection = Connection.objects.get(facility__name="داروخانه رازی", insurer__code="IHIO")
    assert "demo-20000001" not in connection.password_encrypted
    assert connection.password() == "demo-20000001"
