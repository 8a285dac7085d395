"""Every identity of seed 002 §7-1 through the API: national code, FIDA, unidentified,
newborns under the mother's code (and her cover), blocked codes."""

import pytest

from accounts.identity import new_unique_id, unique_id_is_valid
from accounts.models import BlockedNationalCode, Patient
from claims.models import Coverage
from tests.conftest import DEMO, membership_of

FIDA = "123456789012"


def person(**extra) -> dict:
    return {"first_name": "جان", "last_name": "اسمیت", "birth_date": "1990-01-01", "sex": "M",
            **extra}


@pytest.fixture
def reception(api_as):
    return api_as("reception")


@pytest.fixture
def shafa(demo):
    return membership_of(DEMO["doctor"][0], "درمانگاه شفا")


def test_issued_unique_ids_carry_a_check_digit():
    ids = {new_unique_id() for _ in range(200)}
    assert len(ids) == 200 and all(unique_id_is_valid(i) and len(i) == 13 for i in ids)
    one = next(iter(ids))
    assert not unique_id_is_valid(one[:-1] + str((int(one[-1]) + 1) % 10))


def test_a_foreign_national_is_registered_and_served_by_fida_code(reception, shafa, api_as):
    response = reception.post("/api/v1/patients", person(fida_code="۱۲۳۴۵۶۷۸۹۰۱۲"),
                              format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["fida_code"] == FIDA and body["national_code"] is None
    assert body["unique_id"] is None and body["unidentified"] is False
    visit = reception.post("/api/v1/visits", {"national_code": FIDA, "doctor": shafa.pk},
                           format="json")
    assert visit.status_code == 201 and visit.json()["patient"]["fida_code"] == FIDA
    doctor = api_as("doctor", "درمانگاه شفا")
    rx = doctor.post("/api/v1/prescriptions", {"visit": visit.json()["id"], "kind": "drug",
                                              "items": [{"code": "PARA-500-TAB",
                                                         "quantity": 10}]}, format="json")
    assert rx.status_code == 201
    found = api_as("pharmacy").get("/api/v1/prescriptions", {"national_code": FIDA})
    assert [p["tracking_code"] for p in found.json()] == [rx.json()["tracking_code"]]


def test_a_fida_code_typed_as_a_national_code_is_told_so(reception):
    response = reception.post("/api/v1/patients", person(national_code=FIDA), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "fida_as_national_code"
    assert "فیدا" in response.json()["errors"]["national_code"][0]
    assert not Patient.objects.filter(fida_code=FIDA).exists()


@pytest.mark.parametrize("fida", ["12345678901", "1234567890123", "111111111111", "12345678901a"])
def test_malformed_fida_codes_are_400(reception, fida):
    response = reception.post("/api/v1/patients", person(fida_code=fida), format="json")
    assert response.status_code == 400 and "fida_code" in response.json()["errors"]


def test_a_national_code_typed_as_fida_is_told_so(reception):
    response = reception.post("/api/v1/patients", person(fida_code="0499370899"), format="json")
    assert response.status_code == 400
    assert "کد ملی" in response.json()["errors"]["fida_code"][0]


def test_two_registrations_of_one_fida_code_are_409(reception):
    assert reception.post("/api/v1/patients", person(fida_code=FIDA),
                          format="json").status_code == 201
    again = reception.post("/api/v1/patients", person(fida_code=FIDA), format="json")
    assert again.status_code == 409
    assert Patient.objects.filter(fida_code=FIDA).count() == 1


def test_an_unidentified_person_gets_a_unique_id_and_no_cover(reception, shafa):
    response = reception.post("/api/v1/patients", person(unidentified=True), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["unidentified"] is True and unique_id_is_valid(body["unique_id"])
    assert body["national_code"] is None and body["fida_code"] is None
    visit = reception.post("/api/v1/visits", {"national_code": body["unique_id"],
                                              "doctor": shafa.pk}, format="json").json()
    assert visit["coverage"] is None
    assert visit["patient"]["unique_id"] == body["unique_id"]


def test_an_unidentified_person_carries_no_code(reception):
    response = reception.post("/api/v1/patients",
                              person(unidentified=True, national_code="0499370899"),
                              format="json")
    assert response.status_code == 400 and response.json()["code"] == "unidentified_with_code"


def test_nothing_to_identify_the_person_is_400(reception):
    response = reception.post("/api/v1/patients", person(), format="json")
    assert response.status_code == 400 and response.json()["code"] == "identifier_required"


def test_a_newborn_is_admitted_under_the_mother_and_covered_by_her(reception, shafa, api_as):
    mother = DEMO["patient2"][0]  # Maryam, SSO-GEN 30 %
    response = reception.post("/api/v1/patients", person(
        first_name="نوزاد", last_name="حسینی", birth_date="2026-11-28", sex="F",
        mother_national_code=mother), format="json")
    assert response.status_code == 201, response.content
    baby = response.json()
    assert baby["newborn_of"] == mother and baby["national_code"] is None
    assert unique_id_is_valid(baby["unique_id"]) and baby["unidentified"] is False
    visit = reception.post("/api/v1/visits", {"national_code": baby["unique_id"],
                                              "doctor": shafa.pk}, format="json").json()
    assert visit["coverage"]["scheme"]["code"] == "SSO-GEN"
    assert visit["patient"]["newborn_of"] == mother
    rx = api_as("doctor", "درمانگاه شفا").post("/api/v1/prescriptions", {
        "visit": visit["id"], "kind": "drug",
        "items": [{"code": "PARA-500-TAB", "quantity": 10}]}, format="json").json()
    # the mother's supplementary fund (DANA, 70 % of the patient's part) covers the baby too
    assert rx["totals"] == {"total": 50000, "insurer_share": 35000,
                            "supplementary_share": 10500, "patient_share": 4500}
    # the counter types the mother's code and finds the baby's prescription
    found = api_as("pharmacy").get("/api/v1/prescriptions", {"national_code": mother}).json()
    assert [p["patient"]["unique_id"] for p in found] == [baby["unique_id"]]


def test_a_newborn_keeps_the_mothers_cover_only_until_registered(reception, shafa):
    from django.utils import timezone

    from claims.eligibility import eligibility_on

    reception.post("/api/v1/patients", person(sex="F", mother_national_code=DEMO["patient2"][0]),
                   format="json")
    baby = Patient.objects.get(mother__national_code=DEMO["patient2"][0])
    assert eligibility_on(baby, timezone.localdate()).scheme.code == "SSO-GEN"
    baby.national_code = "0499370899"
    baby.save()
    assert eligibility_on(baby, timezone.localdate()) is None


def test_a_newborns_own_cover_wins_over_the_mothers(reception):
    import datetime as dt

    from claims.eligibility import eligibility_on
    from claims.models import Scheme

    reception.post("/api/v1/patients", person(sex="F", mother_national_code=DEMO["patient2"][0]),
                   format="json")
    baby = Patient.objects.get(mother__national_code=DEMO["patient2"][0])
    Coverage.objects.create(patient=baby, scheme=Scheme.objects.get(code="IHIO-GOV"),
                            valid_from=dt.date(2026, 1, 1))
    assert eligibility_on(baby, dt.date(2026, 12, 1)).scheme.code == "IHIO-GOV"


@pytest.mark.parametrize("mother, code", [("0499370899", "unknown_mother"),
                                          (DEMO["patient"][0], "mother_not_female")])
def test_a_newborn_needs_a_registered_mother(reception, mother, code):
    response = reception.post("/api/v1/patients", person(mother_national_code=mother),
                              format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert "mother_national_code" in response.json()["errors"]
    assert not Patient.objects.filter(mother__isnull=False).exists()


def test_a_blocked_national_code_is_refused_at_registration_and_admission(reception, shafa):
    BlockedNationalCode.objects.create(code="0499370899", reason="تکراری")
    response = reception.post("/api/v1/patients", person(national_code="0499370899"),
                              format="json")
    assert response.status_code == 400 and response.json()["code"] == "blocked_national_code"
    assert "مسدود" in response.json()["detail"]
    BlockedNationalCode.objects.create(code=DEMO["patient"][0])
    response = reception.post("/api/v1/visits", {"national_code": DEMO["patient"][0],
                                                 "doctor": shafa.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "blocked_national_code"


@pytest.mark.parametrize("value", ["12345", "1234567890123", "abcdefghij", "۱۲۳"])
def test_a_bad_identifier_in_a_lookup_is_400(api_as, demo, value):
    response = api_as("pharmacy").get("/api/v1/prescriptions", {"national_code": value})
    assert response.status_code == 400
    assert response.json()["errors"]["national_code"]


def test_history_and_visits_take_any_identifier(reception, shafa, api_as):
    body = reception.post("/api/v1/patients", person(fida_code=FIDA), format="json").json()
    doctor = api_as("doctor", "درمانگاه شفا")
    response = doctor.get(f"/api/v1/patients/{body['fida_code']}/history")
    assert response.status_code == 403 and response.json()["code"] == "consent_required"
