"""MedicationRequest (one per drug item) and ServiceRequest (lab, imaging, physio items):
read by id, searched by tracking code, seen by exactly whom the JSON API shows them."""

import pytest

from accounts.models import Membership, Patient
from tests.conftest import DEMO
from tests.fhir.conftest import get, outcome, read, resources, system


def _ali() -> Patient:
    return Patient.objects.get(national_code=DEMO["patient"][0])


def test_one_medication_request_per_drug_item_searched_by_tracking_code(api_as, drug_rx):
    doctor = api_as("doctor", "درمانگاه شفا")
    code = drug_rx["tracking_code"]
    for value in (code, code.lower(), f"{system('tracking-code')}|{code}"):
        bundle = read(doctor, "MedicationRequest", {"identifier": value})
        found = resources(bundle, "MedicationRequest")
        assert bundle["total"] == 2
        assert [r["id"] for r in found] == [str(item["id"]) for item in drug_rx["items"]]
    amox, para = found
    assert amox["identifier"] == [{"system": system("tracking-code"), "value": code}]
    assert amox["groupIdentifier"]["value"] == code
    assert (amox["status"], amox["intent"]) == ("active", "order")
    assert amox["medicationCodeableConcept"]["coding"][0] == {
        "system": system("catalog"), "code": "AMOX-500-CAP",
        "display": "Amoxicillin 500 mg capsule"}
    assert amox["subject"]["reference"] == f"Patient/{_ali().pk}"
    shafa = Membership.objects.get(pk=drug_rx["doctor"]["id"])
    assert amox["requester"]["reference"] == f"Practitioner/{shafa.practitioner_id}"
    [dosage] = amox["dosageInstruction"]
    assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 8, "periodUnit": "h",
                                          "when": ["PC"]}
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": 1, "unit": "کپسول"}
    assert dosage["patientInstruction"] == "با آب"
    assert amox["dispenseRequest"]["quantity"] == {"value": 30}
    assert amox["dispenseRequest"]["validityPeriod"]["end"] == drug_rx["valid_until"]
    assert amox["note"] == [{"text": "پس از یک هفته مراجعه شود"}]
    assert para["dosageInstruction"] == [{"text": "در صورت درد"}]
    # by id, the same resource
    assert read(doctor, f"MedicationRequest/{amox['id']}") == amox
    # a tracking code under another system, or another code, finds nothing
    for value in (f"{system('hid')}|{code}", "https://example.org/rx|" + code, "ZZZZZZZZZZ"):
        assert read(doctor, "MedicationRequest", {"identifier": value})["total"] == 0


def test_a_doctor_sees_only_what_they_prescribed(api_as, drug_rx):
    item = drug_rx["items"][0]["id"]
    karimi = api_as("cardiologist")
    outcome(get(karimi, f"MedicationRequest/{item}"), 404)
    assert read(karimi, "MedicationRequest", {"identifier": drug_rx["tracking_code"]})[
        "total"] == 0
    assert read(karimi, "MedicationRequest")["total"] == 0
    # Dr Ahmadi at her own office still sees what she wrote at Shafa, as the JSON API does
    office = api_as("doctor", "مطب دکتر احمدی")
    assert read(office, f"MedicationRequest/{item}")["id"] == str(item)


def test_a_patient_sees_only_their_own(api_as, drug_rx):
    item = drug_rx["items"][0]["id"]
    ali = api_as("patient")
    assert read(ali, f"MedicationRequest/{item}")["id"] == str(item)
    assert read(ali, "MedicationRequest")["total"] == 2
    maryam = api_as("patient2")
    outcome(get(maryam, f"MedicationRequest/{item}"), 404)
    assert read(maryam, "MedicationRequest")["total"] == 0
    assert read(maryam, "MedicationRequest", {"identifier": drug_rx["tracking_code"]})[
        "total"] == 0


def test_a_pharmacy_finds_open_orders_only_by_tracking_code_or_patient_code(api_as, drug_rx):
    razi = api_as("pharmacy")
    assert read(razi, "MedicationRequest", {"identifier": drug_rx["tracking_code"]})[
        "total"] == 2
    for value in (DEMO["patient"][0], f"{system('national-code')}|{DEMO['patient'][0]}"):
        assert read(razi, "MedicationRequest", {"patient.identifier": value})["total"] == 2
    assert read(razi, "MedicationRequest", {"patient.identifier": DEMO["patient2"][0]})[
        "total"] == 0
    # ids can be counted through: without the key a counter reads only its own work
    outcome(get(razi, f"MedicationRequest/{drug_rx['items'][0]['id']}"), 404)
    assert read(razi, "MedicationRequest")["total"] == 0
    assert read(razi, "MedicationRequest", {"patient": f"Patient/{_ali().pk}"})["total"] == 0


def test_a_pharmacy_reads_what_it_served_by_id_and_another_does_not(api_as, drug_rx, served):
    amox, para = (item["id"] for item in drug_rx["items"])
    razi = api_as("pharmacy")
    assert read(razi, f"MedicationRequest/{amox}")["status"] == "completed"
    assert read(razi, f"MedicationRequest/{para}")["status"] == "active"
    assert read(razi, "MedicationRequest", {"patient": f"Patient/{_ali().pk}"})["total"] == 2
    sina = api_as("pharmacy2")
    outcome(get(sina, f"MedicationRequest/{amox}"), 404)
    # still open (paracetamol remains): found by its tracking code, as at the counter
    assert read(sina, "MedicationRequest", {"identifier": drug_rx["tracking_code"]})[
        "total"] == 2


@pytest.mark.parametrize("who", ["lab", "imaging", "physio", "reception", "reviewer"])
def test_other_counters_and_roles_never_see_drug_orders(api_as, drug_rx, served, who):
    client = api_as(who)
    item = drug_rx["items"][0]["id"]
    response = get(client, f"MedicationRequest/{item}")
    if who in ("reception", "reviewer"):
        outcome(response, 403)
        return
    outcome(response, 404)
    assert read(client, "MedicationRequest", {"identifier": drug_rx["tracking_code"]})[
        "total"] == 0


def test_a_cancelled_prescription_is_cancelled_and_closed_to_counters(api_as, drug_rx):
    doctor = api_as("doctor", "درمانگاه شفا")
    code = drug_rx["tracking_code"]
    assert doctor.post(f"/api/v1/prescriptions/{code}/cancel").status_code == 200
    found = resources(read(doctor, "MedicationRequest", {"identifier": code}))
    assert {r["status"] for r in found} == {"cancelled"}
    assert read(api_as("pharmacy"), "MedicationRequest", {"identifier": code})["total"] == 0


def test_an_expired_prescription_is_stopped(api_as, drug_rx, settings):
    import time_machine

    with time_machine.travel("2027-03-01 10:00 +03:30"):
        doctor = api_as("doctor", "درمانگاه شفا")
        found = resources(read(doctor, "MedicationRequest",
                               {"identifier": drug_rx["tracking_code"]}))
        assert {r["status"] for r in found} == {"stopped"}


SERVICES = [("lab", "LAB-CBC", 1, "108252007"), ("imaging", "IMG-CXR", 1, "363679005"),
            ("physio", "PHY-SESSION", 10, "91251008")]


@pytest.mark.parametrize("kind,code,quantity,snomed", SERVICES)
def test_paraclinic_items_are_service_requests_for_their_own_counter(api_as, written, kind,
                                                                     code, quantity, snomed):
    rx = written([{"code": code, "quantity": quantity, "instructions": "ناشتا"}], kind=kind)
    counter = api_as(kind)
    bundle = read(counter, "ServiceRequest", {"identifier": rx["tracking_code"]})
    [order] = resources(bundle, "ServiceRequest")
    assert order["id"] == str(rx["items"][0]["id"])
    assert order["requisition"] == {"system": system("tracking-code"),
                                    "value": rx["tracking_code"]}
    assert order["category"][0]["coding"][0]["code"] == snomed
    assert order["code"]["coding"][0]["code"] == code
    assert order["quantityQuantity"] == {"value": quantity}
    assert (order["status"], order["patientInstruction"]) == ("active", "ناشتا")
    doctor = api_as("doctor", "درمانگاه شفا")
    assert read(doctor, f"ServiceRequest/{order['id']}") == order
    # not a medication, and no other counter's
    assert read(doctor, "MedicationRequest", {"identifier": rx["tracking_code"]})["total"] == 0
    outcome(get(doctor, f"MedicationRequest/{order['id']}"), 404)
    for other in {"lab", "imaging", "physio", "pharmacy"} - {kind}:
        assert read(api_as(other), "ServiceRequest",
                    {"identifier": rx["tracking_code"]})["total"] == 0


def test_a_drug_item_is_not_a_service_request(api_as, drug_rx):
    doctor = api_as("doctor", "درمانگاه شفا")
    outcome(get(doctor, f"ServiceRequest/{drug_rx['items'][0]['id']}"), 404)
    assert read(doctor, "ServiceRequest")["total"] == 0


def test_a_part_served_physio_order_stays_active_until_every_session_is_done(api_as, written):
    rx = written([{"code": "PHY-SESSION", "quantity": 10}], kind="physio")
    physio = api_as("physio")
    item = rx["items"][0]["id"]
    record = f"/api/v1/prescriptions/{rx['tracking_code']}/results"
    assert physio.post(record, {"item": item, "result": {"sessions_done": 4}},
                       format="json").status_code == 201
    assert read(physio, f"ServiceRequest/{item}")["status"] == "active"
    assert physio.post(record, {"item": item, "result": {"sessions_done": 10}},
                       format="json").status_code == 201
    assert read(physio, f"ServiceRequest/{item}")["status"] == "completed"


def test_a_mothers_code_finds_her_newborns_orders_at_the_counter(api_as, written, demo):
    reception = api_as("reception")
    response = reception.post("/api/v1/patients", {
        "first_name": "نوزاد", "last_name": "حسینی", "birth_date": "2026-11-25", "sex": "F",
        "mother_national_code": DEMO["patient2"][0]}, format="json")
    assert response.status_code == 201, response.content
    baby = Patient.objects.get(mother__national_code=DEMO["patient2"][0])
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}], who="patient2")
    shafa = Membership.objects.get(pk=rx["doctor"]["id"])
    from prescriptions import services

    visit = services.visit_admit(actor=Membership.objects.get(user__national_code=DEMO[
        "reception"][0]), national_code=baby.unique_id, doctor_id=shafa.pk).visit
    services.prescription_create(doctor=shafa, visit=visit, kind="drug",
                                 items=[{"code": "AMOX-500-CAP", "quantity": 5}])
    razi = api_as("pharmacy")
    found = resources(read(razi, "MedicationRequest",
                           {"patient.identifier": DEMO["patient2"][0]}))
    assert {r["subject"]["reference"] for r in found} == {
        f"Patient/{baby.mother_id}", f"Patient/{baby.pk}"}
    # and the baby's own unique id finds the baby's alone
    found = resources(read(razi, "MedicationRequest",
                           {"patient.identifier": f"{system('unique-id')}|{baby.unique_id}"}))
    assert [r["subject"]["reference"] for r in found] == [f"Patient/{baby.pk}"]
    # under a system it is not, the code finds nothing
    assert read(razi, "MedicationRequest", {
        "patient.identifier": f"{system('national-code')}|{baby.unique_id}"})["total"] == 0
