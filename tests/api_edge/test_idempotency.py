"""Contract, "The API edge": `Idempotency-Key` on POST prescriptions and POST …/dispense,
per caller, kept 24 hours: the same key and body answer the first answer again (status and
body); the same key with another body is 422 `idempotency_mismatch`."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import IdempotentRequest
from accounts.tasks import idempotency_purge_task
from pharmacy.models import Dispense
from prescriptions.models import Prescription
from tests.conftest import DEMO, membership_of
from tests.pharmacy.conftest import uid
from tests.pharmacy.test_concurrency import admit, cast, run_together  # noqa: F401 - fixture

DRUGS = [{"code": "AMOX-500-CAP", "quantity": 10}, {"code": "PARA-500-TAB", "quantity": 5}]


@pytest.fixture
def visit(api_as):
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    return api_as("reception").post("/api/v1/visits", {"national_code": DEMO["patient"][0],
                                                       "doctor": shafa.pk},
                                    format="json").json()


def create(client, visit, items=DRUGS, key="rx-1", **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/prescriptions", {"visit": visit["id"], "kind": "drug",
                                                 "items": items, "override_warnings": True,
                                                 **extra}, format="json", **headers)


def test_a_double_submit_makes_one_prescription_and_answers_the_same(api_as, visit):
    doctor = api_as("doctor", "درمانگاه شفا")
    first, again = create(doctor, visit), create(doctor, visit)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Prescription.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(api_as, visit):
    doctor = api_as("doctor", "درمانگاه شفا")
    assert create(doctor, visit).status_code == 201
    response = create(doctor, visit, items=DRUGS[:1])
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"
    assert Prescription.objects.count() == 1


def test_keys_are_per_caller(api_as, written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    other = written([{"code": "PARA-500-TAB", "quantity": 5}], who="patient2")
    for n, who, prescription in ((1, "pharmacy", rx), (2, "pharmacy2", other)):
        response = api_as(who).post(
            f"/api/v1/prescriptions/{prescription['tracking_code']}/dispense",
            {"lines": [{"item": prescription["items"][0]["id"], "quantity": 5,
                        "uid": uid(n)}]},
            format="json", HTTP_IDEMPOTENCY_KEY="counter-1")
        assert response.status_code == 201, response.json()
        assert "Idempotent-Replayed" not in response
    assert Dispense.objects.count() == 2


def test_a_key_used_on_another_path_is_a_mismatch(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    other = written([{"code": "PARA-500-TAB", "quantity": 5}])
    pharmacy = api_as("pharmacy")
    for n, prescription, status in ((3, rx, 201), (4, other, 422)):
        response = pharmacy.post(
            f"/api/v1/prescriptions/{prescription['tracking_code']}/dispense",
            {"lines": [{"item": prescription["items"][0]["id"], "quantity": 1,
                        "uid": uid(n)}]},
            format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert response.status_code == status, response.content
    assert response.json()["code"] == "idempotency_mismatch"
    assert Dispense.objects.count() == 1


@pytest.mark.parametrize("key", ["x" * 256, "   ", "کلید", "a\tb"])
def test_a_bad_key_is_400(api_as, visit, key):
    response = create(api_as("doctor", "درمانگاه شفا"), visit, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key"
    assert Prescription.objects.count() == 0


def test_a_key_of_255_characters_works(api_as, visit):
    doctor = api_as("doctor", "درمانگاه شفا")
    assert create(doctor, visit, key="k" * 255).status_code == 201
    assert create(doctor, visit, key="k" * 255)["Idempotent-Replayed"] == "true"


def test_a_refusal_is_the_first_answer_too(api_as, visit):
    doctor = api_as("doctor", "درمانگاه شفا")
    unknown = [{"code": "NO-SUCH-DRUG", "quantity": 1}]
    refused = create(doctor, visit, items=unknown)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    again = create(doctor, visit, items=unknown)
    assert again.status_code == 400 and again.json() == refused.json()
    assert again["Idempotent-Replayed"] == "true"
    corrected = create(doctor, visit, items=DRUGS[:1])  # a new body needs a new key
    assert corrected.status_code == 422 and corrected.json()["code"] == "idempotency_mismatch"
    assert create(doctor, visit, items=DRUGS[:1], key="rx-2").status_code == 201
    assert Prescription.objects.count() == 1


def test_the_first_answers_etag_is_replayed(api_as, visit):
    doctor = api_as("doctor", "درمانگاه شفا")
    first, again = create(doctor, visit), create(doctor, visit)
    assert first["ETag"] == again["ETag"] == '"v1"'


def test_a_failure_after_the_write_rolls_the_write_and_the_key_back(api_as, visit,
                                                                     monkeypatch):
    from accounts.errors import NotFound
    from prescriptions import api

    doctor = api_as("doctor", "درمانگاه شفا")

    def lost(*args, **kwargs):
        raise NotFound("گم شد")

    monkeypatch.setattr(api.suggestions, "for_prescription", lost)  # the answer fails
    doctor.raise_request_exception = False
    assert create(doctor, visit).status_code == 500
    assert Prescription.objects.count() == 0 and IdempotentRequest.objects.count() == 0
    monkeypatch.undo()
    assert create(doctor, visit).status_code == 201
    assert Prescription.objects.count() == 1


def test_keys_are_kept_24_hours_then_purged(api_as, visit):
    doctor = api_as("doctor", "درمانگاه شفا")
    assert create(doctor, visit).status_code == 201
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23)):
        assert idempotency_purge_task() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert idempotency_purge_task() == 1
    assert IdempotentRequest.objects.count() == 0


def test_an_expired_key_runs_again(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    pharmacy = api_as("pharmacy")
    url = f"/api/v1/prescriptions/{rx['tracking_code']}/dispense"
    body = {"lines": [{"item": rx["items"][0]["id"], "quantity": 10, "uid": uid(5)}]}
    assert pharmacy.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="d").status_code == 201
    body = {"lines": [{"item": rx["items"][0]["id"], "quantity": 10, "uid": uid(6)}]}
    IdempotentRequest.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    again = pharmacy.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="d")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Dispense.objects.count() == 2


@pytest.mark.postgres
def test_simultaneous_double_submits_make_one_prescription(cast):  # noqa: F811
    visit, doctor = admit(cast), cast("doctor", "درمانگاه شفا")
    answers = run_together(*[lambda: create(doctor, visit, key="same") for _ in range(4)])
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["tracking_code"] for a in answers}) == 1
    assert sum(a.get("Idempotent-Replayed") == "true" for a in answers) == 3
    assert Prescription.objects.count() == 1
