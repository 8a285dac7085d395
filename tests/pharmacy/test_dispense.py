"""Dispensing through the API: partial then full, shares, pack codes, idempotency, refusals."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from claims.models import Claim, ClaimLine
from pharmacy.models import Dispense, DispenseLine, PackCodeReuse
from prescriptions.models import CatalogItem, Prescription
from tests.conftest import DEMO
from tests.pharmacy.conftest import uid, with_codes


def dispense(client, rx, lines, **headers):
    """POST a dispense; drug lines without a pack code get a fresh one (TTAC)."""
    if rx["kind"] == "drug":
        lines = with_codes(lines)
    return client.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                       {"lines": lines}, format="json", **headers)


def test_partial_then_full_dispense_with_exact_shares(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 7}])
    amox, para = rx["items"]
    pharmacy = api_as("pharmacy")
    first = dispense(pharmacy, rx, [{"item": amox["id"], "quantity": 10, "uid": uid(1)}])
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "partially_dispensed" and body["prescription"] == rx["tracking_code"]
    assert body["lines"] == [{"item": amox["id"], "quantity": 10, "uid": uid(1),
                              "unit_price": 25000, "total": 250000, "insurer_share": 175000,
                              "supplementary_share": 0, "patient_share": 75000}]
    assert body["totals"] == {"total": 250000, "insurer_share": 175000,
                              "supplementary_share": 0, "patient_share": 75000}

    second = dispense(pharmacy, rx, [{"item": amox["id"], "quantity": 10, "uid": uid(2)},
                                     {"item": para["id"], "quantity": 7}])
    assert second.status_code == 201
    assert second.json()["status"] == "dispensed"
    # 7 × 5000 = 35000 → insurer 24500, patient 10500
    assert second.json()["totals"] == {"total": 285000, "insurer_share": 199500,
                                       "supplementary_share": 0, "patient_share": 85500}
    prescription = Prescription.objects.get(tracking_code=rx["tracking_code"])
    assert prescription.status == "dispensed"
    assert [i.dispensed_quantity for i in prescription.items.all()] == [20, 7]
    # one claim per dispense, each with its lines, its HID and the insurer's amount
    claims = list(Claim.objects.filter(prescription=prescription).order_by("id"))
    assert [(c.status, c.amount, c.hid) for c in claims] == [
        ("unsent", 175000, first.json()["hid"]), ("unsent", 199500, second.json()["hid"])]
    lines = ClaimLine.objects.filter(claim__in=claims).order_by("id")
    assert [(c.code, c.quantity, c.insurer_share, c.uid) for c in lines] == [
        ("AMOX-500-CAP", 10, 175000, uid(1)), ("AMOX-500-CAP", 10, 175000, uid(2)),
        ("PARA-500-TAB", 7, 24500, lines[2].uid)]
    assert all(c.facility.name == "داروخانه رازی" and c.scheme.code == "IHIO-GOV"
               for c in claims)


def test_dispense_uses_the_dispensing_days_price(api_as, written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    CatalogItem.objects.filter(code="PARA-500-TAB").update(unit_price=6000)
    body = dispense(api_as("pharmacy"), rx, [{"item": rx["items"][0]["id"], "quantity": 10}]).json()
    assert body["lines"][0]["unit_price"] == 6000
    assert body["totals"] == {"total": 60000, "insurer_share": 42000, "supplementary_share": 0,
                              "patient_share": 18000}


def test_eligibility_is_checked_again_at_dispense(api_as, written):
    from claims.models import Coverage

    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    Coverage.objects.filter(patient__national_code=DEMO["patient"][0]).update(
        valid_to=timezone.localdate() - dt.timedelta(days=1),
        valid_from=timezone.localdate() - dt.timedelta(days=400))
    body = dispense(api_as("pharmacy"), rx, [{"item": rx["items"][0]["id"], "quantity": 10}]).json()
    assert body["totals"] == {"total": 50000, "insurer_share": 0, "supplementary_share": 0,
                              "patient_share": 50000}
    assert not Claim.objects.filter(tracking_code=rx["tracking_code"]).exists()


def test_over_dispense_is_refused_and_writes_nothing(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    pharmacy = api_as("pharmacy")
    assert dispense(pharmacy, rx, [{"item": item, "quantity": 15}]).status_code == 201
    response = dispense(pharmacy, rx, [{"item": item, "quantity": 6}])
    assert response.status_code == 409
    assert "باقی‌مانده" in response.json()["detail"]
    # two lines that each fit but together do not
    response = dispense(pharmacy, rx, [{"item": item, "quantity": 3}, {"item": item, "quantity": 3}])
    assert response.status_code == 409
    assert Dispense.objects.count() == 1
    assert Prescription.objects.get().items.get().dispensed_quantity == 15


@pytest.mark.parametrize("lines", [
    [], "x", [{"item": 1}], [{"item": "abc", "quantity": 1}],
    [{"quantity": 0}], [{"quantity": -2}], [{"quantity": 1.5}], [{"quantity": True}],
    [{"quantity": 1, "uid": "123"}], [{"quantity": 1, "uid": "12345678901234567"}],
    [{"quantity": 1, "uid": "abcdefghijklmnop"}],
])
def test_bad_lines_are_400_and_write_nothing(api_as, written, lines):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    lines = [{"item": item, **line} if isinstance(line, dict) and "item" not in line else line
             for line in lines] if isinstance(lines, list) else lines
    response = dispense(api_as("pharmacy"), rx, lines)
    assert response.status_code == 400, response.content
    assert Dispense.objects.count() == 0


def test_item_of_another_prescription_is_refused(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    other = written([{"code": "PARA-500-TAB", "quantity": 5}])
    response = dispense(api_as("pharmacy"), rx, [{"item": other["items"][0]["id"], "quantity": 1}])
    assert response.status_code == 400
    assert Dispense.objects.count() == 0


def test_reused_pack_code_is_refused_and_flagged(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    assert dispense(api_as("pharmacy"), rx, [{"item": item, "quantity": 10, "uid": uid(7)}]
                    ).status_code == 201
    other = written([{"code": "AMOX-500-CAP", "quantity": 10}], who="patient2")
    response = dispense(api_as("pharmacy2"), other,
                        [{"item": other["items"][0]["id"], "quantity": 10, "uid": uid(7)}])
    assert response.status_code == 409
    assert response.json()["code"] == "pack_code_reused"
    flag = PackCodeReuse.objects.get()
    assert flag.uid == uid(7) and flag.facility.name == "داروخانه سینا"
    assert flag.first_use == DispenseLine.objects.get(uid=uid(7))
    assert Prescription.objects.get(tracking_code=other["tracking_code"]).status == "active"


def test_persian_digits_in_pack_codes_are_normalised(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    persian = uid(9).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = dispense(api_as("pharmacy"), rx,
                        [{"item": rx["items"][0]["id"], "quantity": 10, "uid": persian}])
    assert response.status_code == 201 and response.json()["lines"][0]["uid"] == uid(9)


def test_idempotent_retry_returns_the_first_dispense(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    pharmacy = api_as("pharmacy")
    lines = [{"item": rx["items"][0]["id"], "quantity": 10, "uid": uid(11)}]
    first = dispense(pharmacy, rx, lines, HTTP_IDEMPOTENCY_KEY="counter-1-abc")
    again = dispense(pharmacy, rx, lines, HTTP_IDEMPOTENCY_KEY="counter-1-abc")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Dispense.objects.count() == 1
    assert Prescription.objects.get().items.get().dispensed_quantity == 10


def test_idempotency_key_of_another_prescription_is_422(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    other = written([{"code": "PARA-500-TAB", "quantity": 5}])
    pharmacy = api_as("pharmacy")
    dispense(pharmacy, rx, [{"item": rx["items"][0]["id"], "quantity": 1}], HTTP_IDEMPOTENCY_KEY="k")
    response = dispense(pharmacy, other, [{"item": other["items"][0]["id"], "quantity": 1}],
                        HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"


def test_cancelled_prescription_is_not_found_for_dispense(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    api_as("doctor", "درمانگاه شفا").post(f"/api/v1/prescriptions/{rx['tracking_code']}/cancel")
    response = dispense(api_as("pharmacy"), rx, [{"item": rx["items"][0]["id"], "quantity": 1}])
    assert response.status_code in {404, 409}
    assert Dispense.objects.count() == 0


def test_expired_prescription_cannot_be_dispensed(api_as, written, settings):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    later = timezone.now() + dt.timedelta(days=settings.PRESCRIPTION_VALID_DAYS["drug"] + 1)
    with time_machine.travel(later):
        response = dispense(api_as("pharmacy"), rx, [{"item": rx["items"][0]["id"], "quantity": 1}])
    assert response.status_code in {404, 409}


def test_a_pharmacy_that_served_a_prescription_still_sees_it(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    pharmacy = api_as("pharmacy")
    dispense(pharmacy, rx, [{"item": rx["items"][0]["id"], "quantity": 20}])
    assert pharmacy.get(f"/api/v1/prescriptions/{rx['tracking_code']}").status_code == 200
    # another pharmacy no longer finds the fully dispensed prescription
    assert api_as("pharmacy2").get(f"/api/v1/prescriptions/{rx['tracking_code']}"
                                   ).status_code == 404


def test_a_second_dispense_after_full_is_409(api_as, written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    pharmacy = api_as("pharmacy")
    dispense(pharmacy, rx, [{"item": rx["items"][0]["id"], "quantity": 5}])
    assert dispense(pharmacy, rx, [{"item": rx["items"][0]["id"], "quantity": 1}]
                    ).status_code == 409


def test_doctor_cannot_edit_after_a_dispense(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    dispense(api_as("pharmacy"), rx, [{"item": rx["items"][0]["id"], "quantity": 5}])
    doctor = api_as("doctor", "درمانگاه شفا")
    code = rx["tracking_code"]
    assert doctor.patch(f"/api/v1/prescriptions/{code}",
                        {"items": [{"code": "AMOX-500-CAP", "quantity": 10}]},
                        format="json").status_code == 409
    assert doctor.post(f"/api/v1/prescriptions/{code}/cancel").status_code == 409


@pytest.mark.parametrize("who", ["lab", "imaging", "physio"])
def test_paraclinics_cannot_dispense_drugs(api_as, written, who):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    response = dispense(api_as(who), rx, [{"item": rx["items"][0]["id"], "quantity": 1}])
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["doctor", "patient", "reception", "reviewer"])
def test_non_fulfilment_roles_cannot_dispense(api_as, written, who):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    response = dispense(api_as(who), rx, [{"item": rx["items"][0]["id"], "quantity": 1}])
    assert response.status_code == 403
    assert Dispense.objects.count() == 0


def test_junk_dispense_bodies_never_500(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    pharmacy = api_as("pharmacy")
    for body in [None, [], "x", {"lines": None}, {"lines": [None]}, {"lines": [[1, 2]]},
                 {"lines": [{"item": {"a": 1}, "quantity": {"b": 2}}]}]:
        response = pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                                 body, format="json")
        assert response.status_code == 400, (body, response.content)


def test_start_and_end_times_are_recorded(api_as, written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    started = (timezone.now() - dt.timedelta(minutes=3)).isoformat()
    response = api_as("pharmacy").post(
        f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
        {"lines": with_codes([{"item": rx["items"][0]["id"], "quantity": 5}]),
         "started_at": started},
        format="json")
    body = response.json()
    assert body["started_at"] < body["ended_at"]


@pytest.mark.parametrize("item", [10**20, 2**63, "9" * 25])
def test_out_of_range_item_ids_never_500(api_as, written, item):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    response = dispense(api_as("pharmacy"), rx, [{"item": item, "quantity": 1}])
    assert response.status_code == 400


def test_lookup_lists_only_open_prescriptions_after_a_full_dispense(api_as, written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    pharmacy = api_as("pharmacy")
    params = {"national_code": DEMO["patient"][0]}
    assert len(pharmacy.get("/api/v1/prescriptions", params).json()) == 1
    dispense(pharmacy, rx, [{"item": rx["items"][0]["id"], "quantity": 5}])
    assert pharmacy.get("/api/v1/prescriptions", params).json() == []
    # the record of its own work stays readable by tracking code
    assert pharmacy.get(f"/api/v1/prescriptions/{rx['tracking_code']}").status_code == 200


def test_a_dispense_is_one_short_bounded_transaction(api_as, written,
                                                     django_assert_max_num_queries):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 9}])
    pharmacy = api_as("pharmacy")
    amox, para = rx["items"]
    lines = [{"item": amox["id"], "quantity": 5, "uid": uid(100 + n)} for n in range(4)]
    lines.append({"item": para["id"], "quantity": 9})
    with django_assert_max_num_queries(26):
        assert dispense(pharmacy, rx, lines).status_code == 201


def test_dispensing_a_cancelled_or_expired_prescription_is_409(api_as, written, settings):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    api_as("doctor", "درمانگاه شفا").post(f"/api/v1/prescriptions/{rx['tracking_code']}/cancel")
    line = [{"item": rx["items"][0]["id"], "quantity": 1}]
    assert dispense(api_as("pharmacy"), rx, line).status_code == 409
    other = written([{"code": "PARA-500-TAB", "quantity": 5}])
    later = timezone.now() + dt.timedelta(days=settings.PRESCRIPTION_VALID_DAYS["drug"] + 1)
    with time_machine.travel(later):
        response = dispense(api_as("pharmacy"), other,
                            [{"item": other["items"][0]["id"], "quantity": 1}])
    assert response.status_code == 409
    # a lab still cannot reach a drug prescription at all
    assert dispense(api_as("lab"), other, [{"item": other["items"][0]["id"], "quantity": 1}]
                    ).status_code == 404
    assert Dispense.objects.count() == 0


def test_the_counters_move_together_or_not_at_all(api_as, written):
    """The one UPDATE for all items is the database's own guard: when any item would go
    past what was prescribed it reports fewer rows than items, and the dispense (whose
    transaction it is in) is refused whole."""
    from django.db import transaction

    from pharmacy.services import _take

    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 9}])
    amox, para = (item["id"] for item in rx["items"])
    now = timezone.now()
    with transaction.atomic():
        assert _take({amox: 20, para: 10}, now) is False
        transaction.set_rollback(True)
    assert _take({amox: 5, para: 9}, now) is True
    prescription = Prescription.objects.get(tracking_code=rx["tracking_code"])
    assert [i.dispensed_quantity for i in prescription.items.order_by("id")] == [5, 9]
    assert _take({para: 1}, now) is False and _take({amox: 15}, now) is True
