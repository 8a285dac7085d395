"""FHIR helpers: GET under /fhir/r4/, validation with fhir.resources' R4B models (R4 for
these types; the package's default models are R5), and a written, served world."""

from __future__ import annotations

from importlib import import_module

import pytest

from tests.pharmacy.conftest import uid

BASE = "https://noskhe.ir/fhir/sid"
MEDIA_TYPE = "application/fhir+json"


def system(name: str) -> str:
    return f"{BASE}/{name}"


def r4(resource: dict):
    """The resource parsed by its R4B model: a wrong field, type or cardinality fails."""
    name = resource["resourceType"]
    model = getattr(import_module(f"fhir.resources.R4B.{name.lower()}"), name)
    return model.model_validate(resource)


def get(client, path: str, params: dict | None = None, **extra):
    extra.setdefault("HTTP_ACCEPT", MEDIA_TYPE)
    return client.get(f"/fhir/r4/{path}", params or {}, **extra)


def read(client, path: str, params: dict | None = None) -> dict:
    """A successful read or search: FHIR JSON, valid R4; a Bundle's entries validated too."""
    response = get(client, path, params)
    assert response.status_code == 200, (path, response.status_code, response.content[:400])
    assert response["Content-Type"].startswith(MEDIA_TYPE)
    body = response.json()
    r4(body)
    for entry in body.get("entry", []):
        r4(entry["resource"])
    return body


def resources(bundle: dict, resource_type: str | None = None) -> list[dict]:
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    found = [entry["resource"] for entry in bundle.get("entry", [])]
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        assert entry["fullUrl"] == (
            f"http://testserver/fhir/r4/{resource['resourceType']}/{resource['id']}")
    if resource_type:
        assert {r["resourceType"] for r in found} <= {resource_type}
    return found


def outcome(response, status: int) -> dict:
    """An error: the status, FHIR JSON and an OperationOutcome with a Persian diagnostic."""
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"].startswith(MEDIA_TYPE)
    body = response.json()
    r4(body)
    issue = body["issue"][0]
    assert issue["severity"] == "error" and any("\u0600" <= ch <= "\u06ff"
                                                for ch in issue["diagnostics"])
    return issue


def dispense(client, rx: dict, lines: list[dict]) -> dict:
    response = client.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                           {"lines": lines}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def record_result(client, rx: dict, result: dict, item: int | None = None) -> dict:
    response = client.post(f"/api/v1/prescriptions/{rx['tracking_code']}/results",
                           {"item": item or rx["items"][0]["id"], "result": result},
                           format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def drug_rx(written):
    """Ali's amoxicillin (structured dose) and paracetamol, by Dr Ahmadi at Shafa."""
    return written([
        {"code": "AMOX-500-CAP", "quantity": 30, "instructions": "با آب",
         "dose": {"amount": "1", "unit": "کپسول", "frequency": "q8h", "timing": "after_food"}},
        {"code": "PARA-500-TAB", "quantity": 10, "dosage": "در صورت درد"},
    ], note="پس از یک هفته مراجعه شود")


@pytest.fixture
def served(api_as, drug_rx):
    """Razi pharmacy gave the 30 amoxicillin capsules: a full pack of 20 and 10 of another."""
    amox = drug_rx["items"][0]["id"]
    return dispense(api_as("pharmacy"), drug_rx, [
        {"item": amox, "quantity": 20, "uid": uid(101)},
        {"item": amox, "quantity": 10, "uid": uid(102)}])
