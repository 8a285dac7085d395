"""Libraries earn their place (issue 13): django-filter parses the invoice list's filters,
the admin filters by Jalali month (jdatetime; django-jalali went, see README), factory_boy
builds the bulk test cast."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.identity import national_code_is_valid
from accounts.models import Patient, User
from prescriptions.models import Prescription
from tests.conftest import DEMO
from tests.prescriptions.factories import PatientFactory, make_patients


@pytest.mark.parametrize("query, code, field", [("status=bogus", "filter", "status"),
                                                ("period=abc", "period", "period")])
def test_a_bad_invoice_filter_is_a_400_naming_it(api_as, query, code, field):
    response = api_as("pharmacy").get(f"/api/v1/invoices?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code and field in response.json()["errors"]


def test_a_good_invoice_filter_passes(api_as):
    response = api_as("pharmacy").get("/api/v1/invoices?status=draft&period=۱۴۰۵-۰۸")
    assert response.status_code == 200 and response.json() == []


def test_the_admin_filters_prescriptions_by_jalali_month(client, written):
    # 1405-09-01 (Azar) is 2026-11-22; a prescription on 1405-08-30 belongs to Aban
    with time_machine.travel(dt.datetime(2026, 11, 21, 20, 0, tzinfo=dt.UTC)):  # 23:30 Tehran
        aban = written([{"code": "PARA-500-TAB", "quantity": 5}])
    with time_machine.travel(dt.datetime(2026, 11, 21, 21, 0, tzinfo=dt.UTC)):  # 00:30 Azar 1
        azar = written([{"code": "PARA-500-TAB", "quantity": 5}])
    admin = User.objects.create_superuser("0499370899", mobile="09121111111")
    client.force_login(admin)
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)):
        page = client.get("/admin/prescriptions/prescription/").content.decode()
        assert "آذر ۱۴۰۵" in page and "آبان ۱۴۰۵" in page
        for month, wanted, other in (("1405-09", azar, aban), ("1405-08", aban, azar)):
            html = client.get("/admin/prescriptions/prescription/",
                              {"created_at_month": month}).content.decode()
            assert wanted["tracking_code"] in html and other["tracking_code"] not in html
    assert Prescription.objects.count() == 2 and timezone.is_aware(
        Prescription.objects.first().created_at)


def test_factory_built_patients_are_valid_and_saved_in_one_insert(db, django_assert_num_queries):
    built = PatientFactory.build()
    assert national_code_is_valid(built.national_code) and built.pk is None
    with django_assert_num_queries(1):
        codes = make_patients(25)
    assert len(set(codes)) == 25
    assert Patient.objects.filter(national_code__in=codes).count() == 25
    assert DEMO  # the demo cast stays the seed's; factories only add to it
