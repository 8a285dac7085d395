"""Dispensing as the contract now has it: one pack code per pack (TTAC), the rules of the
day kept with the dispense, its own HID, the payment, and a start time within a skew."""

import datetime as dt

import pytest
from django.utils import timezone

from claims.models import ClaimLine
from pharmacy.models import Dispense
from prescriptions.models import CatalogItem, InteractionRule, Prescription
from tests.conftest import DEMO, membership_of
from tests.pharmacy.conftest import uid


def post(client, rx, lines, **body):
    return client.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                       {"lines": lines, **body}, format="json")


def test_a_tracked_drug_without_a_pack_code_is_400(api_as, written):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    response = post(api_as("pharmacy"), rx, [{"item": rx["items"][0]["id"], "quantity": 5}])
    assert response.status_code == 400
    assert response.json()["code"] == "pack_code"
    assert "lines.0.uid" in response.json()["errors"]
    assert Dispense.objects.count() == 0


def test_a_line_larger_than_one_pack_is_400(api_as, written):
    rx = written([{"code": "WARF-5-TAB", "quantity": 60}])  # packs of 30
    response = post(api_as("pharmacy"), rx,
                    [{"item": rx["items"][0]["id"], "quantity": 31, "uid": uid(1)}])
    assert response.status_code == 400
    assert "lines.0.quantity" in response.json()["errors"]
    response = post(api_as("pharmacy"), rx,
                    [{"item": rx["items"][0]["id"], "quantity": 30, "uid": uid(1)},
                     {"item": rx["items"][0]["id"], "quantity": 30, "uid": uid(2)}])
    assert response.status_code == 201
    assert [line["uid"] for line in response.json()["lines"]] == [uid(1), uid(2)]


def test_a_pack_given_in_part_takes_its_code_once(api_as, written):
    rx = written([{"code": "WARF-5-TAB", "quantity": 60}])
    pharmacy = api_as("pharmacy")
    item = rx["items"][0]["id"]
    assert post(pharmacy, rx, [{"item": item, "quantity": 10, "uid": uid(3)}]).status_code == 201
    again = post(pharmacy, rx, [{"item": item, "quantity": 10, "uid": uid(3)}])
    assert again.status_code == 409 and again.json()["code"] == "pack_code_reused"


def test_untracked_items_and_ttac_off_need_no_code(api_as, written, settings):
    CatalogItem.objects.filter(code="PARA-500-TAB").update(ttac_tracked=False)
    rx = written([{"code": "PARA-500-TAB", "quantity": 50}, {"code": "AMOX-500-CAP", "quantity": 20}])
    para, amox = rx["items"]
    pharmacy = api_as("pharmacy")
    assert post(pharmacy, rx, [{"item": para["id"], "quantity": 50}]).status_code == 201
    assert post(pharmacy, rx, [{"item": amox["id"], "quantity": 5}]).status_code == 400
    settings.TTAC_REQUIRED = False
    assert post(pharmacy, rx, [{"item": amox["id"], "quantity": 20}]).status_code == 201


def test_the_dispense_keeps_its_own_hid_rules_and_payment(api_as, written):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    response = post(api_as("pharmacy"), rx,
                    [{"item": rx["items"][0]["id"], "quantity": 10, "uid": uid(4)}],
                    payment={"method": "card", "terminal_id": "POS0042", "reference": "R1"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["hid"]) == 14 and body["hid"] != rx["hid"]
    assert body["rules_tracking_id"].startswith("R") and isinstance(body["rule_results"], list)
    assert body["payment"] == {"method": "card", "terminal_id": "POS0042", "reference": "R1"}
    assert body["totals"]["supplementary_share"] == 0
    claim = ClaimLine.objects.get(claim__tracking_code=rx["tracking_code"]).claim
    assert claim.hid == body["hid"]
    assert (claim.payment_method, claim.payment_terminal) == ("card", "POS0042")


@pytest.mark.parametrize("payment, field", [
    ({"method": "bitcoin"}, "payment.method"),
    ({"method": "card"}, "payment.terminal_id"),
    ({"method": "card", "terminal_id": "پایانه"}, "payment.terminal_id"),
    ({"method": "cash", "reference": "x" * 65}, "payment.reference"),
    ("cash", "payment"),
])
def test_a_bad_payment_is_400_and_writes_nothing(api_as, written, payment, field):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    response = post(api_as("pharmacy"), rx,
                    [{"item": rx["items"][0]["id"], "quantity": 10, "uid": uid(5)}],
                    payment=payment)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert Dispense.objects.count() == 0


def _warfarin_by_karimi():
    from prescriptions import services

    karimi = membership_of(DEMO["cardiologist"][0])
    visit = services.visit_admit(actor=karimi, national_code=DEMO["patient"][0]).visit
    return services.prescription_create(doctor=karimi, visit=visit, kind="drug",
                                        items=[{"code": "WARF-5-TAB", "quantity": 30}])


def test_warnings_at_dispensing_are_recorded_in_the_dispense(api_as, written):
    _warfarin_by_karimi()
    rx = written([{"code": "ASA-80-TAB", "quantity": 30}])
    response = post(api_as("pharmacy"), rx,
                    [{"item": rx["items"][0]["id"], "quantity": 30, "uid": uid(6)}],
                    acknowledge_warnings=True)
    assert response.status_code == 201
    results = response.json()["rule_results"]
    interaction = next(r for r in results if r["rule"] == "clinical.interaction")
    assert interaction["level"] == "warning" and interaction["related"]["code"] == "WARF-5-TAB"
    assert "کریمی" not in str(results)
    dispense = Dispense.objects.get()
    assert dispense.warnings_acknowledged and dispense.rule_results == results


def test_an_interaction_found_at_dispensing_blocks_it(api_as, written):
    InteractionRule.objects.filter(item_b__code="IBU-400-TAB").update(active=False)
    _warfarin_by_karimi()
    rx = written([{"code": "IBU-400-TAB", "quantity": 20}])
    InteractionRule.objects.update(active=True)  # the rule book changed meanwhile
    response = post(api_as("pharmacy"), rx,
                    [{"item": rx["items"][0]["id"], "quantity": 20, "uid": uid(7)}])
    assert response.status_code == 422
    assert any(r["level"] == "reject" for r in response.json()["rule_results"])
    assert Dispense.objects.count() == 0
    assert Prescription.objects.get(tracking_code=rx["tracking_code"]).status == "active"


@pytest.mark.parametrize("offset, status", [
    (dt.timedelta(minutes=10), 400), (dt.timedelta(seconds=60), 201),
    (-dt.timedelta(hours=13), 400), (-dt.timedelta(hours=2), 201)])
def test_a_start_time_beyond_a_small_skew_is_refused(api_as, written, offset, status):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    started = timezone.now() + offset
    response = post(api_as("pharmacy"), rx,
                    [{"item": rx["items"][0]["id"], "quantity": 10, "uid": uid(8)}],
                    started_at=started.isoformat())
    assert response.status_code == status, response.content
    if status == 201:
        assert Dispense.objects.get().started_at <= timezone.now()
    else:
        assert "started_at" in response.json()["errors"]


def test_a_drawn_hid_that_clashes_is_drawn_again(api_as, written, monkeypatch):
    first = written([{"code": "PARA-500-TAB", "quantity": 10}])
    second = written([{"code": "PARA-500-TAB", "quantity": 10}])
    pharmacy = api_as("pharmacy")
    taken = post(pharmacy, first, [{"item": first["items"][0]["id"], "quantity": 10,
                                    "uid": uid(20)}]).json()["hid"]
    draws = iter([taken, "12345678901234"])
    monkeypatch.setattr("pharmacy.services.new_hid", lambda: next(draws))
    response = post(pharmacy, second, [{"item": second["items"][0]["id"], "quantity": 10,
                                        "uid": uid(21)}])
    assert response.status_code == 201, response.content
    assert response.json()["hid"] == "12345678901234"
    assert Dispense.objects.count() == 2
