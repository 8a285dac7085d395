"""The answer to a dispense is built from what the service wrote, not read back: it must
equal, field for field, what reading the record back gives (the selector's rows through the
same serializer)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pharmacy import selectors
from pharmacy.serializers import DispenseOut
from tests.conftest import DEMO, membership_of
from tests.pharmacy.conftest import uid
from tests.pharmacy.test_dispense import dispense

pytestmark = pytest.mark.django_db


def read_back(dispense_id: int, role: str = "pharmacy") -> dict:
    viewer = membership_of(DEMO[role][0])
    return DispenseOut(selectors.dispense_get(viewer=viewer, dispense_id=dispense_id)).data


def test_a_partial_dispense_answers_as_read_back(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 7}])
    amox, para = rx["items"]
    answer = dispense(api_as("pharmacy"), rx, [{"item": amox["id"], "quantity": 4, "uid": uid(71)},
                                               {"item": amox["id"], "quantity": 4, "uid": uid(72)},
                                               {"item": para["id"], "quantity": 2}])
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "partially_dispensed" and len(body["lines"]) == 3
    assert body == read_back(body["id"])


def test_a_full_dispense_paid_by_card_answers_as_read_back(api_as, written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}], who="patient2")
    answer = api_as("pharmacy").post(
        f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
        {"lines": [{"item": rx["items"][0]["id"], "quantity": 5, "uid": uid(73)}],
         "payment": {"method": "card", "terminal_id": "T1", "reference": "R-9"},
         "acknowledge_warnings": True}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "dispensed" and body["payment"]["terminal_id"] == "T1"
    assert body == read_back(body["id"])


def test_a_lab_performed_answers_as_read_back(api_as, written):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    answer = dispense(api_as("lab"), rx, [{"item": rx["items"][0]["id"], "quantity": 1}])
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["lines"][0]["uid"] == "" and body == read_back(body["id"], "lab")


def test_the_prescription_is_read_once_locked_and_the_answer_reads_nothing_back(api_as,
                                                                                 written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    pharmacy = api_as("pharmacy")
    with CaptureQueriesContext(connection) as seen:
        answer = dispense(pharmacy, rx, [{"item": rx["items"][0]["id"], "quantity": 5}])
    assert answer.status_code == 201, answer.content
    reads = [q["sql"] for q in seen.captured_queries if q["sql"].startswith("SELECT")
             and ('FROM "pharmacy_dispense"' in q["sql"]
                  or '"pharmacy_dispenseline"."dispense_id" IN' in q["sql"])]
    assert reads == []
    prescription_reads = [q["sql"] for q in seen.captured_queries if q["sql"].startswith(
        'SELECT "prescriptions_prescription"')]
    assert len(prescription_reads) == 1
    # locked where the database can lock a row (SQLite locks the whole file on write)
    assert ("FOR UPDATE" in prescription_reads[0]) == connection.features.has_select_for_update
