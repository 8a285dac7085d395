"""Dispensing through an outage: services given from the paper copy's QR sync through the
normal dispense; conflicts are kept for reviewers; a sync sent twice changes nothing."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from claims.models import Claim
from paper import payload
from pharmacy.models import Dispense, PackCodeReuse, PaperDispense
from prescriptions.models import Prescription
from tests.pharmacy.conftest import uid, with_codes


@pytest.fixture
def copy(written):
    """A prescription and the QR text of its paper copy."""
    created = written([{"code": "PARA-500-TAB", "quantity": 30, "dosage": "هر ۶ ساعت"},
                       {"code": "AMOX-500-CAP", "quantity": 20}])
    # printed two days ago, before the outage
    Prescription.objects.filter(tracking_code=created["tracking_code"]).update(
        issued_at=timezone.now() - dt.timedelta(days=2))
    token = payload.issue(Prescription.objects.get(tracking_code=created["tracking_code"]))
    return created, token


@pytest.fixture
def pharmacy(api_as):
    return api_as("pharmacy")


def sync(client, token, lines=None, key=None, served_at=None, **extra):
    body = {"key": key or str(uuid.uuid4()), "payload": token,
            "served_at": (served_at or timezone.now() - dt.timedelta(hours=20)).isoformat(),
            "lines": lines if lines is not None else [
                {"code": "PARA-500-TAB", "quantity": 30, "uids": [uid(1), uid(2)]}],
            **extra}
    return client.post("/api/v1/paper/dispenses", body, format="json")


def test_an_offline_service_becomes_a_paper_dispense_claimed_on_its_day(copy, pharmacy):
    created, token = copy
    served = timezone.now() - dt.timedelta(hours=20)
    key = str(uuid.uuid4())
    response = sync(pharmacy, token, key=key, served_at=served,
                    payment={"method": "cash"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "synced" and body["key"] == key and body["code"] == ""
    dispense = Dispense.objects.get()
    assert dispense.paper is True and dispense.started_at == served
    # 30 tablets over two packs of 20: a full pack and the part-pack
    assert sorted((line.quantity, line.uid) for line in dispense.lines.all()) == [
        (10, uid(2)), (20, uid(1))]
    assert body["dispense"]["id"] == dispense.pk
    claim = Claim.objects.get(dispense_id=dispense.pk)
    assert claim.paper is True and claim.service_date == timezone.localdate(served)
    prescription = Prescription.objects.get(tracking_code=created["tracking_code"])
    assert prescription.status == "partially_dispensed"
    # the same key again: the same answer, nothing new
    again = sync(pharmacy, token, key=key, served_at=served, payment={"method": "cash"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert again["Idempotent-Replayed"] == "true"
    # the same key with other content is refused, not replayed
    other = sync(pharmacy, token, key=key, served_at=served, payment={"method": "cash"},
                 lines=[{"code": "PARA-500-TAB", "quantity": 20, "uids": [uid(3)]}])
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
    assert Dispense.objects.count() == 1 and PaperDispense.objects.count() == 1


def test_already_served_elsewhere_is_a_conflict_for_reviewers(copy, pharmacy, api_as, page_as):
    created, token = copy
    other = api_as("pharmacy2")
    items = {i["code"]: i["id"] for i in created["items"]}
    online = other.post(f"/api/v1/prescriptions/{created['tracking_code']}/dispense", {
        "lines": with_codes([{"item": items["PARA-500-TAB"], "quantity": 20},
                             {"item": items["PARA-500-TAB"], "quantity": 10}])}, format="json")
    assert online.status_code == 201, online.content
    response = sync(pharmacy, token)
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "conflict" and body["code"] == "over_dispense"
    assert "باقی‌مانده" in body["detail"] and body["dispense"] is None
    record = PaperDispense.objects.get()
    assert record.status == "conflict" and record.tracking_code == created["tracking_code"]
    assert Dispense.objects.count() == 1
    # the insurer's reviewer sees it in the admin
    listing = page_as("reviewer").get("/admin/pharmacy/paperdispense/").content.decode()
    assert created["tracking_code"] in listing and "مغایرت" in listing


def test_a_pack_code_used_before_is_a_conflict_and_flagged(copy, pharmacy, written, api_as):
    _created, token = copy
    first = written([{"code": "PARA-500-TAB", "quantity": 5}])
    api_as("pharmacy2").post(f"/api/v1/prescriptions/{first['tracking_code']}/dispense", {
        "lines": [{"item": first["items"][0]["id"], "quantity": 5, "uid": uid(1)}]},
        format="json")
    response = sync(pharmacy, token)
    assert response.status_code == 409 and response.json()["code"] == "pack_code_reused"
    assert PackCodeReuse.objects.filter(uid=uid(1)).exists()


def test_cancelled_or_edited_since_printing_is_a_conflict(copy, pharmacy, api_as):
    created, token = copy
    doctor = api_as("doctor", "درمانگاه شفا")
    url = f"/api/v1/prescriptions/{created['tracking_code']}"
    doctor.patch(url, {"items": [{"code": "PARA-500-TAB", "quantity": 30}],
                       "override_warnings": True}, format="json")
    edited = sync(pharmacy, token)
    assert edited.status_code == 409 and edited.json()["code"] == "edited"
    Prescription.objects.filter(tracking_code=created["tracking_code"]).update(
        issued_at=timezone.now() - dt.timedelta(days=1))
    fresh = payload.issue(Prescription.objects.get(tracking_code=created["tracking_code"]))
    doctor.post(f"{url}/cancel")
    cancelled = sync(pharmacy, fresh)
    assert cancelled.status_code == 409 and cancelled.json()["code"] == "cancelled"
    assert Dispense.objects.count() == 0 and PaperDispense.objects.count() == 2


@pytest.mark.parametrize("change, code", [
    (lambda token: token[:-6] + "AAAAAA", "paper_invalid"),
    (lambda token: token.split(".")[0] + ".e30." + token.split(".")[2], "paper_invalid"),
    (lambda token: "x.y.z", "paper_invalid"),
])
def test_a_forged_copy_is_a_recorded_conflict(copy, pharmacy, change, code):
    _created, token = copy
    response = sync(pharmacy, change(token))
    assert response.status_code == 409 and response.json()["code"] == code
    assert Dispense.objects.count() == 0
    assert PaperDispense.objects.get().status == "conflict"


@pytest.mark.parametrize("lines, code", [
    ([], "lines"),
    ("not a list", "lines"),
    ([{"code": "ASA-80-TAB", "quantity": 1}], "lines"),
    ([{"code": "PARA-500-TAB", "quantity": 0}], "lines"),
    ([{"code": "PARA-500-TAB", "quantity": "3"}], "lines"),
    ([{"code": "PARA-500-TAB", "quantity": 31, "uids": [uid(1), uid(2)]}], "over_dispense"),
    ([{"code": "PARA-500-TAB", "quantity": 30, "uids": [uid(1), uid(2), uid(3)]}],
     "pack_codes"),
    ([{"code": "PARA-500-TAB", "quantity": 30}], "pack_code"),
    ([{"code": "PARA-500-TAB", "quantity": 5, "uids": ["123"]}], "invalid"),
])
def test_bad_lines_are_conflicts_not_dispenses(copy, pharmacy, lines, code):
    _created, token = copy
    response = sync(pharmacy, token, lines=lines)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == code, response.json()
    assert Dispense.objects.count() == 0


def test_clocks_and_keys(copy, pharmacy, settings):
    _created, token = copy
    future = sync(pharmacy, token, served_at=timezone.now() + dt.timedelta(hours=1))
    assert future.status_code == 409 and future.json()["code"] == "started_at"
    settings.PAPER_SYNC_MAX_DAYS = 2
    stale = sync(pharmacy, token, served_at=timezone.now() - dt.timedelta(days=3))
    assert stale.status_code == 409 and stale.json()["code"] == "started_at"
    settings.PAPER_SYNC_MAX_DAYS = 7
    before = sync(pharmacy, token, served_at=timezone.now() - dt.timedelta(days=2, hours=1))
    assert before.status_code == 409 and before.json()["code"] == "served_before_issue"
    for key in ("short", "x" * 65, "bad key!", ""):
        response = sync(pharmacy, token, key=key or " ")
        assert response.status_code == 400, key
    assert pharmacy.post("/api/v1/paper/dispenses", {"payload": token},
                         format="json").status_code == 400
    assert Dispense.objects.count() == 0


def test_only_the_matching_counter_may_sync(copy, api_as):
    _created, token = copy
    for who in ("doctor", "patient", "reception", "reviewer"):
        client = api_as(who, "درمانگاه شفا" if who == "doctor" else None)
        assert sync(client, token).status_code == 403, who
    lab = sync(api_as("lab"), token)  # a drug copy at a laboratory
    assert lab.status_code == 409 and lab.json()["code"] == "not_found"
    assert Dispense.objects.count() == 0


def test_the_service_worker_lists_what_the_offline_counter_needs(client, demo):
    response = client.get("/fulfil/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/fulfil/"
    body = response.content.decode()
    for needed in ("/fulfil/offline/", "/api/v1/paper/keys", "/static/js/offline.js",
                   "/static/vendor/bootstrap-5.3.9/bootstrap.rtl.min.css"):
        assert needed in body, needed
    # it carries no data: the same for everyone, signed in or not
    assert "0089012348" not in body and "csrf" not in body.lower()


def test_a_facility_that_was_online_then_is_flagged_for_reviewers(copy, pharmacy, written):
    _created, token = copy
    online = written([{"code": "ASA-80-TAB", "quantity": 5}])
    pharmacy.post(f"/api/v1/prescriptions/{online['tracking_code']}/dispense", {
        "lines": [{"item": online["items"][0]["id"], "quantity": 5, "uid": uid(40)}]},
        format="json")
    response = sync(pharmacy, token, served_at=timezone.now() - dt.timedelta(minutes=3))
    assert response.status_code == 201 and response.json()["code"] == "online_nearby"
    assert PaperDispense.objects.get().status == "synced"
    assert Dispense.objects.filter(paper=True).count() == 1


def test_a_paper_service_is_priced_as_on_its_day(copy, pharmacy):
    from prescriptions import catalog
    from prescriptions.models import CatalogItem

    _created, token = copy
    item = CatalogItem.objects.get(code="PARA-500-TAB")
    catalog.prices_record({"PARA-500-TAB": 9000}, {"PARA-500-TAB": item.unit_price})
    CatalogItem.objects.filter(pk=item.pk).update(unit_price=9000)  # raised today
    response = sync(pharmacy, token, served_at=timezone.now() - dt.timedelta(days=1))
    assert response.status_code == 201, response.content
    dispense = Dispense.objects.get()
    assert {line.unit_price for line in dispense.lines.all()} == {5000}  # yesterday's
    assert dispense.total == 30 * 5000


def test_another_facilitys_record_is_not_synced_here(copy, pharmacy, demo):
    from accounts.models import Facility

    _created, token = copy
    sina = Facility.objects.get(name="داروخانه سینا")
    response = sync(pharmacy, token, facility=sina.pk)
    assert response.status_code == 409 and response.json()["code"] == "facility_mismatch"
    assert PaperDispense.objects.count() == 0  # kept on the device, not here


@pytest.mark.parametrize("lines", [
    [{"code": ["PARA-500-TAB"], "quantity": 1}],
    [{"code": {"x": 1}, "quantity": 1}],
    [{"code": "PARA-500-TAB", "quantity": 10**30, "uids": [uid(1), uid(2)]}],
    [{"code": "PARA-500-TAB", "quantity": 5, "uids": [["x"]]}],
])
def test_hostile_lines_are_conflicts_never_500(copy, pharmacy, lines):
    _created, token = copy
    response = sync(pharmacy, token, lines=lines)
    assert response.status_code == 409 and response.json()["code"] == "lines"
