"""The clinical rules over the patient's current medicines, across prescriptions and
prescribers (seed 002 §8-7), with minimum disclosure and a logged safety check."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.jalali import jalali_date
from accounts.models import AccessLog
from prescriptions.models import CatalogItem, ClinicalLimit, Prescription
from tests.conftest import DEMO, membership_of
from tests.prescriptions.conftest import drug


@pytest.fixture
def karimi(api_as):
    """Dr Karimi (cardiologist, درمانگاه شفا): another prescriber than Dr Ahmadi."""
    return api_as("cardiologist")


@pytest.fixture
def karimi_visit(admit, demo):
    cardiologist = membership_of(DEMO["cardiologist"][0])

    def make(who="patient"):
        return admit(who, doctor=cardiologist)

    return make


def write(client, visit, items, **extra):
    return client.post("/api/v1/prescriptions", {"visit": visit["id"], "kind": "drug",
                                                 "items": items, **extra}, format="json")


@pytest.fixture
def warfarin(admit, prescribe):
    """Dr Ahmadi puts Ali on warfarin, with a note only the prescriber should share."""
    response = prescribe(admit("patient"), [drug("WARF-5-TAB", 30)], note="INR هر هفته")
    assert response.status_code == 201, response.content
    return response.json()


def _result(body, rule):
    return next(r for r in body["rule_results"] if r["rule"] == rule)


def test_ibuprofen_after_warfarin_from_another_doctor_is_rejected(warfarin, karimi,
                                                                  karimi_visit):
    response = write(karimi, karimi_visit(), [drug("IBU-400-TAB", 20)], override_warnings=True)
    assert response.status_code == 422
    result = _result(response.json(), "clinical.interaction")
    assert result["level"] == "reject"
    assert set(result["items"]) == {"IBU-400-TAB", "WARF-5-TAB"}
    assert result["related"] == {"code": "WARF-5-TAB", "name": "وارفارین ۵ میلی‌گرم قرص",
                                 "source": "prescribed",
                                 "date": timezone.localdate().isoformat()}
    assert "وارفارین" in result["message"]
    assert jalali_date(timezone.localdate()) in result["message"]
    # minimum disclosure: neither the other prescriber, nor the facility, nor the note
    text = str(response.json())
    assert "احمدی" not in text and "INR هر هفته" not in text
    assert not Prescription.objects.filter(items__code="IBU-400-TAB").exists()


def test_aspirin_after_warfarin_is_a_warning_to_acknowledge(warfarin, karimi, karimi_visit):
    visit = karimi_visit()
    response = write(karimi, visit, [drug("ASA-80-TAB", 30)])
    assert response.status_code == 422
    assert _result(response.json(), "clinical.interaction")["level"] == "warning"
    response = write(karimi, visit, [drug("ASA-80-TAB", 30)], override_warnings=True)
    assert response.status_code == 201
    stored = Prescription.objects.get(tracking_code=response.json()["tracking_code"])
    assert stored.warnings_overridden
    assert _result({"rule_results": stored.rule_results}, "clinical.interaction")


def test_the_same_drug_on_two_prescriptions_is_a_warning_not_a_reject(warfarin, karimi,
                                                                      karimi_visit):
    response = write(karimi, karimi_visit(), [drug("WARF-5-TAB", 30)])
    assert response.status_code == 422
    result = _result(response.json(), "clinical.duplicate_therapy")
    assert result["level"] == "warning" and result["related"]["source"] == "prescribed"
    assert write(karimi, karimi_visit(), [drug("WARF-5-TAB", 30)],
                 override_warnings=True).status_code == 201


def test_the_same_drug_twice_in_one_prescription_stays_a_reject(admit, prescribe):
    response = prescribe(admit("patient"), [drug("PARA-500-TAB", 5), drug("PARA-500-TAB", 5)],
                         override_warnings=True)
    assert response.status_code == 422
    assert _result(response.json(), "clinical.duplicate_therapy")["level"] == "reject"


def test_a_cancelled_prescription_is_ignored(warfarin, doctor, karimi, karimi_visit):
    assert doctor.post(f"/api/v1/prescriptions/{warfarin['tracking_code']}/cancel"
                       ).status_code == 200
    response = write(karimi, karimi_visit(), [drug("IBU-400-TAB", 20)])
    assert response.status_code == 201, response.content
    assert not [r for r in response.json()["rule_results"] if "related" in r]


def test_an_expired_prescription_with_nothing_dispensed_is_ignored(warfarin, karimi,
                                                                   karimi_visit):
    Prescription.objects.filter(tracking_code=warfarin["tracking_code"]).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert write(karimi, karimi_visit(), [drug("IBU-400-TAB", 20)]).status_code == 201


def test_another_patients_medicines_do_not_count(warfarin, karimi, karimi_visit):
    assert write(karimi, karimi_visit("patient2"), [drug("IBU-400-TAB", 20)]
                 ).status_code == 201


def _dispense_all(api_as, rx, uids):
    lines = [{"item": rx["items"][0]["id"], "quantity": q, "uid": u} for q, u in uids]
    response = api_as("pharmacy").post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                                       {"lines": lines}, format="json")
    assert response.status_code == 201, response.content


def _ibuprofen_rejected_after(*, days: int) -> bool:
    """Dr Karimi's rule check for ibuprofen, `days` from now (the service, as the API's
    token would have expired)."""
    from prescriptions import services

    karimi = membership_of(DEMO["cardiologist"][0])
    visit = services.visit_admit(actor=karimi, national_code=DEMO["patient"][0]).visit
    with time_machine.travel(timezone.now() + dt.timedelta(days=days)):
        evaluation = services.prescription_preview(
            doctor=karimi, visit=visit, kind="drug", items=[drug("IBU-400-TAB", 20)])
    return evaluation.rejected


def test_a_dispensed_drug_counts_while_its_supply_lasts(admit, prescribe, api_as, karimi,
                                                        karimi_visit):
    rx = prescribe(admit("patient"), [drug("WARF-5-TAB", 30, dose={
        "amount": 1, "frequency": "q24h"})]).json()
    _dispense_all(api_as, rx, [(30, "6260000000000001")])
    assert Prescription.objects.get(tracking_code=rx["tracking_code"]).status == "dispensed"
    response = write(karimi, karimi_visit(), [drug("IBU-400-TAB", 20)])
    assert response.status_code == 422
    related = _result(response.json(), "clinical.interaction")["related"]
    assert related["source"] == "dispensed"
    assert "مصرف دارد" in _result(response.json(), "clinical.interaction")["message"]
    # 30 tablets at one a day: still in use on day 30, not on day 31
    assert _ibuprofen_rejected_after(days=29)
    assert not _ibuprofen_rejected_after(days=30)


def test_each_dispense_moves_the_items_last_given_time_forward(admit, prescribe, api_as):
    """The profile reads when a drug was last given from the item's own row, written with
    its counter by every dispense: the latest dispense's end, never an earlier one."""
    from pharmacy.models import Dispense
    from pharmacy.services import _take
    from prescriptions.models import PrescriptionItem

    rx = prescribe(admit("patient"), [drug("WARF-5-TAB", 30)]).json()
    item = rx["items"][0]["id"]
    _dispense_all(api_as, rx, [(10, "6260000000000011")])
    first = Dispense.objects.get(prescription__tracking_code=rx["tracking_code"])
    assert PrescriptionItem.objects.get(pk=item).last_given_at == first.ended_at
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        _dispense_all(api_as, rx, [(10, "6260000000000012")])
    latest = Dispense.objects.filter(prescription__tracking_code=rx["tracking_code"]).latest(
        "ended_at")
    assert latest.ended_at > first.ended_at
    assert PrescriptionItem.objects.get(pk=item).last_given_at == latest.ended_at
    # a clock behind the last dispense's (another web machine's) does not move it back
    assert _take({item: 1}, first.ended_at) is True
    assert PrescriptionItem.objects.get(pk=item).last_given_at == latest.ended_at


def test_the_backfill_gives_dispensed_items_their_last_dispense_time(admit, prescribe,
                                                                      api_as):
    """Migration pharmacy 0008 fills the time in for dispenses written before it: the
    latest of an item's dispenses, in batches of item ids."""
    import importlib

    from django.apps import apps

    from pharmacy.models import Dispense
    from prescriptions.models import PrescriptionItem

    migration = importlib.import_module("pharmacy.migrations.0008_backfill_item_last_given_at")
    rx = prescribe(admit("patient"), [drug("WARF-5-TAB", 30), drug("PARA-500-TAB", 10)]).json()
    _dispense_all(api_as, rx, [(10, "6260000000000021")])
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        _dispense_all(api_as, rx, [(10, "6260000000000022")])
    PrescriptionItem.objects.update(last_given_at=None)
    migration.BATCH = 1  # every item its own batch
    try:
        migration.backfill(apps, None)
    finally:
        migration.BATCH = 10_000
    given, untouched = (PrescriptionItem.objects.get(pk=i["id"]) for i in rx["items"])
    dispenses = Dispense.objects.filter(prescription__tracking_code=rx["tracking_code"])
    assert given.last_given_at == max(d.ended_at for d in dispenses)
    assert given.last_given_at > min(d.ended_at for d in dispenses)
    assert untouched.last_given_at is None  # nothing of it dispensed


def test_a_drug_dispensed_without_the_time_still_counts(admit, prescribe, api_as, karimi,
                                                         karimi_visit):
    """A dispense by code that did not write `last_given_at` yet (old code serving during
    a rolling deploy) leaves the drug in the checks: the prescription's last change, which
    that dispense made, stands in for the time."""
    from prescriptions.models import PrescriptionItem

    rx = prescribe(admit("patient"), [drug("WARF-5-TAB", 30, dose={
        "amount": 1, "frequency": "q24h"})]).json()
    _dispense_all(api_as, rx, [(30, "6260000000000031")])
    PrescriptionItem.objects.filter(pk=rx["items"][0]["id"]).update(last_given_at=None)
    response = write(karimi, karimi_visit(), [drug("IBU-400-TAB", 20)])
    assert response.status_code == 422
    assert _result(response.json(), "clinical.interaction")["related"]["source"] == "dispensed"


def test_the_profile_reads_no_dispensing_table():
    """Its plan cannot turn on the dispensing tables' size or statistics: a plan PostgreSQL
    cached while they were empty (a new deployment, a freshly loaded database) once
    scanned them whole for every item, and cost a dispense four times its SQL."""
    from prescriptions import medications

    for excluding in (False, True):
        sql, _converters = medications._sql(2, excluding)
        assert "dispense" not in sql.replace("dispensed_quantity", "")


def test_without_a_daily_dose_the_items_default_supply_applies(admit, prescribe, api_as,
                                                               karimi, karimi_visit):
    CatalogItem.objects.filter(code="WARF-5-TAB").update(default_days_supply=7)
    rx = prescribe(admit("patient"), [drug("WARF-5-TAB", 30)]).json()
    _dispense_all(api_as, rx, [(30, "6260000000000002")])
    assert _ibuprofen_rejected_after(days=6)
    assert not _ibuprofen_rejected_after(days=7)


def test_a_dose_limit_counts_the_current_medicines_too(admit, prescribe, karimi,
                                                        karimi_visit):
    ClinicalLimit.objects.create(item=CatalogItem.objects.get(code="PARA-500-TAB"),
                                 max_quantity=30, level="warning")
    assert prescribe(admit("patient"), [drug("PARA-500-TAB", 20)]).status_code == 201
    response = write(karimi, karimi_visit(), [drug("PARA-500-TAB", 20)])
    assert response.status_code == 422
    limit = _result(response.json(), "clinical.max_dose")
    assert "۴۰" in limit["message"] and "۳۰" in limit["message"]


def test_editing_does_not_warn_against_the_prescription_itself(warfarin, doctor):
    response = doctor.patch(f"/api/v1/prescriptions/{warfarin['tracking_code']}",
                            {"items": [drug("WARF-5-TAB", 20)]}, format="json")
    assert response.status_code == 200, response.content
    assert not [r for r in response.json()["rule_results"] if "related" in r]


def test_the_safety_check_is_logged_as_such(warfarin, karimi, karimi_visit):
    write(karimi, karimi_visit(), [drug("ASA-80-TAB", 30)], override_warnings=True)
    entry = AccessLog.objects.filter(action=AccessLog.Action.SAFETY_CHECK).get()
    assert entry.membership == membership_of(DEMO["cardiologist"][0])
    assert entry.patient.national_code == DEMO["patient"][0]


def _safety_logs():
    return AccessLog.objects.filter(action=AccessLog.Action.SAFETY_CHECK).count()


def test_the_safety_check_is_logged_with_the_prescription_in_one_transaction(
        warfarin, karimi, karimi_visit, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    visit = karimi_visit()
    with CaptureQueriesContext(connection) as statements:
        assert write(karimi, visit, [drug("ASA-80-TAB", 30)],
                     override_warnings=True).status_code == 201
    sql = [q["sql"] for q in statements.captured_queries]
    begin = next(i for i, q in enumerate(sql) if q.startswith(("BEGIN", "SAVEPOINT")))
    logged = next(i for i, q in enumerate(sql) if "accounts_accesslog" in q
                  and q.startswith("INSERT"))
    assert logged > begin  # inside the write's transaction, not a commit of its own
    assert _safety_logs() == 1


def test_a_refused_prescription_still_logs_the_safety_check(warfarin, karimi, karimi_visit):
    """Warnings not confirmed or a reject (both 422): the medicines were read and shown."""
    visit = karimi_visit()
    assert write(karimi, visit, [drug("ASA-80-TAB", 30)]).status_code == 422
    assert _safety_logs() == 1
    assert write(karimi, visit, [drug("IBU-400-TAB", 20)],
                 override_warnings=True).status_code == 422
    assert _safety_logs() == 2
    assert not Prescription.objects.filter(doctor__user__national_code=DEMO["cardiologist"][0])


def test_a_refused_edit_still_logs_the_safety_check(warfarin, karimi, karimi_visit):
    visit = karimi_visit()
    written = write(karimi, visit, [drug("PARA-500-TAB", 10)], override_warnings=True).json()
    before = _safety_logs()
    response = karimi.patch(f"/api/v1/prescriptions/{written['tracking_code']}",
                            {"items": [drug("IBU-400-TAB", 20)], "override_warnings": True},
                            format="json")
    assert response.status_code == 422
    assert _safety_logs() == before + 1  # not rolled back with the refused edit
    assert Prescription.objects.get(tracking_code=written["tracking_code"]).version == 1


def test_the_full_panel_needs_consent_and_names_prescribers(warfarin, karimi, karimi_visit,
                                                            outbox):
    visit = karimi_visit()
    url = f"/api/v1/patients/{DEMO['patient'][0]}/medications"
    assert karimi.get(url).json()["code"] == "consent_required"
    karimi.post(f"/api/v1/patients/{DEMO['patient'][0]}/history-access")
    code = outbox.last_code(DEMO["patient"][1], "consent")
    assert karimi.post(f"/api/v1/patients/{DEMO['patient'][0]}/history-access/verify",
                       {"code": code}, format="json").status_code == 200
    body = karimi.get(url).json()
    assert [(m["code"], m["source"], m["prescriber"]) for m in body] == [
        ("WARF-5-TAB", "prescribed", "سارا احمدی")]
    assert AccessLog.objects.filter(action=AccessLog.Action.MEDICATIONS_READ).exists()
    del visit


def test_the_visit_page_panel_shows_only_with_consent(warfarin, karimi_visit, page_as):
    from prescriptions.models import ConsentGrant

    visit = karimi_visit()
    client = page_as("cardiologist")
    page = client.get(f"/doctor/visits/{visit['id']}/").content.decode()
    assert "داروهای فعلی بیمار" in page and 'data-testid="current-medication"' not in page
    ConsentGrant.objects.create(doctor=membership_of(DEMO["cardiologist"][0]),
                                patient_id=Prescription.objects.get().patient_id,
                                valid_until=timezone.now() + dt.timedelta(minutes=30))
    page = client.get(f"/doctor/visits/{visit['id']}/").content.decode()
    assert 'data-testid="current-medication"' in page and "سارا احمدی" in page


def test_a_profile_of_hundreds_of_medicines_costs_no_more_queries(
        demo, admit, prescribe, karimi, karimi_visit, django_assert_max_num_queries):
    from accounts.models import Patient
    from prescriptions.models import PrescriptionItem, Visit

    visit = karimi_visit()
    assert write(karimi, visit, [drug("SILD-50-TAB", 4)]).status_code == 201
    with django_assert_max_num_queries(40) as baseline:  # a profile of one medicine
        assert write(karimi, visit, [drug("PARA-500-TAB", 10)]).status_code == 201
    few = len(baseline.captured_queries)
    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    items = CatalogItem.objects.bulk_create(
        CatalogItem(kind="drug", code=f"BULK-{n}", name_fa=f"داروی {n}", unit_price=1000,
                    therapeutic_class=f"class-{n}") for n in range(300))
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    host = Visit.objects.get(pk=visit["id"])
    for n, item in enumerate(items):
        rx = Prescription.objects.create(
            tracking_code=f"BULK{n:06d}", visit=host, patient=patient, doctor=doctor,
            facility=host.facility, kind="drug", hid=host.hid,
            valid_until=timezone.localdate() + dt.timedelta(days=30))
        PrescriptionItem.objects.create(prescription=rx, catalog_item=item, code=item.code,
                                        name=item.name_fa, quantity=1, unit_price=1000,
                                        total=1000, insurer_share=0, patient_share=1000,
                                        covered=False)
    with django_assert_max_num_queries(few):  # a drug outside any generic group, like PARA
        assert write(karimi, visit, [drug("ASA-80-TAB", 10)]).status_code == 201


def test_the_answer_to_a_write_and_a_read_of_it_are_the_same_json(warfarin, karimi,
                                                                   karimi_visit):
    """Key order too: `related` is kept as jsonb orders it, so clients that compare or
    hash the text see one prescription, not two."""
    import json

    written = write(karimi, karimi_visit(), [drug("ASA-80-TAB", 30)], override_warnings=True)
    assert written.status_code == 201
    read = karimi.get(f"/api/v1/prescriptions/{written.json()['tracking_code']}")
    results = written.json()["rule_results"]
    assert any("related" in r for r in results)
    assert json.dumps(results, ensure_ascii=False) == json.dumps(
        read.json()["rule_results"], ensure_ascii=False)
