"""MedicationDispense: one per pack (or part-pack) given, with its TTAC code, found by the
MedicationRequest it served; seen by the pharmacy that gave it and the patient only."""

import pytest

from accounts.models import Facility, Patient
from pharmacy.models import Dispense
from tests.conftest import DEMO
from tests.fhir.conftest import get, outcome, read, resources, system
from tests.pharmacy.conftest import uid


def test_each_pack_given_is_a_dispense_with_its_pack_code(api_as, drug_rx, served):
    razi = api_as("pharmacy")
    amox = drug_rx["items"][0]["id"]
    hid = Dispense.objects.get().hid
    for reference in (f"MedicationRequest/{amox}", str(amox)):
        bundle = read(razi, "MedicationDispense", {"prescription": reference})
        found = resources(bundle, "MedicationDispense")
        assert bundle["total"] == 2
    assert [d["quantity"] for d in found] == [{"value": 20}, {"value": 10}]
    assert [d["identifier"] for d in found] == [
        [{"system": system("ttac-uid"), "value": uid(n)}, {"system": system("hid"), "value": hid}]
        for n in (101, 102)]
    first = found[0]
    assert first["status"] == "completed"
    assert first["authorizingPrescription"] == [{"reference": f"MedicationRequest/{amox}"}]
    assert first["performer"][0]["actor"]["reference"] == (
        f"Organization/{Facility.objects.get(name='داروخانه رازی').pk}")
    assert first["subject"]["reference"] == (
        f"Patient/{Patient.objects.get(national_code=DEMO['patient'][0]).pk}")
    assert first["medicationCodeableConcept"]["coding"][0]["code"] == "AMOX-500-CAP"
    assert "whenHandedOver" in first
    assert read(razi, f"MedicationDispense/{first['id']}") == first
    # the paracetamol was not given
    para = drug_rx["items"][1]["id"]
    assert read(razi, "MedicationDispense", {"prescription": f"MedicationRequest/{para}"})[
        "total"] == 0


def test_dispenses_are_found_by_pack_code_or_hid(api_as, drug_rx, served):
    razi = api_as("pharmacy")
    hid = Dispense.objects.get().hid
    for value, total in [(uid(101), 1), (f"{system('ttac-uid')}|{uid(102)}", 1),
                         (hid, 2), (f"{system('hid')}|{hid}", 2),
                         (f"{system('hid')}|{uid(101)}", 0), (uid(999), 0)]:
        assert read(razi, "MedicationDispense", {"identifier": value})["total"] == total, value


def test_only_the_dispensing_pharmacy_and_the_patient_see_a_dispense(api_as, drug_rx, served):
    amox = drug_rx["items"][0]["id"]
    line = Dispense.objects.get().lines.first().pk
    by_order = {"prescription": f"MedicationRequest/{amox}"}
    assert read(api_as("patient"), "MedicationDispense", by_order)["total"] == 2
    assert read(api_as("patient"), f"MedicationDispense/{line}")["id"] == str(line)
    for who in ("pharmacy2", "patient2", "lab"):
        client = api_as(who)
        assert read(client, "MedicationDispense", by_order)["total"] == 0
        assert read(client, "MedicationDispense", {"identifier": uid(101)})["total"] == 0
        outcome(get(client, f"MedicationDispense/{line}"), 404)


@pytest.mark.parametrize("who", ["doctor", "cardiologist", "reception", "reviewer"])
def test_prescribers_and_others_are_refused_dispense_records(api_as, drug_rx, served, who):
    client = api_as(who, "درمانگاه شفا" if who == "doctor" else None)
    outcome(get(client, "MedicationDispense"), 403)


def test_paraclinic_services_are_not_medication_dispenses(api_as, written):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    lab = api_as("lab")
    assert lab.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                    {"lines": [{"item": rx["items"][0]["id"], "quantity": 1}]},
                    format="json").status_code == 201
    assert read(lab, "MedicationDispense")["total"] == 0
