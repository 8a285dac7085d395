"""The counter's hand-written lookup returns exactly what the ORM selector would, shaped
exactly alike through the serializer, in a fixed number of queries."""

import datetime as dt

import pytest

from accounts import patients
from accounts.errors import Invalid
from accounts.models import BlockedNationalCode
from prescriptions import counter_read, selectors, services
from prescriptions.models import Prescription
from prescriptions.serializers import PrescriptionOut
from tests.conftest import DEMO, membership_of

MOTHER, OTHER = DEMO["patient2"][0], DEMO["patient"][0]


@pytest.fixture
def cast(demo):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    reception = membership_of(DEMO["reception"][0])
    newborn = patients.patient_register(first_name="نوزاد", last_name="رستمی",
                                        birth_date=dt.date.today(), sex="F",
                                        mother_national_code=MOTHER)

    def write(identifier, items, kind="drug"):
        visit = services.visit_admit(actor=reception, national_code=identifier,
                                     doctor_id=doctor.pk).visit
        return services.prescription_create(doctor=doctor, visit=visit, kind=kind,
                                            items=items, override_warnings=True)

    written = {
        "mother": [write(MOTHER, [{"code": "AMOX-500-CAP", "quantity": 20},
                                               {"code": "PARA-500-TAB", "quantity": 10}])
                   for _ in range(3)],
        "newborn": write(newborn.unique_id, [{"code": "PARA-500-TAB", "quantity": 5}]),
        "other": write(OTHER, [{"code": "ASA-80-TAB", "quantity": 30}]),
        "lab": write(MOTHER, [{"code": "LAB-FBS", "quantity": 1}], kind="lab"),
    }
    cancelled = written["mother"][2]
    Prescription.objects.filter(pk=cancelled.pk).update(status=Prescription.Status.CANCELLED)
    return {"newborn": newborn, "written": written,
            "pharmacy": membership_of(DEMO["pharmacy"][0]), "lab": membership_of(DEMO["lab"][0])}


def _orm(viewer, identifier=None, tracking_code=None):
    return list(selectors.lookup(queryset=selectors.open_for_fulfilment(viewer),
                                 identifier=identifier, tracking_code=tracking_code)
                [:selectors.LIST_LIMIT])


@pytest.mark.parametrize("who, query", [
    ("pharmacy", {"identifier": MOTHER}),          # the mother and her newborn
    ("pharmacy", {"identifier": OTHER}),
    ("pharmacy", {"identifier": "newborn"}),                    # the newborn's own unique id
    ("pharmacy", {"tracking_code": "other"}),
    ("pharmacy", {"identifier": OTHER, "tracking_code": "mother0"}),  # none
    ("lab", {"identifier": MOTHER}),
    ("lab", {"tracking_code": "other"}),                        # another kind: none
])
def test_the_same_prescriptions_and_the_same_output_as_the_orm(cast, who, query,
                                                               django_assert_num_queries):
    viewer = cast[who]
    written = cast["written"]
    if query.get("identifier") == "newborn":
        query = {"identifier": cast["newborn"].unique_id}
    if query.get("tracking_code") == "other":
        query = {**query, "tracking_code": written["other"].tracking_code.lower()}
    if query.get("tracking_code") == "mother0":
        query = {**query, "tracking_code": written["mother"][0].tracking_code}
    expected = _orm(viewer, **query)
    # a national code's block is read by the same query, or probed apart when it finds none
    blocked_probe = 1 if str(query.get("identifier", "")).startswith("00") and not expected else 0
    with django_assert_num_queries(1 + blocked_probe):
        found = selectors.counter_find(viewer=viewer, **query)
    assert [p.pk for p in found] == [p.pk for p in expected]
    got, want = PrescriptionOut(found, many=True).data, PrescriptionOut(expected, many=True).data
    for a, b in zip(got, want, strict=True):
        assert {k: v for k, v in a.items() if k != "items"} == {
            k: v for k, v in b.items() if k != "items"}
        assert [dict(i) for i in a["items"]] == [dict(i) for i in b["items"]]
    with django_assert_num_queries(0):  # everything the page and the log read is loaded
        for p in found:
            assert p.patient.pk and p.doctor.user.full_name and p.facility.name
            assert all(i.catalog_item.code == i.code for i in p.items.all())
            assert (p.patient.mother is None) == (p.patient.mother_id is None)
            assert p.signed is False and p.get_deferred_fields() == {"signed_content"}
            assert p.doctor.user.get_deferred_fields() == counter_read.LEFT_OUT["u"]
    if found:  # a column left out loads on demand, as any deferred field
        with django_assert_num_queries(1):
            content = found[0].signed_content
        assert content == Prescription.objects.get(pk=found[0].pk).signed_content


@pytest.mark.parametrize("code, found", [(MOTHER, True), ("0499370899", False)])
def test_a_blocked_national_code_is_refused_with_or_without_prescriptions(cast, code, found,
                                                                          api_as):
    viewer = cast["pharmacy"]
    assert bool(selectors.counter_find(viewer=viewer, identifier=code)) is found
    BlockedNationalCode.objects.create(code=code, reason="تکراری")
    with pytest.raises(Invalid) as refused:
        selectors.counter_find(viewer=viewer, identifier=code)
    assert refused.value.code == "blocked_national_code"
    answer = api_as("pharmacy").get("/api/v1/prescriptions", {"national_code": code})
    assert answer.status_code == 400 and answer.json()["code"] == "blocked_national_code"
    # the other identifiers of the same patients are not blocked
    assert selectors.counter_find(viewer=viewer, identifier=cast["newborn"].unique_id)


def test_what_the_counter_sees(cast):
    found = selectors.counter_find(viewer=cast["pharmacy"], identifier=MOTHER)
    written = cast["written"]
    expected = {written["newborn"].pk, written["mother"][0].pk, written["mother"][1].pk}
    assert {p.pk for p in found} == expected  # not the cancelled one, not the lab's
    assert [p.created_at for p in found] == sorted((p.created_at for p in found), reverse=True)
    assert [[i.position for i in p.items.all()] for p in found] == [
        sorted(i.position for i in p.items.all()) for p in found]


def test_the_list_is_bounded(cast, monkeypatch):
    from prescriptions import counter_read

    counter_read._sql.cache_clear()
    monkeypatch.setattr(counter_read, "LIST_LIMIT", 1)
    try:
        found = selectors.counter_find(viewer=cast["pharmacy"], identifier=MOTHER)
    finally:
        counter_read._sql.cache_clear()
    assert len(found) == 1 and len(list(found[0].items.all())) >= 1


def test_nothing_for_non_counters_and_empty_queries(cast):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    assert selectors.counter_find(viewer=doctor, identifier=MOTHER) == []
    assert selectors.counter_find(viewer=cast["pharmacy"]) == []


def test_the_fetched_items_read_without_queries_and_chain_to_the_real_relation(
        cast, django_assert_num_queries):
    found = selectors.counter_find(viewer=cast["pharmacy"], identifier=MOTHER)
    several = next(p for p in found if len(p.items.all()) > 1)
    with django_assert_num_queries(0):
        rows = list(several.items.all())
        assert several.items.count() == len(rows) and several.items.exists()
        assert list(several.items.all()[:1]) == rows[:1]
    with django_assert_num_queries(2):  # chained: the real relation, this prescription only
        chained = list(several.items.filter(quantity__gt=0))
        last = several.items.order_by("-id").first()
    assert {i.prescription_id for i in chained} == {several.pk} and len(chained) == len(rows)
    assert last.prescription_id == several.pk
