"""The FHIR edge: the CapabilityStatement, FHIR JSON only, and every error an
OperationOutcome with the JSON API's status (401, 403, 404, 405, 400, 406)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AccessLog, Patient
from tests.conftest import DEMO
from tests.fhir.conftest import MEDIA_TYPE, get, outcome, r4, read, system

TYPES = ["Patient", "Practitioner", "Organization", "Coverage", "MedicationRequest",
         "ServiceRequest", "MedicationDispense", "Observation", "DiagnosticReport", "Claim"]


def test_the_capability_statement_is_public_and_lists_every_resource(db):
    response = get(APIClient(), "metadata")
    assert response.status_code == 200 and response["Content-Type"].startswith(MEDIA_TYPE)
    body = response.json()
    r4(body)
    assert body["fhirVersion"] == "4.0.1" and body["kind"] == "instance"
    served = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert sorted(served) == sorted(TYPES)
    for resource in served.values():
        assert [i["code"] for i in resource["interaction"]] == ["read", "search-type"]
        assert "identifier" in {p["name"] for p in resource["searchParam"]}
    assert "prescription" in {p["name"] for p in served["MedicationDispense"]["searchParam"]}


def test_format_json_and_plain_json_are_served_as_fhir_json(api_as, drug_rx):
    doctor = api_as("doctor", "درمانگاه شفا")
    for params, accept in [({"_format": "json"}, "application/fhir+xml"),
                           ({"_format": "application/fhir+json"}, ""),
                           ({"_format": "application/fhir+json; fhirVersion=4.0"}, ""),
                           ({}, "application/fhir+json; fhirVersion=4.0"),
                           ({}, "application/json"), ({}, "*/*"), ({}, "")]:
        response = get(doctor, "MedicationRequest", params, HTTP_ACCEPT=accept)
        assert response.status_code == 200, (params, accept)
        assert response["Content-Type"].startswith(MEDIA_TYPE)
        assert response.json()["total"] == 2


def test_a_signed_in_page_session_reads_as_its_chosen_membership(page_as, drug_rx):
    session = page_as("doctor", "درمانگاه شفا")
    response = session.get("/fhir/r4/MedicationRequest")
    assert response.status_code == 200 and response.json()["total"] == 2
    assert page_as("reception").get("/fhir/r4/MedicationRequest").status_code == 403


def test_head_answers_like_get_without_a_body(api_as, drug_rx):
    response = api_as("patient").head("/fhir/r4/MedicationRequest")
    assert response.status_code == 200 and response["Content-Type"].startswith(MEDIA_TYPE)
    assert response.content == b""


@pytest.mark.parametrize("params,accept", [({"_format": "xml"}, MEDIA_TYPE),
                                           ({}, "application/fhir+xml"),
                                           ({}, "text/html, application/json;q=0")])
def test_xml_is_not_acceptable(api_as, demo, params, accept):
    response = get(api_as("patient"), "Patient", params, HTTP_ACCEPT=accept)
    outcome(response, 406)


@pytest.mark.parametrize("path", ["Patient", "Patient/1", "MedicationRequest/1",
                                  "Claim", "Practitioner/1", "Organization"])
def test_signed_out_callers_get_401_with_an_operation_outcome(demo, path):
    response = get(APIClient(), path, {"identifier": "X"} if "/" not in path else None)
    assert outcome(response, 401)["code"] == "login"
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_401(api_as, demo):
    client = api_as("patient")
    assert client.post("/api/v1/auth/logout").status_code == 204
    outcome(get(client, "Patient"), 401)


@pytest.mark.parametrize("who,forbidden", [
    ("reception", ["Patient", "Coverage", "MedicationRequest", "ServiceRequest",
                   "MedicationDispense", "Observation", "DiagnosticReport", "Claim"]),
    ("reviewer", ["Patient", "Coverage", "MedicationRequest", "ServiceRequest",
                  "MedicationDispense", "Observation", "DiagnosticReport", "Claim"]),
    ("doctor", ["MedicationDispense"]),
    ("patient", ["Claim"]),
])
def test_wrong_roles_get_403_for_searches_and_reads(api_as, drug_rx, who, forbidden):
    client = api_as(who, "درمانگاه شفا" if who == "doctor" else None)
    for resource_type in forbidden:
        assert outcome(get(client, resource_type), 403)["code"] == "forbidden"
        outcome(get(client, f"{resource_type}/1"), 403)
    # the directory is open to every role
    for resource_type in ("Practitioner", "Organization"):
        assert read(client, resource_type)["total"] > 0


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_405_for_everyone_and_change_nothing(api_as, drug_rx, method):
    patients = Patient.objects.count()
    body = {"resourceType": "Patient", "name": [{"text": "x"}]}
    for client in (APIClient(), api_as("doctor", "درمانگاه شفا")):
        for path in ["Patient", "Patient/1", "Patient/_search", "MedicationRequest/1",
                     "metadata"]:
            response = getattr(client, method)(f"/fhir/r4/{path}", body, format="json")
            assert outcome(response, 405)["code"] == "not-supported"
            assert response["Allow"] == "GET, HEAD"
    assert Patient.objects.count() == patients


@pytest.mark.parametrize("path,params", [
    ("Patient", {"name": "علی"}),
    ("Patient", {"identifier:exact": DEMO["patient"][0]}),
    ("MedicationRequest", {"status": "active"}),
    ("MedicationRequest", {"identifier": "A,B"}),
    ("MedicationRequest", {"identifier": ""}),
    ("MedicationRequest", {"identifier": f"{system('tracking-code')}|"}),
    ("MedicationRequest", {"patient": "Practitioner/1"}),
    ("MedicationDispense", {"prescription": "ServiceRequest/1"}),
    ("Patient", {"identifier": "12345"}),
    ("Patient", {"identifier": f"{system('national-code')}|0012345678"}),
    ("MedicationRequest", {"patient.identifier": "99"}),
    ("Patient", {"_count": "abc"}),
    ("Patient", {"_count": "201"}),
    ("Patient", {"_offset": "-1"}),
])
def test_bad_search_parameters_are_400_and_read_nothing(api_as, drug_rx, path, params):
    client = api_as("pharmacy")
    logged = AccessLog.objects.count()
    outcome(get(client, path, params), 400)
    assert AccessLog.objects.count() == logged


def test_a_parameter_given_twice_is_400(api_as, drug_rx):
    code = drug_rx["tracking_code"]
    response = api_as("patient").get(f"/fhir/r4/MedicationRequest?identifier={code}"
                                     f"&identifier={code}")
    assert outcome(response, 400)["code"] == "not-supported"


@pytest.mark.parametrize("path", ["Encounter", "Encounter/1", "Patient/1/_history", "",
                                  "Patient/abc", "Patient/0", "Patient/99999999999999999999"])
def test_unknown_types_paths_and_ids_are_404_operation_outcomes(api_as, demo, path):
    assert outcome(get(api_as("patient"), path), 404)["code"] == "not-found"


def test_paging_counts_every_match_and_links_the_next_page(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 10}, {"code": "PARA-500-TAB",
                                                           "quantity": 5},
                  {"code": "ASA-80-TAB", "quantity": 30}])
    doctor = api_as("doctor", "درمانگاه شفا")
    first = read(doctor, "MedicationRequest", {"_count": "2"})
    assert first["total"] == 3 and len(first["entry"]) == 2
    [following] = [link["url"] for link in first["link"] if link["relation"] == "next"]
    assert "_offset=2" in following
    second = read(doctor, following.removeprefix("http://testserver/fhir/r4/"))
    assert second["total"] == 3 and len(second["entry"]) == 1
    assert not [link for link in second["link"] if link["relation"] == "next"]
    seen = [e["resource"]["id"] for e in first["entry"] + second["entry"]]
    assert sorted(seen) == sorted(str(i["id"]) for i in rx["items"])
    counted = read(doctor, "MedicationRequest", {"_count": "0"})
    assert counted["total"] == 3 and "entry" not in counted
