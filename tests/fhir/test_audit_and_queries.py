"""Every FHIR read of patient data lands in the access log like the JSON API's reads, and a
search Bundle runs a fixed number of queries however many rows it holds."""

import pytest

from accounts.models import AccessLog, Patient
from claims.models import Claim, Coverage
from pharmacy.models import DispenseLine
from tests.conftest import DEMO
from tests.fhir.conftest import dispense, get, read, record_result
from tests.pharmacy.conftest import uid


def _new_rows(before: int) -> list[AccessLog]:
    return list(AccessLog.objects.order_by("id")[before:])


@pytest.fixture
def world(api_as, drug_rx, served, written):
    lab_rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    record_result(api_as("lab"), lab_rx, {"value": 99, "unit": "mg/dL"})
    ali = Patient.objects.get(national_code=DEMO["patient"][0])
    return {"ali": ali, "rx": drug_rx, "lab_rx": lab_rx, "item": drug_rx["items"][0]["id"],
            "lab_item": lab_rx["items"][0]["id"], "line": DispenseLine.objects.first().pk,
            "claim": Claim.objects.get(facility__name="داروخانه رازی").pk,
            "coverage": Coverage.objects.get(patient=ali).pk}


READS = [
    # who, path, params, action, target
    ("doctor", "Patient/{ali}", None, "patient.read", "fhir:Patient/{ali}"),
    ("doctor", "Patient", {"identifier": DEMO["patient"][0]}, "patient.read",
     DEMO["patient"][0]),
    ("doctor", "Coverage/{coverage}", None, "patient.read", "fhir:Coverage/{coverage}"),
    ("doctor", "MedicationRequest/{item}", None, "prescription.read", "{code}"),
    ("doctor", "MedicationRequest", {"identifier": "{code}"}, "prescription.list", "{code}"),
    ("doctor", "MedicationRequest", {}, "prescription.list", "fhir:MedicationRequest"),
    ("pharmacy", "MedicationRequest", {"patient.identifier": DEMO["patient"][0]},
     "prescription.list", "fhir:MedicationRequest"),
    ("doctor", "ServiceRequest/{lab_item}", None, "prescription.read", "{lab_code}"),
    ("pharmacy", "MedicationDispense/{line}", None, "prescription.read", "{code}"),
    ("pharmacy", "MedicationDispense", {"prescription": "MedicationRequest/{item}"},
     "prescription.list", "fhir:MedicationDispense"),
    ("doctor", "Observation/{lab_item}", None, "result.read", "{lab_code}"),
    ("lab", "DiagnosticReport", {"identifier": "{lab_code}"}, "result.read", "{lab_code}"),
    ("pharmacy", "Claim/{claim}", None, "patient.read", "{code}"),
    ("pharmacy", "Claim", {}, "patient.read", "fhir:Claim"),
]


def _fill(text: str, world) -> str:
    return text.format(code=world["rx"]["tracking_code"], lab_code=world["lab_rx"][
        "tracking_code"], ali=world["ali"].pk, **{k: v for k, v in world.items()
                                                 if isinstance(v, int)})


@pytest.mark.parametrize("who,path,params,action,target", READS)
def test_each_read_of_patient_data_is_one_access_log_row(api_as, world, who, path, params,
                                                         action, target):
    client = api_as(who, "درمانگاه شفا" if who == "doctor" else None)
    before = AccessLog.objects.count()
    read(client, _fill(path, world), {k: _fill(v, world) for k, v in (params or {}).items()})
    [row] = _new_rows(before)
    assert (row.action, row.target, row.patient_id) == (action, _fill(target, world),
                                                        world["ali"].pk)
    assert row.membership.role == ("doctor" if who == "doctor" else who)
    assert row.actor.national_code == DEMO[who][0] and row.ip == "127.0.0.1"


def test_the_patient_sees_fhir_reads_in_who_read_my_record(api_as, world):
    read(api_as("doctor", "درمانگاه شفا"), f"MedicationRequest/{world['item']}")
    log = api_as("patient").get("/api/v1/me/access-log").json()
    assert any(row["action"] == "prescription.read" and row["target"] == world["rx"][
        "tracking_code"] and row["role"] == "doctor" for row in log)


def test_own_reads_directory_reads_empty_searches_and_refusals_log_nothing(api_as, world):
    before = AccessLog.objects.count()
    ali = api_as("patient")
    read(ali, f"MedicationRequest/{world['item']}")
    read(ali, "Patient")
    read(ali, "Observation")
    doctor = api_as("doctor", "درمانگاه شفا")
    read(doctor, "Practitioner")
    read(doctor, "Organization")
    read(doctor, "MedicationRequest", {"identifier": "ZZZZZZZZZZ"})
    sina = api_as("pharmacy2")
    assert get(sina, f"MedicationRequest/{world['item']}").status_code == 404
    assert get(api_as("reception"), "Patient").status_code == 403
    assert [r.action for r in _new_rows(before)] == ["login.success"] * 4


def _many(written, api_as, count: int, start: int):
    """`count` more 3-drug prescriptions for both patients, each served by Razi."""
    razi = api_as("pharmacy")
    for n in range(count):
        rx = written([{"code": "AMOX-500-CAP", "quantity": 20},
                      {"code": "PARA-500-TAB", "quantity": 20},
                      {"code": "ASA-80-TAB", "quantity": 30}],
                     who="patient2" if n % 2 else "patient")
        dispense(razi, rx, [{"item": item["id"], "quantity": item["quantity"],
                             "uid": uid(start + 10 * n + i)}
                            for i, item in enumerate(rx["items"])])


@pytest.mark.parametrize("who,path", [
    ("doctor", "MedicationRequest"), ("pharmacy", "MedicationRequest"),
    ("pharmacy", "MedicationDispense"), ("pharmacy", "Claim"), ("doctor", "Patient"),
    ("pharmacy", "Patient"), ("doctor", "Coverage"), ("patient", "MedicationRequest"),
])
def test_a_search_bundle_runs_a_fixed_number_of_queries(api_as, written, who, path,
                                                        django_assert_max_num_queries):
    _many(written, api_as, 1, start=1000)
    client = api_as(who, "درمانگاه شفا" if who == "doctor" else None)
    params = {"patient.identifier": DEMO["patient"][0]} if (
        who, path) == ("pharmacy", "MedicationRequest") else None
    with django_assert_max_num_queries(8) as one:
        small = read(client, path, params)
    baseline = len(one.captured_queries)
    _many(written, api_as, 6, start=2000)
    with django_assert_max_num_queries(baseline):
        large = read(client, path, params)
    assert large["total"] > small["total"] >= 1
    assert len(large["entry"]) > len(small["entry"])
