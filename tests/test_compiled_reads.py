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
