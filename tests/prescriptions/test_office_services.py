"""Doctors' in-office services (seed 001 step 5: the fifth tab): registered in the visit,
performed and claimed when the visit is confirmed."""

from claims.models import Claim, ClaimLine
from prescriptions.models import Prescription
from tests.prescriptions.conftest import drug


def test_services_are_performed_and_claimed_when_the_visit_is_confirmed(admit, prescribe,
                                                                       doctor):
    visit = admit("patient")
    response = prescribe(visit, [drug("SRV-INJECTION", 1), drug("SRV-ECG", 1)], kind="service")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "service" and body["status"] == "active"
    # 150000 + 600000 at 30 %: insurer 525000
    assert body["totals"] == {"total": 750000, "insurer_share": 525000, "supplementary_share": 0,
                              "patient_share": 225000}
    assert not Claim.objects.exists()
    assert doctor.post(f"/api/v1/visits/{visit['id']}/complete").status_code == 200
    rx = Prescription.objects.get(tracking_code=body["tracking_code"])
    assert rx.status == "dispensed"
    assert [(i.code, i.dispensed_quantity) for i in rx.items.all()] == [
        ("SRV-INJECTION", 1), ("SRV-ECG", 1)]
    # one claim for the visit event: the visit itself and its services
    claim = Claim.objects.get()
    assert claim.hid == visit["hid"] and claim.visit_id == visit["id"]
    assert [(c.code, c.insurer_share) for c in claim.lines.all()] == [
        ("VISIT-GP", 1050000), ("SRV-INJECTION", 105000), ("SRV-ECG", 420000)]
    # confirming twice claims nothing twice
    assert doctor.post(f"/api/v1/visits/{visit['id']}/complete").status_code == 200
    assert ClaimLine.objects.count() == 3


def test_a_cancelled_service_is_not_claimed(admit, prescribe, doctor):
    visit = admit("patient")
    body = prescribe(visit, [drug("SRV-DRESSING", 1)], kind="service").json()
    doctor.post(f"/api/v1/prescriptions/{body['tracking_code']}/cancel")
    doctor.post(f"/api/v1/visits/{visit['id']}/complete")
    assert not ClaimLine.objects.filter(code="SRV-DRESSING").exists()


def test_a_drug_code_is_not_a_service(admit, prescribe):
    response = prescribe(admit("patient"), [drug("PARA-500-TAB", 1)], kind="service")
    assert response.status_code == 400


def test_no_counter_sees_office_services(admit, prescribe, api_as):
    from tests.conftest import DEMO

    prescribe(admit("patient"), [drug("SRV-SUTURE", 1)], kind="service")
    for who in ("pharmacy", "lab", "imaging", "physio"):
        found = api_as(who).get("/api/v1/prescriptions", {"national_code": DEMO["patient"][0]})
        assert found.json() == [], who


def test_the_visit_page_has_the_services_tab(admit, page_as):
    visit = admit("patient")
    page = page_as("doctor", "درمانگاه شفا").get(f"/doctor/visits/{visit['id']}/").content
    assert "خدمات پزشک" in page.decode() and 'data-kind="service"' in page.decode()
