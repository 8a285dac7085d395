"""The answer to registering a prescription is built from what the service wrote, not read
back: it must equal, field for field, what reading the prescription back gives (the
selector's rows through the same serializer, and the same suggestions)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prescriptions import selectors, suggestions
from prescriptions.serializers import PrescriptionOut
from tests.conftest import DEMO, membership_of
from tests.prescriptions.conftest import drug
from tests.prescriptions.test_signatures import new_key, pem_of, sign

pytestmark = pytest.mark.django_db

DOSE = {"amount": "1.5", "unit": "قرص", "frequency": "q8h", "timing": "after_food"}
BODIES = {
    "grouped brand with a tariff and its generic suggested": (
        "patient", "drug", [drug("AMOX-500-CAP-B"), drug("PARA-500-TAB", 10, dose=DOSE)],
        {"note": "  پس از غذا  "}),
    "three drugs, warnings overridden": (
        "patient2", "drug", [drug("AMOX-500-CAP", 20), drug("PARA-500-TAB"),
                             drug("ASA-80-TAB", 30, instructions="شب‌ها")],
        {"override_warnings": True}),
    "uninsured": ("uninsured", "drug", [drug("PARA-500-TAB", 5)], {}),
    "a basic and a supplementary insurer, on a tariff": (
        "patient2", "drug", [drug("AMOX-500-CAP-B", 20)], {}),
    "a lab order with LOINC codes": ("patient", "lab", [drug("LAB-FBS", 1)], {}),
}


def read_back(tracking_code: str) -> dict:
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    fresh = selectors.prescription_get(viewer=doctor, tracking_code=tracking_code)
    return {**PrescriptionOut(fresh).data, "suggestions": suggestions.for_prescription(fresh)}


@pytest.mark.parametrize("case", BODIES, ids=list(BODIES))
def test_the_answer_is_what_reading_it_back_gives(doctor, admit, case):
    who, kind, items, extra = BODIES[case]
    visit = admit(who)
    answer = doctor.post("/api/v1/prescriptions", {"visit": visit["id"], "kind": kind,
                                                   "items": items, **extra}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body == read_back(body["tracking_code"])
    assert answer["ETag"] == f'"v{body["version"]}"'


def test_a_signed_prescription_answers_as_read_back(doctor, admit):
    key = new_key()
    assert doctor.post("/api/v1/me/keys", {"public_key": pem_of(key), "label": "کلید"},
                       format="json").status_code == 201
    visit = admit("patient")
    content = {"visit": visit["id"], "kind": "drug", "note": "",
               "items": [drug("PARA-500-TAB", 10)]}
    answer = doctor.post("/api/v1/prescriptions", {**content, "signature": sign(key, content)},
                         format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["signed"] is True and body == read_back(body["tracking_code"])


def test_the_answer_reads_nothing_back(doctor, admit):
    visit = admit("patient2")
    body = {"visit": visit["id"], "kind": "drug", "items": [drug("PARA-500-TAB", 10)]}
    with CaptureQueriesContext(connection) as seen:
        assert doctor.post("/api/v1/prescriptions", body, format="json").status_code == 201
    reads = [q["sql"] for q in seen.captured_queries if q["sql"].startswith("SELECT")
             and ('FROM "prescriptions_prescription"' in q["sql"]
                  or 'FROM "accounts_user"' in q["sql"])]  # nor the doctor, read with the token
    assert reads == []
