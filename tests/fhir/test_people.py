"""Patient, Coverage, Practitioner and Organization: patients by national code for those who
may see them, their cover, and the directory of prescribers and facilities."""

import json

import pytest

from accounts.models import Facility, Membership, Patient, Practitioner
from claims.models import Coverage
from prescriptions import services
from tests.conftest import DEMO
from tests.fhir.conftest import get, outcome, read, resources, system


def _patient(who: str = "patient") -> Patient:
    return Patient.objects.get(national_code=DEMO[who][0])


def test_a_patient_is_found_by_national_code_in_either_form(api_as, drug_rx):
    doctor = api_as("doctor", "درمانگاه شفا")
    code = DEMO["patient"][0]
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    for value in (code, f"{system('national-code')}|{code}", persian):
        [found] = resources(read(doctor, "Patient", {"identifier": value}), "Patient")
    assert found["id"] == str(_patient().pk)
    assert found["identifier"] == [{"system": system("national-code"), "value": code}]
    assert found["name"][0] == {"use": "official", "text": "علی رستمی", "family": "رستمی",
                                "given": ["علی"]}
    assert found["gender"] == "male"
    # the site shows others an age, never the date of birth
    assert found["birthDate"] == "1985"
    assert "telecom" not in found and "09120000008" not in json.dumps(found)
    assert read(doctor, f"Patient/{found['id']}") == found
    for value in (f"https://example.org/ssn|{code}", f"{system('unique-id')}|{code}"):
        assert read(doctor, "Patient", {"identifier": value})["total"] == 0


def test_the_patient_reads_their_own_record_in_full(api_as, demo):
    ali = api_as("patient")
    [me] = resources(read(ali, "Patient"))
    assert me["birthDate"] == "1985-03-21" and me["id"] == str(_patient().pk)
    outcome(get(ali, f"Patient/{_patient('patient2').pk}"), 404)
    assert read(ali, "Patient", {"identifier": DEMO["patient2"][0]})["total"] == 0


def test_a_doctor_sees_the_patients_of_their_visits_and_prescriptions_only(api_as, drug_rx):
    ali = _patient()
    karimi = api_as("cardiologist")
    outcome(get(karimi, f"Patient/{ali.pk}"), 404)
    assert read(karimi, "Patient", {"identifier": DEMO["patient"][0]})["total"] == 0
    # admitted to Dr Karimi: he sees Ali from then on
    doctor = Membership.objects.get(user__national_code=DEMO["cardiologist"][0])
    reception = Membership.objects.get(user__national_code=DEMO["reception"][0])
    services.visit_admit(actor=reception, national_code=ali.national_code, doctor_id=doctor.pk)
    assert read(karimi, f"Patient/{ali.pk}")["id"] == str(ali.pk)
    assert read(karimi, "Patient")["total"] == 1


def test_a_counter_sees_a_patient_only_with_an_open_order_of_its_kind(api_as, drug_rx):
    ali, maryam = _patient(), _patient("patient2")
    razi = api_as("pharmacy")
    assert read(razi, "Patient", {"identifier": DEMO["patient"][0]})["total"] == 1
    assert read(razi, "Patient", {"identifier": DEMO["patient2"][0]})["total"] == 0
    # by id only the patients it has served
    outcome(get(razi, f"Patient/{ali.pk}"), 404)
    outcome(get(razi, f"Patient/{maryam.pk}"), 404)
    assert read(razi, "Patient")["total"] == 0
    assert read(api_as("lab"), "Patient", {"identifier": DEMO["patient"][0]})["total"] == 0


def test_a_counter_reads_the_patients_it_served_by_id(api_as, drug_rx, served):
    ali = _patient()
    assert read(api_as("pharmacy"), f"Patient/{ali.pk}")["id"] == str(ali.pk)
    outcome(get(api_as("pharmacy2"), f"Patient/{ali.pk}"), 404)


def test_a_newborn_carries_its_unique_id_and_names_its_mother(api_as, demo):
    response = api_as("reception").post("/api/v1/patients", {
        "first_name": "نوزاد", "last_name": "حسینی", "birth_date": "2026-11-25", "sex": "F",
        "mother_national_code": DEMO["patient2"][0]}, format="json")
    assert response.status_code == 201, response.content
    baby = Patient.objects.get(mother__national_code=DEMO["patient2"][0])
    maryam = api_as("patient2")
    assert read(maryam, "Patient")["total"] == 2
    [found] = resources(read(maryam, "Patient",
                             {"identifier": f"{system('unique-id')}|{baby.unique_id}"}))
    assert found["identifier"] == [{"system": system("unique-id"), "value": baby.unique_id}]
    assert found["birthDate"] == "2026-11-25" and found["gender"] == "female"
    [contact] = found["contact"]
    assert contact["relationship"][0]["coding"][0]["code"] == "MTH"
    assert contact["name"] == {"text": "مریم حسینی"}
    assert read(maryam, "Patient", {"identifier": baby.unique_id})["total"] == 1


def test_coverage_of_a_visible_patient_with_its_share_and_payor(api_as, drug_rx):
    ali = _patient()
    doctor = api_as("doctor", "درمانگاه شفا")
    [cover] = resources(read(doctor, "Coverage", {"patient": f"Patient/{ali.pk}"}), "Coverage")
    row = Coverage.objects.get(patient=ali)
    assert cover["id"] == str(row.pk)
    assert cover["subscriberId"] == f"IHIO-GOV-{ali.national_code}"
    assert cover["beneficiary"]["reference"] == f"Patient/{ali.pk}"
    ihio = Facility.objects.get(siam_id="90000001")
    assert cover["payor"] == [{"reference": f"Organization/{ihio.pk}",
                               "display": "بیمه سلامت ایران"}]
    assert cover["class"][0]["value"] == "IHIO-GOV" and cover["order"] == 1
    assert cover["costToBeneficiary"][0]["valueQuantity"]["value"] == 30
    assert cover["period"] == {"start": "2020-01-01"}
    for value in (row.insurance_number, f"{system('insurance-number')}|{row.insurance_number}"):
        assert read(doctor, "Coverage", {"identifier": value})["total"] == 1
    assert read(doctor, "Coverage", {"beneficiary": str(ali.pk)})["total"] == 1
    assert read(doctor, f"Coverage/{row.pk}") == cover
    outcome(get(api_as("cardiologist"), f"Coverage/{row.pk}"), 404)
    assert read(api_as("patient2"), "Coverage", {"identifier": row.insurance_number})[
        "total"] == 0


def test_a_supplementary_cover_comes_second_and_names_an_insurer_without_an_office(api_as,
                                                                                  demo):
    covers = resources(read(api_as("patient2"), "Coverage"))
    assert [(c["class"][0]["value"], c["order"]) for c in covers] == [("SSO-GEN", 1),
                                                                      ("DANA-SUPP", 2)]
    assert covers[1]["payor"] == [{"identifier": {"system": system("insurer"),
                                                  "value": "DANA"},
                                   "display": "بیمه دانا (تکمیلی)"}]
    assert "costToBeneficiary" not in covers[1]


@pytest.mark.parametrize("who", ["reception", "reviewer", "patient", "pharmacy"])
def test_every_role_reads_the_directory_of_prescribers_and_facilities(api_as, demo, who):
    client = api_as(who)
    ahmadi = Practitioner.objects.get(council_number="110001")
    for value in ("110001", f"{system('council-number')}|110001"):
        [found] = resources(read(client, "Practitioner", {"identifier": value}))
    assert found["id"] == str(ahmadi.pk) and found["active"] is True
    assert found["name"] == [{"use": "official", "text": "سارا احمدی"}]
    assert found["qualification"][0]["code"]["coding"][0]["code"] == "gp"
    # the council's public record, never the prescriber's national code
    assert DEMO["doctor"][0] not in json.dumps(found)
    razi = Facility.objects.get(siam_id="20000001")
    [pharmacy] = resources(read(client, "Organization", {"identifier": "20000001"}))
    assert pharmacy == read(client, f"Organization/{razi.pk}")
    assert pharmacy["name"] == "داروخانه رازی"
    assert pharmacy["identifier"] == [{"system": system("siam-id"), "value": "20000001"}]
    assert pharmacy["type"][0]["coding"][0]["code"] == "prov"
    [insurer] = resources(read(client, "Organization", {"identifier": "90000001"}))
    assert insurer["type"][0]["coding"][0]["code"] == "ins"
    outcome(get(client, "Practitioner/999999"), 404)


def test_a_suspended_licence_is_an_inactive_practitioner(api_as, demo):
    Practitioner.objects.filter(council_number="110002").update(licence_status="suspended")
    [found] = resources(read(api_as("patient"), "Practitioner", {"identifier": "110002"}))
    assert found["active"] is False
