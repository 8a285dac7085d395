"""Races on PostgreSQL: concurrent requests from threads, each on its own connection."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from pharmacy.models import Dispense, DispenseLine
from prescriptions.models import Prescription, Visit
from tests.conftest import DEMO, membership_of, sign_in
from tests.pharmacy.conftest import uid

pytestmark = pytest.mark.postgres


@pytest.fixture
def cast(transactional_db, outbox):
    call_command("seed_demo", stdout=open("/dev/null", "w"))

    def client(who, facility=None):
        api = APIClient()
        membership = membership_of(DEMO[who][0], facility) if facility else None
        sign_in(api, outbox, DEMO[who], membership)
        return api

    return client


def run_together(*calls):
    """Start every call at the same moment; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def admit(cast, who="patient") -> dict:
    """The patient admitted to Dr Ahmadi at Shafa by the receptionist: the visit's JSON."""
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    return cast("reception").post("/api/v1/visits", {"national_code": DEMO[who][0],
                                                     "doctor": shafa.pk}, format="json").json()


def write(cast, items, who="patient"):
    visit, doctor = admit(cast, who), cast("doctor", "درمانگاه شفا")
    response = doctor.post("/api/v1/prescriptions", {"visit": visit["id"], "kind": "drug",
                                                     "items": items}, format="json")
    assert response.status_code == 201
    return response.json()


def post_dispense(client, rx, lines):
    return lambda: client.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                               {"lines": lines}, format="json").status_code


def test_razi_and_sina_race_for_the_remaining_quantity(cast):
    rx = write(cast, [{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    razi, sina = cast("pharmacy"), cast("pharmacy2")
    statuses = run_together(
        post_dispense(razi, rx, [{"item": item, "quantity": 20, "uid": uid(1)}]),
        post_dispense(sina, rx, [{"item": item, "quantity": 20, "uid": uid(2)}]))
    assert sorted(statuses) == [201, 409]
    prescription = Prescription.objects.get()
    assert prescription.items.get().dispensed_quantity == 20
    assert prescription.status == "dispensed"
    assert Dispense.objects.count() == 1


def test_many_concurrent_partial_dispenses_never_exceed_the_prescription(cast):
    rx = write(cast, [{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    clients = [cast("pharmacy"), cast("pharmacy2")] * 4
    statuses = run_together(*[post_dispense(c, rx, [{"item": item, "quantity": 6,
                                                      "uid": uid(10 + n)}])
                              for n, c in enumerate(clients)])
    assert statuses.count(201) == 3 and statuses.count(409) == 5
    dispensed = Prescription.objects.get().items.get().dispensed_quantity
    assert dispensed == 18 == sum(DispenseLine.objects.values_list("quantity", flat=True))


def test_the_same_pack_code_at_the_same_moment_is_taken_once(cast):
    first = write(cast, [{"code": "AMOX-500-CAP", "quantity": 10}])
    second = write(cast, [{"code": "AMOX-500-CAP", "quantity": 10}], who="patient2")
    razi, sina = cast("pharmacy"), cast("pharmacy2")
    statuses = run_together(
        post_dispense(razi, first, [{"item": first["items"][0]["id"], "quantity": 10,
                                     "uid": uid(42)}]),
        post_dispense(sina, second, [{"item": second["items"][0]["id"], "quantity": 10,
                                      "uid": uid(42)}]))
    assert sorted(statuses) == [201, 409]
    assert DispenseLine.objects.filter(uid=uid(42)).count() == 1


def test_idempotent_retries_at_the_same_moment_make_one_dispense(cast):
    rx = write(cast, [{"code": "AMOX-500-CAP", "quantity": 20}])
    razi = cast("pharmacy")
    lines = [{"item": rx["items"][0]["id"], "quantity": 5, "uid": uid(30)}]

    def retry():
        return razi.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                         {"lines": lines}, format="json", HTTP_IDEMPOTENCY_KEY="same").json()["id"]

    ids = run_together(retry, retry, retry)
    assert len(set(ids)) == 1
    assert Prescription.objects.get().items.get().dispensed_quantity == 5


def test_double_submitted_admissions_make_one_visit(cast):
    reception_a, reception_b = cast("reception"), cast("reception")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    body = {"national_code": DEMO["patient"][0], "doctor": shafa.pk}
    responses = run_together(
        lambda: reception_a.post("/api/v1/visits", body, format="json").json()["id"],
        lambda: reception_b.post("/api/v1/visits", body, format="json").json()["id"])
    assert responses[0] == responses[1]
    assert Visit.objects.count() == 1


def test_edit_racing_a_dispense_never_loses_the_dispense(cast):
    rx = write(cast, [{"code": "AMOX-500-CAP", "quantity": 20}])
    razi, doctor = cast("pharmacy"), cast("doctor", "درمانگاه شفا")
    code = rx["tracking_code"]
    statuses = run_together(
        post_dispense(razi, rx, [{"item": rx["items"][0]["id"], "quantity": 5,
                                  "uid": uid(40)}]),
        lambda: doctor.patch(f"/api/v1/prescriptions/{code}",
                             {"items": [{"code": "PARA-500-TAB", "quantity": 3}]},
                             format="json").status_code)
    prescription = Prescription.objects.get()
    if statuses[0] == 201:
        # the dispense won: the edit must have been refused and the item kept
        assert statuses[1] == 409
        assert prescription.items.get().code == "AMOX-500-CAP"
        assert prescription.items.get().dispensed_quantity == 5
    else:
        # the edit won: the dispense of the replaced item failed, nothing half-written
        assert statuses[1] == 200 and statuses[0] in {400, 409}
        assert Dispense.objects.count() == 0


def test_offline_services_synced_at_once_dispense_once(cast):
    """The same offline service synced twice at the same moment, and another counter's
    offline service of the same copy: one dispense, one conflict, nothing doubled."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from paper import payload
    from pharmacy.models import PaperDispense

    created = write(cast, [{"code": "PARA-500-TAB", "quantity": 20}])
    Prescription.objects.filter(tracking_code=created["tracking_code"]).update(
        issued_at=timezone.now() - dt.timedelta(days=1))
    token = payload.issue(Prescription.objects.get(tracking_code=created["tracking_code"]))
    razi, razi_again, sina = cast("pharmacy"), cast("pharmacy"), cast("pharmacy2")
    key = str(uuid.uuid4())

    def body(code, key):
        return {"key": key, "payload": token, "served_at": (
            timezone.now() - dt.timedelta(hours=2)).isoformat(),
            "lines": [{"code": "PARA-500-TAB", "quantity": 20, "uids": [uid(code)]}]}

    answers = run_together(
        lambda: razi.post("/api/v1/paper/dispenses", body(501, key), format="json"),
        lambda: razi_again.post("/api/v1/paper/dispenses", body(501, key), format="json"),
        lambda: sina.post("/api/v1/paper/dispenses", body(502, str(uuid.uuid4())),
                          format="json"))
    codes = sorted(a.status_code for a in answers)
    assert Dispense.objects.count() == 1, codes
    assert Prescription.objects.get(tracking_code=created["tracking_code"]).items.get(
        ).dispensed_quantity == 20
    assert PaperDispense.objects.filter(status="synced").count() == 1
    assert PaperDispense.objects.filter(status="conflict").count() == 1
    same_key = list(answers[:2])
    assert {a.json()["id"] for a in same_key} == {PaperDispense.objects.get(key=key).pk}
