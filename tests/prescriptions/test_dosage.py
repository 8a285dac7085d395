"""Structured dosage: amount, frequency and timing stored as fields, shown as one line."""

from decimal import Decimal

import pytest

from prescriptions.dosage import Dose, days_of_supply
from prescriptions.models import PrescriptionItem
from tests.prescriptions.conftest import drug


def test_a_dose_reads_as_one_persian_line():
    assert Dose(Decimal(1), "q8h", "قرص", "after_food").line() == (
        "هر ۸ ساعت، هر بار ۱ قرص، بعد از غذا")
    assert Dose(Decimal("0.5"), "q12h", "قرص").line() == "هر ۱۲ ساعت، هر بار نیم قرص"
    assert Dose(Decimal("1.5"), "prn").line() == "در صورت نیاز، هر بار ۱٫۵ عدد"


@pytest.mark.parametrize("quantity, dose, days", [
    (30, Dose(Decimal(1), "q8h"), 10), (20, Dose(Decimal(2), "q12h"), 5),
    (10, Dose(Decimal(1), "prn"), 30), (30, Dose(Decimal("0.5"), "q24h"), 60),
    (4, Dose(Decimal(1), "weekly"), 28)])
def test_days_of_supply(quantity, dose, days):
    assert days_of_supply(quantity=quantity, per_day=dose.per_day, default_days=30) == days


def test_a_structured_dose_is_stored_and_shown(admit, prescribe):
    response = prescribe(admit("patient"), [drug("AMOX-500-CAP", 21, dose={
        "amount": "۱", "frequency": "q8h", "timing": "after_food"})])
    assert response.status_code == 201, response.content
    item = response.json()["items"][0]
    assert item["dosage"] == "هر ۸ ساعت، هر بار ۱ کپسول، بعد از غذا"
    assert item["dose"] == {"amount": "1", "unit": "کپسول", "frequency": "q8h",
                            "timing": "after_food"}
    stored = PrescriptionItem.objects.get()
    assert stored.dose_amount == Decimal(1) and stored.dose_frequency == "q8h"


def test_free_text_dosage_still_works_without_a_structured_dose(admit, prescribe):
    item = prescribe(admit("patient"), [drug("PARA-500-TAB", 10, dosage="هر ۶ ساعت")]
                     ).json()["items"][0]
    assert item["dosage"] == "هر ۶ ساعت" and item["dose"] is None


@pytest.mark.parametrize("dose, field", [
    ({"amount": 0, "frequency": "q8h"}, "dose.amount"),
    ({"amount": "abc", "frequency": "q8h"}, "dose.amount"),
    ({"amount": 101, "frequency": "q8h"}, "dose.amount"),
    ({"amount": "1.234", "frequency": "q8h"}, "dose.amount"),
    ({"amount": 1, "frequency": "hourly"}, "dose.frequency"),
    ({"amount": 1, "frequency": "q8h", "timing": "noon"}, "dose.timing"),
    ({"amount": 1, "frequency": "q8h", "unit": "x" * 21}, "dose.unit"),
    ("twice a day", "dose"),
])
def test_a_bad_dose_is_400_and_writes_nothing(admit, prescribe, dose, field):
    response = prescribe(admit("patient"), [drug("AMOX-500-CAP", 20, dose=dose)])
    assert response.status_code == 400
    assert f"items.0.{field}" in response.json()["errors"]
    assert not PrescriptionItem.objects.exists()


def test_the_visit_page_takes_a_structured_dose(admit, page_as):
    visit = admit("patient")
    doctor = page_as("doctor", "درمانگاه شفا")
    response = doctor.post(f"/doctor/visits/{visit['id']}/prescribe", {
        "kind": "drug", "code": ["AMOX-500-CAP"], "quantity": ["۲۰"], "dose_amount": ["۲"],
        "dose_frequency": ["q12h"], "dose_timing": ["before_food"], "dosage": [""],
        "instructions": [""]})
    assert response.status_code == 302, response.content.decode()[:2000]
    item = PrescriptionItem.objects.get()
    assert item.quantity == 20
    assert item.dosage == "هر ۱۲ ساعت، هر بار ۲ کپسول، قبل از غذا"
