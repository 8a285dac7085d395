"""Who sees which prescription; history by SMS consent; bounded list queries."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AccessLog
from tests.conftest import DEMO
from tests.prescriptions.conftest import drug


@pytest.fixture
def written(admit, prescribe):
    """One drug and one lab prescription for Ali by Dr Ahmadi at Shafa."""
    visit = admit("patient")
    rx = prescribe(visit, [drug("AMOX-500-CAP", 10)]).json()
    lab = prescribe(visit, [{"code": "LAB-CBC", "quantity": 1}], kind="lab").json()
    return {"drug": rx["tracking_code"], "lab": lab["tracking_code"], "visit": visit}


def test_the_patient_sees_own_prescriptions(api_as, written):
    client = api_as("patient")
    codes = {p["tracking_code"] for p in client.get("/api/v1/prescriptions").json()}
    assert codes == {written["drug"], written["lab"]}
    assert client.get(f"/api/v1/prescriptions/{written['drug']}").status_code == 200


def test_another_patient_sees_nothing(api_as, written):
    client = api_as("patient2")
    assert client.get("/api/v1/prescriptions").json() == []
    assert client.get(f"/api/v1/prescriptions/{written['drug']}").status_code == 404


def test_pharmacy_finds_open_drug_prescriptions_by_national_code(api_as, written):
    client = api_as("pharmacy")
    found = client.get("/api/v1/prescriptions", {"national_code": DEMO["patient"][0]}).json()
    assert [p["tracking_code"] for p in found] == [written["drug"]]
    assert client.get(f"/api/v1/prescriptions/{written['drug']}").status_code == 200


def test_pharmacy_cannot_see_lab_orders(api_as, written):
    client = api_as("pharmacy")
    assert client.get(f"/api/v1/prescriptions/{written['lab']}").status_code == 404


def test_lab_sees_lab_orders_only(api_as, written):
    client = api_as("lab")
    found = client.get("/api/v1/prescriptions", {"national_code": DEMO["patient"][0]}).json()
    assert [p["tracking_code"] for p in found] == [written["lab"]]
    assert client.get(f"/api/v1/prescriptions/{written['drug']}").status_code == 404


def test_pharmacy_lookup_needs_a_code(api_as, written):
    assert api_as("pharmacy").get("/api/v1/prescriptions").status_code == 400


def test_pharmacy_lookup_with_invalid_national_code_is_400(api_as, written):
    response = api_as("pharmacy").get("/api/v1/prescriptions", {"national_code": "123"})
    assert response.status_code == 400


def test_cancelled_prescriptions_are_not_open(api_as, written, doctor):
    doctor.post(f"/api/v1/prescriptions/{written['drug']}/cancel")
    client = api_as("pharmacy")
    assert client.get("/api/v1/prescriptions",
                      {"national_code": DEMO["patient"][0]}).json() == []


def test_expired_prescriptions_are_not_open(api_as, written, settings):
    later = timezone.now() + dt.timedelta(days=settings.PRESCRIPTION_VALID_DAYS["drug"] + 1)
    with time_machine.travel(later):
        assert api_as("pharmacy").get("/api/v1/prescriptions", {
            "national_code": DEMO["patient"][0]}).json() == []


def test_another_doctor_sees_nothing_without_consent(api_as, written):
    client = api_as("cardiologist")
    assert client.get(f"/api/v1/prescriptions/{written['drug']}").status_code == 404
    assert client.get("/api/v1/prescriptions", {"national_code": DEMO["patient"][0]}).json() == []
    response = client.get(f"/api/v1/patients/{DEMO['patient'][0]}/history")
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["reception", "reviewer"])
def test_reception_and_reviewer_cannot_read_prescriptions(api_as, written, who):
    client = api_as(who)
    assert client.get(f"/api/v1/prescriptions/{written['drug']}").status_code == 403
    assert client.get("/api/v1/prescriptions").status_code == 403


@pytest.mark.parametrize("who", ["pharmacy", "lab", "patient", "reception", "cardiologist"])
def test_only_its_doctor_may_edit_or_cancel(api_as, written, who):
    client = api_as(who)
    code = written["drug"]
    patch = client.patch(f"/api/v1/prescriptions/{code}", {"items": [drug("PARA-500-TAB")]},
                         format="json")
    cancel = client.post(f"/api/v1/prescriptions/{code}/cancel")
    assert patch.status_code in {403, 404} and cancel.status_code in {403, 404}


@pytest.mark.parametrize("who", ["pharmacy", "lab", "patient", "reception"])
def test_only_doctors_prescribe(api_as, written, who):
    response = api_as(who).post("/api/v1/prescriptions", {
        "visit": written["visit"]["id"], "kind": "drug", "items": [drug("PARA-500-TAB")]},
        format="json")
    assert response.status_code == 403


def test_history_by_consent_for_30_minutes(api_as, written, outbox):
    client = api_as("cardiologist")
    code = DEMO["patient"][0]
    assert client.post(f"/api/v1/patients/{code}/history-access").status_code == 202
    message = outbox.messages()[-1]
    assert message["purpose"] == "consent" and message["to"] == DEMO["patient"][1]
    wrong = f"{(int(message['code']) + 1) % 10**6:06d}"
    assert client.post(f"/api/v1/patients/{code}/history-access/verify",
                       {"code": wrong}, format="json").status_code == 400
    response = client.post(f"/api/v1/patients/{code}/history-access/verify",
                           {"code": message["code"]}, format="json")
    assert response.status_code == 200 and "valid_until" in response.json()
    history = client.get(f"/api/v1/patients/{code}/history")
    assert history.status_code == 200
    assert {p["tracking_code"] for p in history.json()} == {written["drug"], written["lab"]}
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert client.get(f"/api/v1/patients/{code}/history").status_code == 403
    actions = set(AccessLog.objects.filter(patient__national_code=code)
                  .values_list("action", flat=True))
    assert {"consent.request", "consent.grant", "history.read"} <= actions


def test_a_grant_is_for_one_doctor_only(api_as, written, outbox, demo):
    cardiologist = api_as("cardiologist")
    code = DEMO["patient"][0]
    cardiologist.post(f"/api/v1/patients/{code}/history-access")
    sms = outbox.last_code(DEMO["patient"][1], "consent")
    cardiologist.post(f"/api/v1/patients/{code}/history-access/verify", {"code": sms},
                      format="json")
    other = api_as("doctor", "مطب دکتر احمدی")
    assert other.get(f"/api/v1/patients/{code}/history").status_code == 403


def test_consent_code_is_single_use(api_as, written, outbox):
    client = api_as("cardiologist")
    code = DEMO["patient"][0]
    client.post(f"/api/v1/patients/{code}/history-access")
    sms = outbox.last_code(DEMO["patient"][1], "consent")
    url = f"/api/v1/patients/{code}/history-access/verify"
    assert client.post(url, {"code": sms}, format="json").status_code == 200
    assert client.post(url, {"code": sms}, format="json").status_code == 400


def test_history_access_is_for_doctors(api_as, written):
    for who in ("pharmacy", "patient", "reception"):
        client = api_as(who)
        assert client.post(f"/api/v1/patients/{DEMO['patient'][0]}/history-access"
                           ).status_code == 403


def test_reads_land_in_the_access_log(api_as, written):
    api_as("pharmacy").get("/api/v1/prescriptions", {"national_code": DEMO["patient"][0]})
    api_as("lab").get(f"/api/v1/prescriptions/{written['lab']}")
    log = api_as("patient").get("/api/v1/me/access-log").json()
    facilities = {row["facility"]["name"] for row in log if row["facility"]}
    assert {"داروخانه رازی", "آزمایشگاه پاستور", "درمانگاه شفا"} <= facilities


def _many(prescribe, admit, count):
    visit = admit("patient")
    for i in range(count):
        assert prescribe(visit, [drug("PARA-500-TAB", i + 1), drug("AMOX-500-CAP", 1)],
                         override_warnings=True).status_code == 201


@pytest.mark.parametrize("who", ["doctor", "pharmacy", "patient"])
def test_lists_run_the_same_number_of_queries_for_1_and_50(
        api_as, admit, prescribe, django_assert_max_num_queries, who):
    _many(prescribe, admit, 1)
    client = api_as(who) if who != "doctor" else api_as("doctor", "درمانگاه شفا")
    params = {"national_code": DEMO["patient"][0]}
    with django_assert_max_num_queries(12) as one:
        assert len(client.get("/api/v1/prescriptions", params).json()) == 1
    baseline = len(one.captured_queries)  # read now: the query log is a bounded deque
    _many(prescribe, admit, 49)
    with django_assert_max_num_queries(baseline):
        assert len(client.get("/api/v1/prescriptions", params).json()) == 50


def test_creating_a_3_item_prescription_is_bounded(admit, prescribe,
                                                   django_assert_max_num_queries):
    visit = admit("patient")
    with django_assert_max_num_queries(25):
        response = prescribe(visit, [drug("AMOX-500-CAP"), drug("PARA-500-TAB"),
                                     drug("ASA-80-TAB")])
    assert response.status_code == 201


def test_consent_requests_are_throttled(api_as, written, outbox):
    client = api_as("cardiologist")
    url = f"/api/v1/patients/{DEMO['patient'][0]}/history-access"
    assert client.post(url).status_code == 202
    assert client.post(url).status_code == 429
    assert len([m for m in outbox.messages() if m["purpose"] == "consent"]) == 1


def test_consent_for_an_unknown_patient_is_404(api_as, demo):
    client = api_as("cardiologist")
    assert client.post("/api/v1/patients/0499370899/history-access").status_code == 404
    assert client.post("/api/v1/patients/123/history-access").status_code == 400
