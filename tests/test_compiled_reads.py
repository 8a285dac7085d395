"""config.sql.CompiledRead: a fixed-shape ORM read compiled once per process gives exactly
the rows and instances the ORM gives, with its related objects, and sends one query."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler

from accounts.models import Patient
from claims.eligibility import _live_covers, live_covers
from tests.conftest import DEMO


def as_orm(patient_id, mother_id, day):
    return list(_live_covers(patient_id, mother_id, day))


def same(a, b):
    return [(c.pk, c.scheme.code, c.scheme.insurer.code, c.valid_from, c.valid_to)
            for c in a] == [(c.pk, c.scheme.code, c.scheme.insurer.code, c.valid_from,
                             c.valid_to) for c in b]


@pytest.mark.parametrize("who", ["patient", "patient2", "uninsured", "covered_twice"])
@pytest.mark.parametrize("day", [dt.date(2026, 12, 1), dt.date(1990, 1, 1),
                                 dt.date(2100, 1, 1)])
def test_the_compiled_read_gives_the_orms_rows(demo, who, day):
    patient = Patient.objects.get(national_code=DEMO[who][0])
    assert same(live_covers(patient.pk, patient.pk, day), as_orm(patient.pk, patient.pk, day))


def test_a_newborn_reads_its_mothers_cover_too(demo):
    mother = Patient.objects.get(national_code=DEMO["patient2"][0])
    baby = Patient.objects.create(first_name="نوزاد", last_name="حسینی", sex="F",
                                  birth_date=dt.date(2026, 11, 30), mother=mother,
                                  unique_id="9990000011")
    day = dt.date(2026, 12, 1)
    found = live_covers(baby.pk, mother.pk, day)
    assert found and {c.patient_id for c in found} == {mother.pk}
    assert same(found, as_orm(baby.pk, mother.pk, day))


def test_it_compiles_once_and_sends_one_query(demo, django_assert_num_queries, monkeypatch):
    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    live_covers(patient.pk, patient.pk, dt.date(2026, 12, 1))  # compiled here, if not before
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql",
                        lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with django_assert_num_queries(1):
        found = live_covers(patient.pk, patient.pk, dt.date(2026, 12, 1))
        assert found[0].scheme.insurer.code  # related objects came with the row
    assert compiled == []


def test_threads_each_use_their_own_connection(demo, transactional_db):
    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    expected = as_orm(patient.pk, patient.pk, dt.date(2026, 12, 1))
    results, errors = [], []

    def read():
        try:
            results.append(live_covers(patient.pk, patient.pk, dt.date(2026, 12, 1)))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors and len(results) == 4 and all(same(r, expected) for r in results)


def test_the_dispense_reads_give_the_orms_rows(written, django_assert_num_queries):
    from django.db import transaction

    from pharmacy.services import items_with_catalog, locked_for_dispense
    from prescriptions.models import Prescription

    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB",
                                                           "quantity": 10}])
    prescription = Prescription.objects.get(tracking_code=rx["tracking_code"])
    with transaction.atomic():
        with django_assert_num_queries(1):
            [locked] = locked_for_dispense(prescription.pk)
            assert (locked.patient.pk, locked.visit.hid, locked.doctor.pk) == (
                prescription.patient_id, prescription.hid, prescription.doctor_id)
        with django_assert_num_queries(1):
            items = items_with_catalog(locked)
            assert [i.catalog_item.code for i in items] == ["AMOX-500-CAP", "PARA-500-TAB"]
            assert all(i.prescription is locked for i in items)
    assert [i.pk for i in items] == [i.pk for i in prescription.items.all()]


def test_an_in_read_gives_the_orms_rows_for_each_size(demo, monkeypatch):
    from django.db.models.sql.compiler import SQLCompiler

    from prescriptions.models import CatalogItem
    from prescriptions.services import _active_by_code

    codes = list(CatalogItem.objects.filter(active=True).order_by("code")
                 .values_list("code", flat=True)[:4])
    CatalogItem.objects.filter(code=codes[0]).update(active=False)
    for wanted in ([codes[1]], codes, [*codes, "NOT-A-CODE", codes[2]], ["NOT-A-CODE"]):
        expected = CatalogItem.objects.filter(code__in=set(wanted), active=True)
        found = _active_by_code(wanted)
        assert sorted((i.pk, i.code, i.unit_price, i.result_spec) for i in found) == sorted(
            (i.pk, i.code, i.unit_price, i.result_spec) for i in expected)
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql",
                        lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    assert [i.code for i in _active_by_code([codes[3], codes[3]])] == [codes[3]]  # size 1 again
    assert compiled == []
    assert _active_by_code([]) == []


def test_the_tariffs_read_takes_the_day_and_the_scheme(demo):
    from claims.models import Scheme
    from prescriptions.models import CatalogItem, GenericGroup, Tariff
    from prescriptions.rules import tariffs_on

    group = GenericGroup.objects.create(code="G-T", name="گروه")
    other = GenericGroup.objects.create(code="G-U", name="گروه دو")
    items = list(CatalogItem.objects.filter(kind="drug").order_by("pk")[:3])
    for item, to in zip(items, (group, group, other), strict=True):
        item.generic_group = to
        item.save()
    scheme = Scheme.objects.order_by("pk").first()
    Tariff.objects.create(group=group, scheme=scheme, amount=5000,
                          valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 6, 30))
    Tariff.objects.create(group=group, scheme=scheme, amount=7000,
                          valid_from=dt.date(2026, 7, 1))
    Tariff.objects.create(group=other, scheme=scheme, amount=900,
                          valid_from=dt.date(2026, 7, 1))
    a, b, c = (i.pk for i in items)
    assert tariffs_on(items, scheme.pk, dt.date(2026, 3, 1)) == {a: 5000, b: 5000}
    assert tariffs_on(items, scheme.pk, dt.date(2026, 12, 1)) == {a: 7000, b: 7000, c: 900}
    assert tariffs_on(items[2:], scheme.pk, dt.date(2026, 12, 1)) == {c: 900}
    assert tariffs_on(items, scheme.pk, dt.date(2025, 12, 31)) == {}
    assert tariffs_on(items, None, dt.date(2026, 12, 1)) == {}
    other_scheme = Scheme.objects.exclude(pk=scheme.pk).first()
    assert tariffs_on(items, other_scheme.pk, dt.date(2026, 12, 1)) == {}


def test_visit_start_moves_only_a_waiting_visit(written):
    from prescriptions.models import Visit
    from prescriptions.services import visit_start

    written([{"code": "AMOX-500-CAP", "quantity": 20}])
    visit = Visit.objects.get()
    assert visit.status == Visit.Status.IN_PROGRESS  # by its first prescription
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.WAITING)
    visit_start(visit=visit)
    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.IN_PROGRESS
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.DONE)
    visit_start(visit=visit)
    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.DONE


def test_a_compiled_prefetch_fills_what_djangos_fills(written, monkeypatch,
                                                      django_assert_num_queries):
    """The counter's read of a prescription by tracking code prefetches its items on a
    compiled read: the same items in the same order with their catalog rows, each pointing
    back at its prescription, and the cache a queryset that still queries when filtered;
    two queries (the prescription, its items) and nothing compiled once warm."""
    from django.db.models import prefetch_related_objects

    from config.sql import CompiledPrefetch
    from prescriptions import selectors
    from prescriptions.models import Prescription

    rx = written([{"code": "PARA-500-TAB", "quantity": 10}, {"code": "AMOX-500-CAP",
                                                           "quantity": 20},
                  {"code": "ASA-80-TAB", "quantity": 30}])
    written([{"code": "ASA-80-TAB", "quantity": 30}], who="patient2")
    assert isinstance(selectors._of_kind.prefetch[0], CompiledPrefetch)
    selectors._of_kind.first("drug", rx["tracking_code"])  # compiled here, if not before
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql",
                        lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with django_assert_num_queries(2):
        ours = selectors._of_kind.first("drug", rx["tracking_code"])
        items = list(ours.items.all())
        assert [i.catalog_item.code for i in items] == ["PARA-500-TAB", "AMOX-500-CAP",
                                                        "ASA-80-TAB"]
        assert all(i.prescription is ours for i in items)
    assert compiled == []
    monkeypatch.undo()
    djangos = Prescription.objects.get(pk=ours.pk)
    prefetch_related_objects([djangos], selectors._items())
    theirs = list(djangos.items.all())
    assert [(i.pk, i.catalog_item_id, i.quantity) for i in items] == [
        (i.pk, i.catalog_item_id, i.quantity) for i in theirs]
    held, expected = ours._prefetched_objects_cache["items"], djangos._prefetched_objects_cache[
        "items"]
    assert type(held) is type(expected) and str(held.query) == str(expected.query)
    with django_assert_num_queries(1):
        assert [i.code for i in ours.items.filter(quantity__gt=10)] == ["AMOX-500-CAP",
                                                                         "ASA-80-TAB"]


def test_a_prefetch_it_cannot_compile_goes_djangos_way():
    from django.db.models import Prefetch

    from config.sql import CompiledPrefetch
    from prescriptions.models import Prescription, PrescriptionItem

    items = PrescriptionItem.objects.all()
    assert CompiledPrefetch.of(Prescription, Prefetch("items", queryset=items))
    assert CompiledPrefetch.of(Prescription, "items") is None  # no queryset
    assert CompiledPrefetch.of(Prescription, Prefetch("items", queryset=items,
                                                      to_attr="held")) is None
    assert CompiledPrefetch.of(Prescription, Prefetch("items__catalog_item")) is None
    assert CompiledPrefetch.of(Prescription, Prefetch("visit", queryset=None)) is None
    assert CompiledPrefetch.of(Prescription, Prefetch(  # a prefetch below the children
        "items", queryset=items.prefetch_related("dispense_lines"))) is None
