"""Paraclinic results: a lab value or panel is an Observation and a DiagnosticReport, an
imaging report a DiagnosticReport, physio sessions an Observation; read by whoever reads the
prescription, and by nobody else."""

import pytest

from tests.fhir.conftest import get, outcome, read, record_result, resources, system
from tests.pharmacy.test_results_and_lookup import CBC

L, N, H = ("L", "Low"), ("N", "Normal"), ("H", "High")


def _flag(entry):
    coding = entry["interpretation"][0]["coding"][0]
    assert coding["system"] == ("http://terminology.hl7.org/CodeSystem/"
                                "v3-ObservationInterpretation")
    return coding["code"], coding["display"]


def test_a_blood_count_is_an_observation_with_components_and_a_report(api_as, written):
    rx = written([{"code": "LAB-CBC", "quantity": 1}], kind="lab")
    item = str(rx["items"][0]["id"])
    record_result(api_as("lab"), rx, {**CBC, "note": "نمونه همولیز نشده"})
    doctor = api_as("doctor", "درمانگاه شفا")
    [observation] = resources(read(doctor, "Observation",
                                   {"identifier": rx["tracking_code"]}), "Observation")
    assert observation["id"] == item and observation["status"] == "final"
    assert observation["basedOn"] == [{"reference": f"ServiceRequest/{item}"}]
    assert observation["category"][0]["coding"][0]["code"] == "laboratory"
    assert observation["code"]["coding"] == [
        {"system": system("catalog"), "code": "LAB-CBC", "display": "Complete blood count"},
        {"system": "http://loinc.org", "code": "58410-2", "display": "Complete blood count"}]
    wbc, hb, plt = observation["component"]
    assert wbc["code"] == {"text": "WBC",
                           "coding": [{"system": "http://loinc.org", "code": "6690-2"}]}
    # typed as "10^3/µL", kept in UCUM
    assert wbc["valueQuantity"] == {"value": 11.2, "unit": "10*3/uL",
                                    "system": "http://unitsofmeasure.org", "code": "10*3/uL"}
    assert wbc["referenceRange"] == [{"low": {"value": 4, "unit": "10*3/uL"},
                                      "high": {"value": 10, "unit": "10*3/uL"},
                                      "text": "4-10"}]
    assert [_flag(c) for c in (wbc, hb, plt)] == [H, N, L]
    assert observation["performer"] == [{"display": "آزمایشگاه پاستور"}]
    assert observation["note"] == [{"text": "نمونه همولیز نشده"}]
    assert observation["effectiveDateTime"] == observation["issued"]
    [report] = resources(read(doctor, "DiagnosticReport", {"based-on": f"ServiceRequest/{item}"}))
    assert report["id"] == item and report["result"] == [{"reference": f"Observation/{item}"}]
    assert report["category"][0]["coding"][0]["code"] == "LAB"
    assert read(doctor, f"Observation/{item}") == observation
    assert read(doctor, f"DiagnosticReport/{item}") == report


def test_a_single_lab_value_carries_its_range_and_flag(api_as, written):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    record_result(api_as("lab"), rx, {"value": "۱۳۲", "unit": "mg/dL",
                                      "reference_range": "70-100"})
    observation = read(api_as("patient"), f"Observation/{rx['items'][0]['id']}")
    assert observation["valueQuantity"] == {"value": 132, "unit": "mg/dL", "code": "mg/dL",
                                            "system": "http://unitsofmeasure.org"}
    assert {"system": "http://loinc.org", "code": "1558-6",
            "display": "Fasting blood sugar"} in observation["code"]["coding"]
    assert observation["referenceRange"][0]["high"] == {"value": 100, "unit": "mg/dL"}
    assert _flag(observation) == H
    assert "component" not in observation


def test_a_worded_lab_value_is_a_string(api_as, written):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    record_result(api_as("lab"), rx, {"value": "منفی", "reference_range": "NaN-Infinity"})
    observation = read(api_as("patient"), f"Observation/{rx['items'][0]['id']}")
    assert observation["valueString"] == "منفی"
    assert observation["referenceRange"] == [{"text": "NaN-Infinity"}]


def test_an_imaging_report_is_a_diagnostic_report_only(api_as, written):
    rx = written([{"code": "IMG-CXR", "quantity": 1}], kind="imaging")
    record_result(api_as("imaging"), rx, {"report": "ریه‌ها پاک است. سایه قلب طبیعی."})
    doctor = api_as("doctor", "درمانگاه شفا")
    [report] = resources(read(doctor, "DiagnosticReport", {"identifier": rx["tracking_code"]}))
    assert report["conclusion"] == "ریه‌ها پاک است. سایه قلب طبیعی."
    assert report["category"][0]["coding"][0]["code"] == "RAD" and "result" not in report
    assert read(doctor, "Observation", {"identifier": rx["tracking_code"]})["total"] == 0


def test_physio_sessions_done_are_an_observation(api_as, written):
    rx = written([{"code": "PHY-SESSION", "quantity": 10}], kind="physio")
    physio = api_as("physio")
    record_result(physio, rx, {"sessions_done": 4})
    observation = read(physio, f"Observation/{rx['items'][0]['id']}")
    assert observation["category"][0]["coding"][0]["code"] == "therapy"
    assert observation["valueQuantity"] == {"value": 4, "unit": "جلسه"}
    assert observation["component"][0]["valueQuantity"] == {"value": 10, "unit": "جلسه"}
    assert read(physio, "DiagnosticReport", {"identifier": rx["tracking_code"]})["total"] == 0


def test_an_order_without_a_result_has_no_observation(api_as, written):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    doctor = api_as("doctor", "درمانگاه شفا")
    assert read(doctor, "Observation", {"identifier": rx["tracking_code"]})["total"] == 0
    outcome(get(doctor, f"Observation/{rx['items'][0]['id']}"), 404)
    outcome(get(doctor, f"DiagnosticReport/{rx['items'][0]['id']}"), 404)


@pytest.mark.parametrize("who", ["pharmacy", "imaging", "physio", "patient2", "cardiologist"])
def test_results_are_hidden_from_everyone_who_cannot_read_the_prescription(api_as, written,
                                                                           who):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    record_result(api_as("lab"), rx, {"value": 99})
    client = api_as(who)
    item = rx["items"][0]["id"]
    for resource_type in ("Observation", "DiagnosticReport"):
        outcome(get(client, f"{resource_type}/{item}"), 404)
        assert read(client, resource_type, {"identifier": rx["tracking_code"]})["total"] == 0
        assert read(client, resource_type)["total"] == 0


def test_an_imaging_report_in_findings_and_impression_with_its_study(api_as, written):
    rx = written([{"code": "IMG-CXR", "quantity": 1}], kind="imaging")
    record_result(api_as("imaging"), rx, {
        "findings": "ریه‌ها پاک است.", "impression": "طبیعی",
        "study_uid": "1.2.840.113619.2.55.3.604688119"})
    [report] = resources(read(api_as("doctor", "درمانگاه شفا"), "DiagnosticReport",
                              {"identifier": rx["tracking_code"]}))
    assert report["conclusion"] == "طبیعی"
    assert {"system": "urn:dicom:uid", "value": "urn:oid:1.2.840.113619.2.55.3.604688119"} \
        in report["identifier"]
    assert report["presentedForm"][0]["title"] == "یافته‌ها"
