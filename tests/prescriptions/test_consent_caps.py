"""Consent codes are capped like sign-in codes, and a doctor's consent requests per day too."""

from accounts import throttle
from accounts.models import Membership, Patient
from tests.conftest import DEMO

PATIENT = DEMO["patient"][0]


def _ask(client, patient=PATIENT):
    """Ask for a consent code, skipping the resend wait (it is not under test here)."""
    for doctor_id in Membership.objects.filter(role="doctor").values_list("pk", flat=True):
        for patient_id in Patient.objects.filter(national_code=patient).values_list("pk",
                                                                                    flat=True):
            throttle.clear(f"consent:cool:{doctor_id}:{patient_id}")
    return client.post(f"/api/v1/patients/{patient}/history-access")


def test_wrong_consent_guesses_are_capped_for_the_day(api_as, written, outbox, settings):
    settings.OTP_MAX_FAILURES_PER_DAY = 6
    settings.OTP_MAX_CODES_PER_DAY = 100
    client = api_as("cardiologist")
    url = f"/api/v1/patients/{PATIENT}/history-access/verify"
    for _ in range(3):
        assert _ask(client).status_code == 202
        code = outbox.last_code(DEMO["patient"][1], "consent")
        for _ in range(2):
            assert client.post(url, {"code": f"{(int(code) + 1) % 10**6:06d}"},
                               format="json").status_code == 400
    refused = client.post(url, {"code": code}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "daily_limit"
    assert int(refused["Retry-After"]) > 0
    assert _ask(client).status_code == 429


def test_a_doctor_asks_for_a_bounded_number_of_consents_a_day(api_as, written, settings):
    settings.CONSENT_MAX_REQUESTS_PER_DOCTOR_PER_DAY = 2
    client = api_as("cardiologist")
    assert _ask(client).status_code == 202
    assert _ask(client, DEMO["patient2"][0]).status_code == 202
    third = _ask(client)
    assert third.status_code == 429 and third.json()["code"] == "daily_limit"
    assert "Retry-After" in third
