"""Paraclinic results, lookup visibility, newborns, bounded lookup queries."""

import pytest

from claims.models import ClaimLine
from prescriptions.models import Prescription
from tests.conftest import DEMO

CBC = {"components": [
    {"name": "WBC", "value": 11.2, "unit": "10^3/µL", "reference_range": "4-10"},
    {"name": "Hb", "value": 13.5, "unit": "g/dL", "reference_range": "12-16"},
    {"name": "PLT", "value": 120, "unit": "10^3/µL", "reference_range": "150-450"},
]}


def record(client, rx, item, result):
    return client.post(f"/api/v1/prescriptions/{rx['tracking_code']}/results",
                       {"item": item, "result": result}, format="json")


def test_lab_records_a_cbc_seen_by_doctor_and_patient_not_pharmacy(api_as, written):
    rx = written([{"code": "LAB-CBC", "quantity": 1}], kind="lab")
    item = rx["items"][0]["id"]
    lab = api_as("lab")
    response = record(lab, rx, item, CBC)
    assert response.status_code == 201, response.content
    components = response.json()["result"]["components"]
    assert [c["flag"] for c in components] == ["high", "normal", "low"]
    assert response.json()["dispensed_quantity"] == 1
    # performed: the order is done and claimed for the lab
    assert Prescription.objects.get().status == "dispensed"
    line = ClaimLine.objects.get(claim__tracking_code=rx["tracking_code"])
    assert (line.claim.facility.name, line.code, line.total) == (
        "آزمایشگاه پاستور", "LAB-CBC", 150000)
    # the prescribing doctor and the patient read it
    for who, facility in [("doctor", "درمانگاه شفا"), ("patient", None)]:
        body = api_as(who, facility).get(f"/api/v1/prescriptions/{rx['tracking_code']}").json()
        assert body["items"][0]["result"]["components"][0]["name"] == "WBC"
    assert api_as("pharmacy").get(f"/api/v1/prescriptions/{rx['tracking_code']}"
                                  ).status_code == 404
    assert api_as("patient2").get(f"/api/v1/prescriptions/{rx['tracking_code']}"
                                  ).status_code == 404


def test_single_value_lab_result_gets_a_flag(api_as, written):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    body = record(api_as("lab"), rx, rx["items"][0]["id"],
                  {"value": 132, "unit": "mg/dL", "reference_range": "70-100"}).json()
    assert body["result"]["flag"] == "high" and body["result"]["unit"] == "mg/dL"


def test_imaging_report(api_as, written):
    rx = written([{"code": "IMG-CXR", "quantity": 1}], kind="imaging")
    body = record(api_as("imaging"), rx, rx["items"][0]["id"],
                  {"report": "ریه‌ها پاک است. سایه قلب طبیعی."}).json()
    assert body["result"]["report"].startswith("ریه‌ها")


def test_physio_sessions_done_against_ordered(api_as, written):
    rx = written([{"code": "PHY-SESSION", "quantity": 10}], kind="physio")
    physio = api_as("physio")
    item = rx["items"][0]["id"]
    body = record(physio, rx, item, {"sessions_done": 4}).json()
    assert body["dispensed_quantity"] == 4 and body["result"]["sessions_ordered"] == 10
    assert Prescription.objects.get().status == "partially_dispensed"
    assert record(physio, rx, item, {"sessions_done": 3}).status_code == 400  # backwards
    assert record(physio, rx, item, {"sessions_done": 11}).status_code == 400
    assert record(physio, rx, item, {"sessions_done": 10}).json()["dispensed_quantity"] == 10
    assert ClaimLine.objects.filter(code="PHY-SESSION").count() == 2


@pytest.mark.parametrize("result", [None, "text", [], {}, {"value": None}, {"value": True},
                                    {"value": 5, "flag": "weird"}, {"components": []},
                                    {"components": "x"}])
def test_bad_lab_results_are_400(api_as, written, result):
    rx = written([{"code": "LAB-CBC", "quantity": 1}], kind="lab")
    response = record(api_as("lab"), rx, rx["items"][0]["id"], result)
    assert response.status_code == 400
    assert Prescription.objects.get().status == "active"


def test_pharmacy_cannot_record_results(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 10}])
    assert record(api_as("pharmacy"), rx, rx["items"][0]["id"], {"value": 1}).status_code == 403


def test_lab_cannot_record_on_imaging_orders(api_as, written):
    rx = written([{"code": "IMG-CXR", "quantity": 1}], kind="imaging")
    assert record(api_as("lab"), rx, rx["items"][0]["id"], {"value": 1}).status_code == 404


def test_one_pharmacy_cannot_read_anothers_dispense_record(api_as, written, page_as):
    from pharmacy.models import Dispense

    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    api_as("pharmacy").post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                            {"lines": [{"item": rx["items"][0]["id"], "quantity": 5,
                                        "uid": "6260000000000055"}]}, format="json")
    dispense = Dispense.objects.get()
    assert page_as("pharmacy").get(f"/fulfil/dispenses/{dispense.pk}/").status_code == 200
    assert page_as("pharmacy2").get(f"/fulfil/dispenses/{dispense.pk}/").status_code == 404


def test_mother_code_finds_newborn_prescriptions_marked(api_as, written, demo):
    reception = api_as("reception")
    response = reception.post("/api/v1/patients", {
        "national_code": DEMO["patient2"][0], "mother_national_code": DEMO["patient2"][0],
        "first_name": "نوزاد", "last_name": "حسینی", "birth_date": "2026-11-10", "sex": "F"},
        format="json")
    assert response.status_code == 201
    from accounts.models import Patient
    from prescriptions import services
    from tests.conftest import membership_of

    newborn = Patient.objects.get(mother__national_code=DEMO["patient2"][0])
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    from prescriptions.models import Visit

    visit = Visit.objects.create(hid="55555555555555", facility=doctor.facility, doctor=doctor,
                                 patient=newborn)
    services.prescription_create(doctor=doctor, visit=visit, kind="drug",
                                 items=[{"code": "PARA-500-TAB", "quantity": 2}])
    mother_rx = written([{"code": "AMOX-500-CAP", "quantity": 10}], who="patient2")
    found = api_as("pharmacy").get("/api/v1/prescriptions",
                                   {"national_code": DEMO["patient2"][0]}).json()
    marks = {p["tracking_code"]: p["patient"]["newborn_of"] for p in found}
    assert marks[mother_rx["tracking_code"]] is None
    assert DEMO["patient2"][0] in marks.values()
    assert len(found) == 2
    # the mother sees her newborn's prescription on her own account
    assert len(api_as("patient2").get("/api/v1/prescriptions").json()) == 2


def test_lookup_queries_are_the_same_for_1_and_20(api_as, written,
                                                  django_assert_max_num_queries):
    written([{"code": "AMOX-500-CAP", "quantity": 10}, {"code": "PARA-500-TAB", "quantity": 5}])
    pharmacy = api_as("pharmacy")
    params = {"national_code": DEMO["patient"][0]}
    with django_assert_max_num_queries(12) as one:
        assert len(pharmacy.get("/api/v1/prescriptions", params).json()) == 1
    baseline = len(one.captured_queries)
    for _ in range(19):
        written([{"code": "AMOX-500-CAP", "quantity": 10}, {"code": "PARA-500-TAB", "quantity": 5}])
    with django_assert_max_num_queries(baseline):
        assert len(pharmacy.get("/api/v1/prescriptions", params).json()) == 20


def test_lookup_page_queries_are_the_same_for_1_and_20(written, page_as,
                                                       django_assert_max_num_queries):
    written([{"code": "AMOX-500-CAP", "quantity": 10}, {"code": "PARA-500-TAB", "quantity": 5}])
    client = page_as("pharmacy")
    with django_assert_max_num_queries(20) as one:
        html = client.get("/fulfil/", {"q": DEMO["patient"][0]}).content.decode()
    assert html.count('data-testid="open-prescription"') == 1
    baseline = len(one.captured_queries)
    for _ in range(19):
        written([{"code": "AMOX-500-CAP", "quantity": 10}, {"code": "PARA-500-TAB", "quantity": 5}])
    with django_assert_max_num_queries(baseline):
        html = client.get("/fulfil/", {"q": DEMO["patient"][0]}).content.decode()
    assert html.count('data-testid="open-prescription"') == 20


def test_doctor_and_patient_pages_show_the_cbc(api_as, written, page_as):
    from prescriptions.models import Visit

    rx = written([{"code": "LAB-CBC", "quantity": 1}], kind="lab")
    record(api_as("lab"), rx, rx["items"][0]["id"], CBC)
    visit = Visit.objects.get()
    doctor_html = page_as("doctor", "درمانگاه شفا").get(f"/doctor/visits/{visit.pk}/"
                                                        ).content.decode()
    patient_html = page_as("patient").get("/patient/").content.decode()
    for html in (doctor_html, patient_html):
        assert "WBC" in html and "۱۱.۲" in html and "بالا" in html


# ---- coded results (seed 002 §9-2-8): LOINC, UCUM, ranges by sex and age ----

def test_a_lab_item_carries_its_loinc_and_the_range_for_the_patient(api_as, written):
    rx = written([{"code": "LAB-CBC", "quantity": 1}], kind="lab")
    assert rx["items"][0]["loinc"] == "58410-2"
    # the demo patient is a man: his haemoglobin range, not a woman's
    body = record(api_as("lab"), rx, rx["items"][0]["id"], {"components": [
        {"name": "WBC", "value": 6, "unit": "10*3/uL"},
        {"name": "Hb", "value": 13, "unit": "g/dL"}]}).json()
    wbc, hb = body["result"]["components"]
    assert (wbc["loinc"], wbc["reference_range"], wbc["flag"]) == ("6690-2", "4-10", "normal")
    assert (hb["loinc"], hb["reference_range"], hb["flag"]) == ("718-7", "13.5-17.5", "low")
    assert body["result"]["loinc"] == "58410-2"


@pytest.mark.parametrize("unit, problem", [
    ("mg/dk", "UCUM"), ("mmol/L", "mg/dL"), ("milligrams", "UCUM"), ("mg//dL", "UCUM")])
def test_a_unit_that_is_not_ucum_for_the_test_is_a_clear_400(api_as, written, unit, problem):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    response = record(api_as("lab"), rx, rx["items"][0]["id"], {"value": 95, "unit": unit})
    assert response.status_code == 400 and problem in response.json()["detail"]
    assert Prescription.objects.get().status == "active"  # nothing half written


@pytest.mark.parametrize("sent", [{}, {"unit": "mg/dl"}, {"unit": " mg/dL "}])
def test_a_value_without_a_unit_or_in_another_spelling_takes_the_tests_own(
        api_as, written, sent):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    body = record(api_as("lab"), rx, rx["items"][0]["id"], {"value": 65, **sent}).json()
    assert (body["result"]["unit"], body["result"]["reference_range"],
            body["result"]["flag"]) == ("mg/dL", "70-100", "low")


@pytest.mark.parametrize("uid", ["1.2.03", "abc", "1." + "1" * 70, 12])
def test_a_bad_dicom_study_uid_is_a_clear_400(api_as, written, uid):
    rx = written([{"code": "IMG-CXR", "quantity": 1}], kind="imaging")
    response = record(api_as("imaging"), rx, rx["items"][0]["id"],
                      {"findings": "طبیعی", "study_uid": uid})
    assert response.status_code == 400 and "DICOM" in response.json()["detail"]


def test_ucum_and_loinc_checks():
    from prescriptions.results_spec import is_ucum, loinc_ok, ucum_normalize

    for unit in ("mg/dL", "10*3/uL", "mmol/L", "%", "g/L", "[IU]/L", "mL/min/{1.73_m2}",
                 "fL", "mm[Hg]", "{cells}/uL", "ug/mL"):
        assert is_ucum(unit), unit
    for unit in ("mg/dk", "grams", "mg//dL", "", "(mg)/dL"):
        assert not is_ucum(unit), unit
    assert ucum_normalize("10^3/µL") == "10*3/uL" and ucum_normalize(" mcg/mL ") == "ug/mL"
    assert all(loinc_ok(c) for c in ("58410-2", "1558-6", "718-7", "777-3", "6690-2"))
    assert not any(loinc_ok(c) for c in ("58410-3", "1558", "x-1", "1558-66"))
