"""Claim: a facility's own claims on insurers, amounts in Rials, under the patient's cover."""

import pytest

from accounts.models import Facility, Patient
from claims.models import Claim, Coverage
from prescriptions.models import Prescription
from tests.conftest import DEMO
from tests.fhir.conftest import dispense, get, outcome, read, resources, system
from tests.pharmacy.conftest import uid


def test_a_dispense_claim_in_rials_under_the_patients_cover(api_as, drug_rx, served):
    claim = Claim.objects.get()
    razi = api_as("pharmacy")
    for value in (claim.hid, f"{system('hid')}|{claim.hid}", drug_rx["tracking_code"],
                  f"{system('tracking-code')}|{drug_rx['tracking_code']}"):
        [found] = resources(read(razi, "Claim", {"identifier": value}), "Claim")
    assert found["id"] == str(claim.pk)
    assert {"system": system("hid"), "value": claim.hid} in found["identifier"]
    assert found["type"]["coding"][0]["code"] == "pharmacy"
    assert (found["status"], found["use"]) == ("active", "claim")
    ali = Patient.objects.get(national_code=DEMO["patient"][0])
    assert found["patient"]["reference"] == f"Patient/{ali.pk}"
    assert found["provider"]["reference"] == (
        f"Organization/{Facility.objects.get(name='داروخانه رازی').pk}")
    assert found["insurer"]["reference"] == (
        f"Organization/{Facility.objects.get(siam_id='90000001').pk}")
    assert found["insurance"] == [{"sequence": 1, "focal": True, "coverage": {
        "reference": f"Coverage/{Coverage.objects.get(patient=ali).pk}",
        "display": "کارکنان دولت"}}]
    assert found["total"] == {"value": 750000, "currency": "IRR"}
    assert [(i["quantity"]["value"], i["unitPrice"], i["net"]) for i in found["item"]] == [
        (20, {"value": 25000, "currency": "IRR"}, {"value": 500000, "currency": "IRR"}),
        (10, {"value": 25000, "currency": "IRR"}, {"value": 250000, "currency": "IRR"})]
    assert found["item"][0]["productOrService"]["coding"][0]["code"] == "AMOX-500-CAP"
    assert found["billablePeriod"]["start"] == claim.service_date.isoformat()
    assert read(razi, f"Claim/{claim.pk}") == found
    assert read(razi, "Claim", {"patient": f"Patient/{ali.pk}"})["total"] == 1
    assert read(razi, "Claim", {"identifier": f"{system('ttac-uid')}|{claim.hid}"})[
        "total"] == 0


def test_a_supplementary_claim_has_its_own_cover(api_as, written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}], who="patient2")
    dispense(api_as("pharmacy"), rx, [{"item": rx["items"][0]["id"], "quantity": 10,
                                       "uid": uid(400)}])
    found = resources(read(api_as("pharmacy"), "Claim", {"identifier": rx["tracking_code"]}))
    assert len(found) == 2
    covers = {c["insurance"][0]["coverage"]["display"] for c in found}
    assert covers == {"بیمه‌شدگان عام", "تکمیلی دانا"}
    dana = next(c for c in found if c["insurance"][0]["coverage"]["display"] == "تکمیلی دانا")
    assert dana["insurer"] == {"identifier": {"system": system("insurer"), "value": "DANA"},
                               "display": "بیمه دانا (تکمیلی)"}


def test_another_facilitys_claims_are_not_found(api_as, drug_rx, served):
    claim = Claim.objects.get()
    for who in ("pharmacy2", "lab"):
        client = api_as(who)
        outcome(get(client, f"Claim/{claim.pk}"), 404)
        assert read(client, "Claim", {"identifier": claim.hid})["total"] == 0
        assert read(client, "Claim")["total"] == 0
    # the prescribing clinic claims its own visits, not the pharmacy's dispense
    assert read(api_as("doctor", "درمانگاه شفا"), "Claim")["total"] == 0


@pytest.mark.parametrize("who", ["reviewer", "reception", "patient"])
def test_roles_that_do_not_claim_are_refused(api_as, drug_rx, served, who):
    client = api_as(who)
    outcome(get(client, "Claim"), 403)
    outcome(get(client, f"Claim/{Claim.objects.get().pk}"), 403)


def test_a_completed_visit_is_the_clinics_professional_claim(api_as, written):
    rx = written([{"code": "SRV-INJECTION", "quantity": 1}], kind="service")
    doctor = api_as("doctor", "درمانگاه شفا")
    visit = Prescription.objects.get(tracking_code=rx["tracking_code"]).visit_id
    assert doctor.post(f"/api/v1/visits/{visit}/complete").status_code == 200
    [found] = resources(read(doctor, "Claim"), "Claim")
    assert found["type"]["coding"][0]["code"] == "professional"
    assert found["provider"]["display"] == "درمانگاه شفا"
    codes = [i["productOrService"]["coding"][0]["code"] for i in found["item"]]
    assert "SRV-INJECTION" in codes
    assert found["total"]["value"] == Claim.objects.get().total
    assert read(api_as("pharmacy"), "Claim")["total"] == 0
