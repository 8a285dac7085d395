"""config.sql.insert_rows writes exactly the rows the ORM writes, in one statement, and sets
what `save()` sets; unique violations are Django's IntegrityError, and nothing is half
written."""

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from accounts.models import AccessLog, Membership, Patient
from config.sql import insert_rows
from notices.models import Notice
from prescriptions.models import CatalogItem, Prescription, PrescriptionItem, PrescriptionVersion
from tests.conftest import DEMO


def _stored(model, pk):
    row = model_to_dict(model.objects.get(pk=pk))
    row.pop("id")
    return row


def _pair(model, make):
    """The same row written by the ORM and by insert_rows, read back."""
    by_orm, by_us = make(), make()
    by_orm.save()
    insert_rows([by_us])
    assert by_us.pk and by_us.pk != by_orm.pk and not by_us._state.adding
    return _stored(model, by_orm.pk), _stored(model, by_us.pk)


def test_it_writes_what_save_writes(written, django_assert_num_queries):
    code = written([{"code": "PARA-500-TAB", "quantity": 10}])["tracking_code"]
    prescription = Prescription.objects.get(tracking_code=code)
    doctor = prescription.doctor
    versions = [PrescriptionVersion(
        prescription=prescription, version=v, items=[{"code": "PARA", "dose": None, "n": 1}],
        note="یادداشت", rule_results=[{"level": "warning"}], totals={"total": 12_500},
        created_by=doctor) for v in (7, 8)]
    versions[0].save()
    with django_assert_num_queries(1):
        insert_rows(versions[1:])
    first, second = (_stored(PrescriptionVersion, v.pk) for v in versions)
    for row in (first, second):
        row.pop("version"), row.pop("created_at")
    assert first == second  # JSON, text, the foreign keys
    # the default time is set as save() sets it
    assert versions[1].created_at and PrescriptionVersion.objects.get(
        pk=versions[1].pk).created_at == versions[1].created_at

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    orm, ours = _pair(AccessLog, lambda: AccessLog(
        action="prescription.read", actor_id=doctor.user_id, membership=doctor,
        patient=patient, national_code=patient.national_code, target="t", ip="127.0.0.1"))
    orm.pop("at"), ours.pop("at")
    assert orm == ours


def test_many_rows_in_one_statement_in_order(written, django_assert_num_queries):
    code = written([{"code": "PARA-500-TAB", "quantity": 10}])["tracking_code"]
    prescription = Prescription.objects.get(tracking_code=code)
    drugs = list(CatalogItem.objects.filter(kind="drug").exclude(code="PARA-500-TAB")[:3])
    items = [PrescriptionItem(prescription=prescription, catalog_item=drug, code=drug.code,
                              name=drug.name, quantity=n + 1, unit_price=1000, total=1000,
                              insurer_share=700, patient_share=300, covered=True,
                              position=n + 1) for n, drug in enumerate(drugs)]
    with django_assert_num_queries(1):
        insert_rows(items)
    stored = {i.pk: (i.code, i.quantity, i.position, i.dispensed_quantity)
              for i in PrescriptionItem.objects.filter(pk__in=[i.pk for i in items])}
    assert [stored[i.pk] for i in items] == [(d.code, n + 1, n + 1, 0)
                                            for n, d in enumerate(drugs)]


def test_a_unique_clash_is_an_integrity_error_and_writes_nothing(written):
    code = written([{"code": "PARA-500-TAB", "quantity": 10}])["tracking_code"]
    prescription = Prescription.objects.get(tracking_code=code)
    item = prescription.items.get()
    before = PrescriptionItem.objects.count()
    clash = [PrescriptionItem(prescription=prescription, catalog_item=item.catalog_item,
                              code="X", name="x", quantity=1, position=5, unit_price=1, total=1,
                              insurer_share=0, patient_share=1, covered=False)
             for _ in range(2)]  # the same drug twice in one prescription
    with pytest.raises(IntegrityError, match=r"rx_item_once_per_prescription|UNIQUE"), \
            transaction.atomic():
        insert_rows(clash)
    assert PrescriptionItem.objects.count() == before
    assert all(i.pk is None and i._state.adding for i in clash)


def test_skipping_conflicts_keeps_the_first_row(demo):
    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    insert_rows([Notice(key="k:1", patient=patient, event="registered", text="اول")],
                skip_conflicts=True)
    insert_rows([Notice(key="k:1", patient=patient, event="registered", text="دوم")],
                skip_conflicts=True)
    assert list(Notice.objects.filter(key="k:1").values_list("text", flat=True)) == ["اول"]


def test_it_refuses_saved_rows_and_mixed_models(demo):
    membership = Membership.objects.first()
    with pytest.raises(TypeError):
        insert_rows([membership])
    with pytest.raises(TypeError):
        insert_rows([AccessLog(action="a"), Notice(key="x", event="e", text="t",
                                                   patient_id=1)])
    assert insert_rows([]) == []
