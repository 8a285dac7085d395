"""Reception and the queue: patients, admission, eligibility, HID, double submits."""

import pytest

from accounts.models import Membership, Patient
from prescriptions.models import Visit
from tests.conftest import DEMO, membership_of

NEW_PATIENT = {"national_code": "0499370899", "first_name": "نگار", "last_name": "کاظمی",
               "birth_date": "1990-05-01", "sex": "F", "mobile": "+98 912 555 0001"}


def test_reception_registers_a_new_patient(api_as):
    response = api_as("reception").post("/api/v1/patients", NEW_PATIENT, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["national_code"] == "0499370899" and body["full_name"] == "نگار کاظمی"
    assert body["sex"] == "F" and body["age"] >= 36
    patient = Patient.objects.get(national_code="0499370899")
    assert patient.mobile == "09125550001"
    # the patient can sign in later to see their prescriptions
    assert Membership.objects.filter(user=patient.user, role="patient").exists()


def test_registering_twice_is_409(api_as):
    client = api_as("reception")
    assert client.post("/api/v1/patients", NEW_PATIENT, format="json").status_code == 201
    assert client.post("/api/v1/patients", NEW_PATIENT, format="json").status_code == 409


@pytest.mark.parametrize("bad", [
    {"national_code": "1234567890"}, {"mobile": "0212222222"}, {"sex": "X"},
    {"birth_date": "1390-01-01x"}, {"birth_date": "2999-01-01"}, {"first_name": ""},
    {"mother_national_code": "0012345678"},
])
def test_bad_patient_input_is_400(api_as, bad):
    response = api_as("reception").post("/api/v1/patients", {**NEW_PATIENT, **bad}, format="json")
    assert response.status_code == 400
    assert not Patient.objects.filter(national_code="0499370899").exists()


def test_newborn_registered_under_the_mother(api_as):
    client = api_as("reception")
    response = client.post("/api/v1/patients", {
        "national_code": DEMO["patient2"][0], "mother_national_code": DEMO["patient2"][0],
        "first_name": "نوزاد", "last_name": "حسینی", "birth_date": "2026-11-01", "sex": "M"},
        format="json")
    assert response.status_code == 201
    assert response.json()["newborn_of"] == DEMO["patient2"][0]
    assert response.json()["national_code"] is None
    newborn = Patient.objects.get(mother__national_code=DEMO["patient2"][0])
    assert newborn.national_code is None


def test_admission_issues_hid_and_coverage(admit, shafa_doctor):
    visit = admit("patient")
    assert visit["hid"].isdigit() and len(visit["hid"]) == 14
    assert visit["coverage"] == {"insurer": {"code": "IHIO", "name": "بیمه سلامت ایران"},
                                 "scheme": {"code": "IHIO-GOV", "name": "کارکنان دولت"},
                                 "patient_share_percent": 30, "supplementary": None}
    assert visit["doctor"]["id"] == shafa_doctor.pk and visit["status"] == "waiting"
    assert visit["patient"]["national_code"] == DEMO["patient"][0]


def test_uninsured_patient_still_gets_a_visit(admit):
    visit = admit("uninsured")
    assert visit["coverage"] is None and visit["hid"]


def test_double_submit_returns_the_same_visit(api_as, shafa_doctor):
    reception = api_as("reception")
    body = {"national_code": DEMO["patient"][0], "doctor": shafa_doctor.pk}
    first = reception.post("/api/v1/visits", body, format="json")
    second = reception.post("/api/v1/visits", body, format="json")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Visit.objects.count() == 1


def test_unknown_patient_is_404(api_as, shafa_doctor):
    response = api_as("reception").post(
        "/api/v1/visits", {"national_code": "0499370899", "doctor": shafa_doctor.pk},
        format="json")
    assert response.status_code == 404


def test_invalid_national_code_is_400(api_as, shafa_doctor):
    response = api_as("reception").post(
        "/api/v1/visits", {"national_code": "0000000000", "doctor": shafa_doctor.pk},
        format="json")
    assert response.status_code == 400


def test_doctor_of_another_facility_is_refused(api_as, demo):
    ahmadi_office = membership_of(DEMO["doctor"][0], "مطب دکتر احمدی")
    response = api_as("reception").post(
        "/api/v1/visits", {"national_code": DEMO["patient"][0], "doctor": ahmadi_office.pk},
        format="json")
    assert response.status_code == 400


def test_doctor_admits_into_own_queue(api_as):
    doctor = api_as("cardiologist")
    response = doctor.post("/api/v1/visits", {"national_code": DEMO["patient2"][0]},
                           format="json")
    assert response.status_code == 201
    queue = doctor.get("/api/v1/queue").json()
    assert [v["id"] for v in queue] == [response.json()["id"]]


def test_queue_is_oldest_first_and_only_mine(admit, doctor, api_as, demo):
    first = admit("patient")
    second = admit("patient2")
    admit("uninsured", doctor=membership_of(DEMO["cardiologist"][0]))
    queue = doctor.get("/api/v1/queue").json()
    assert [v["id"] for v in queue] == [first["id"], second["id"]]


@pytest.mark.parametrize("who", ["pharmacy", "lab", "patient", "reviewer"])
def test_other_roles_cannot_admit_or_see_the_queue(api_as, who, shafa_doctor):
    client = api_as(who)
    assert client.post("/api/v1/visits", {"national_code": DEMO["patient"][0],
                                          "doctor": shafa_doctor.pk},
                       format="json").status_code == 403
    assert client.get("/api/v1/queue").status_code == 403
    assert client.post("/api/v1/patients", NEW_PATIENT, format="json").status_code == 403


def test_reception_cannot_see_the_queue(api_as):
    assert api_as("reception").get("/api/v1/queue").status_code == 403


def test_queue_runs_a_bounded_number_of_queries(admit, doctor, django_assert_max_num_queries,
                                                demo):
    from tests.prescriptions.factories import make_patients

    admit("patient")
    with django_assert_max_num_queries(8) as one:
        assert len(doctor.get("/api/v1/queue").json()) == 1
    baseline = len(one.captured_queries)
    for code in make_patients(49):
        Visit.objects.create(hid=f"9{code}000", facility_id=membership_of(
            DEMO["doctor"][0], "درمانگاه شفا").facility_id,
            doctor=membership_of(DEMO["doctor"][0], "درمانگاه شفا"),
            patient=Patient.objects.get(national_code=code))
    with django_assert_max_num_queries(baseline):
        assert len(doctor.get("/api/v1/queue").json()) == 50


@pytest.mark.parametrize("value", [10**20, 2**63, -1, "9" * 30, "12abc", 0])
def test_out_of_range_ids_never_500(api_as, value):
    reception = api_as("reception")
    response = reception.post("/api/v1/visits", {"national_code": DEMO["patient"][0],
                                                 "doctor": value}, format="json")
    assert response.status_code == 400
    doctor = api_as("doctor", "درمانگاه شفا")
    assert doctor.post("/api/v1/prescriptions", {"visit": value, "kind": "drug", "items": [
        {"code": "PARA-500-TAB", "quantity": 1}]}, format="json").status_code in {400, 404}
    assert doctor.post(f"/api/v1/visits/{str(value).lstrip('-')}/complete").status_code in {
        400, 404}
    assert doctor.post("/api/v1/auth/membership", {"membership": value},
                       format="json").status_code == 400
