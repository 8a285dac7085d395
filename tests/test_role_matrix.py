"""One table of who may call what: every role that is not allowed is refused (403/404)."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from prescriptions import services
from tests.conftest import DEMO, membership_of

PUBLIC_KEY = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

ROLES = ["doctor", "cardiologist", "reception", "pharmacy", "lab", "imaging", "physio",
         "reviewer", "patient", "patient2"]

# (name, method, path template, body, roles allowed to get past the permission check)
ENDPOINTS = [
    ("register patient", "post", "/api/v1/patients", {"national_code": "0499370899",
     "first_name": "ن", "last_name": "ک", "birth_date": "1990-01-01", "sex": "F"},
     {"doctor", "cardiologist", "reception"}),
    ("admit", "post", "/api/v1/visits", {"national_code": DEMO["patient2"][0],
                                         "doctor": "{doctor}"},
     {"doctor", "cardiologist", "reception"}),
    ("queue", "get", "/api/v1/queue", None, {"doctor", "cardiologist"}),
    ("complete visit", "post", "/api/v1/visits/{visit}/complete", None, {"doctor"}),
    ("prescribe", "post", "/api/v1/prescriptions", {"visit": "{visit}", "kind": "drug",
     "items": [{"code": "PARA-500-TAB", "quantity": 1}]}, {"doctor"}),
    ("read drug rx", "get", "/api/v1/prescriptions/{drug}", None,
     {"doctor", "pharmacy", "patient"}),
    ("read lab rx", "get", "/api/v1/prescriptions/{lab}", None, {"doctor", "lab", "patient"}),
    ("edit rx", "patch", "/api/v1/prescriptions/{drug}",
     {"items": [{"code": "PARA-500-TAB", "quantity": 2}]}, {"doctor"}),
    ("cancel rx", "post", "/api/v1/prescriptions/{spare}/cancel", None, {"doctor"}),
    ("dispense", "post", "/api/v1/prescriptions/{drug}/dispense",
     {"lines": [{"item": "{drug_item}", "quantity": 1, "uid": "6260000000000077"}]},
     {"pharmacy"}),
    ("record result", "post", "/api/v1/prescriptions/{lab}/results",
     {"item": "{lab_item}", "result": {"value": 5}}, {"lab"}),
    ("ask consent", "post", f"/api/v1/patients/{DEMO['patient'][0]}/history-access", None,
     {"doctor", "cardiologist"}),
    ("history", "get", f"/api/v1/patients/{DEMO['patient'][0]}/history", None, set()),
    ("my access log", "get", "/api/v1/me/access-log", None, {"patient", "patient2"}),
    ("unlock histories", "post", "/api/v1/me/history-unlock", None, {"reviewer"}),
    ("my notices", "get", "/api/v1/me/notices", None, {"patient", "patient2"}),
    ("turn my notices off", "patch", "/api/v1/me/notices", {"sms": False},
     {"patient", "patient2"}),
    ("paper copy", "get", "/api/v1/prescriptions/{drug}/paper.pdf", None,
     {"doctor", "patient"}),
    ("verify a paper copy", "post", "/api/v1/paper/verify", {"payload": "a.b.c"},
     {"pharmacy", "lab", "imaging", "physio"}),
    ("site keys", "get", "/api/v1/paper/keys", None, {"pharmacy", "lab", "imaging", "physio"}),
    ("my signing keys", "get", "/api/v1/me/keys", None, {"doctor", "cardiologist"}),
    ("register a signing key", "post", "/api/v1/me/keys", {"public_key": PUBLIC_KEY},
     {"doctor", "cardiologist"}),
    # FHIR R4: a search answers every role that may read prescriptions (an empty Bundle for
    # what it may not see); a read by id answers who may see that row (the counters have
    # served theirs by the time these rows run).
    ("fhir: drug orders by tracking code", "get", "/fhir/r4/MedicationRequest?identifier={drug}",
     None, {"doctor", "cardiologist", "pharmacy", "lab", "imaging", "physio", "patient",
            "patient2"}),
    ("fhir: read a drug order", "get", "/fhir/r4/MedicationRequest/{drug_item}", None,
     {"doctor", "pharmacy", "patient"}),
    ("fhir: read a lab order", "get", "/fhir/r4/ServiceRequest/{lab_item}", None,
     {"doctor", "lab", "patient"}),
    ("fhir: patient by national code", "get",
     f"/fhir/r4/Patient?identifier={DEMO['patient'][0]}", None,
     {"doctor", "cardiologist", "pharmacy", "lab", "imaging", "physio", "patient",
      "patient2"}),
    ("fhir: dispenses", "get", "/fhir/r4/MedicationDispense", None,
     {"pharmacy", "lab", "imaging", "physio", "patient", "patient2"}),
    ("fhir: claims", "get", "/fhir/r4/Claim", None,
     {"doctor", "cardiologist", "pharmacy", "lab", "imaging", "physio"}),
    ("fhir: prescribers", "get", "/fhir/r4/Practitioner?identifier=110001", None, set(ROLES)),
]


@pytest.fixture
def world(demo):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    reception = membership_of(DEMO["reception"][0])
    visit = services.visit_admit(actor=reception, national_code=DEMO["patient"][0],
                                 doctor_id=doctor.pk).visit
    drug = services.prescription_create(doctor=doctor, visit=visit, kind="drug",
                                        items=[{"code": "AMOX-500-CAP", "quantity": 10}])
    lab = services.prescription_create(doctor=doctor, visit=visit, kind="lab",
                                       items=[{"code": "LAB-CBC", "quantity": 1}])
    spare = services.prescription_create(doctor=doctor, visit=visit, kind="drug",
                                         items=[{"code": "PARA-500-TAB", "quantity": 1}])
    return {"doctor": doctor.pk, "visit": visit.pk, "drug": drug.tracking_code, "lab": lab.tracking_code,
            "spare": spare.tracking_code, "drug_item": drug.items.get().pk,
            "lab_item": lab.items.get().pk}


def fill(value, world):
    if isinstance(value, str):
        for key, replacement in world.items():
            if value == "{" + key + "}":
                return replacement
            value = value.replace("{" + key + "}", str(replacement))
        return value
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


@pytest.mark.parametrize("who", ROLES)
def test_each_role_is_refused_what_it_must_not_do(api_as, world, who):
    client = api_as(who, "درمانگاه شفا" if who == "doctor" else None)
    for name, method, path, body, allowed in ENDPOINTS:
        response = getattr(client, method)(fill(path, world), fill(body, world), format="json")
        if who in allowed:
            assert response.status_code < 400 or response.status_code in {409, 422}, (
                who, name, response.status_code, response.content[:200])
        else:
            assert response.status_code in {403, 404}, (who, name, response.status_code)


def test_signed_out_callers_get_401_everywhere(world):
    from rest_framework.test import APIClient

    client = APIClient()
    for _name, method, path, body, _allowed in ENDPOINTS:
        response = getattr(client, method)(fill(path, world), fill(body, world), format="json")
        assert response.status_code == 401, path
