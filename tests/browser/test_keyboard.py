"""Counter speed: the doctor and the pharmacist with the keyboard alone."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from pharmacy.models import Dispense
from prescriptions import services
from prescriptions.models import Prescription
from tests.browser.conftest import open_next_patient, sign_in
from tests.conftest import DEMO

pytestmark = pytest.mark.browser


def _admit():
    reception = Membership.objects.get(user__national_code=DEMO["reception"][0])
    doctor = Membership.objects.get(user__national_code=DEMO["doctor"][0],
                                    facility__name="درمانگاه شفا")
    return services.visit_admit(actor=reception, national_code=DEMO["patient"][0],
                                doctor_id=doctor.pk).visit


def test_doctor_registers_three_drugs_with_the_keyboard_alone(page, live_demo, outbox):
    _admit()
    sign_in(page, outbox, DEMO["doctor"], facility="درمانگاه شفا")
    open_next_patient(page)
    for name, quantity in [("آموکسی", "20"), ("استامینوفن", "10"), ("آسپرین", "30")]:
        page.keyboard.type(name)
        page.locator("#results-drug .catalog-pick").first.wait_for()
        page.keyboard.press("Enter")
        page.keyboard.type(quantity)
        page.keyboard.press("Enter")
    # 20 × 25000 + 10 × 5000 + 30 × 2000 = 610000
    expect(page.get_by_test_id("total")).to_contain_text("۶۱۰٬۰۰۰")
    page.keyboard.press("Control+Enter")
    page.get_by_test_id("message-tracking").wait_for()
    prescription = Prescription.objects.get()
    assert [(i.code, i.quantity) for i in prescription.items.all()] == [
        ("AMOX-500-CAP", 20), ("PARA-500-TAB", 10), ("ASA-80-TAB", 30)]


def test_pharmacist_dispenses_with_the_keyboard_alone(page, live_demo, outbox):
    visit = _admit()
    doctor = visit.doctor
    services.prescription_create(doctor=doctor, visit=visit, kind="drug",
                                 items=[{"code": "AMOX-500-CAP", "quantity": 10}])
    sign_in(page, outbox, DEMO["pharmacy"])
    page.wait_for_url("**/fulfil/")
    expect(page.get_by_label("کد ملی بیمار یا کد رهگیری نسخه")).to_be_focused()
    page.keyboard.type(DEMO["patient"][0])
    page.keyboard.press("Enter")
    page.get_by_test_id("open-prescription").wait_for()
    page.keyboard.press("Enter")  # the first prescription's "ارائه" has the focus
    page.get_by_test_id("dispense-row").first.wait_for()
    page.keyboard.type("6260000000000123")  # pack code field has the focus
    page.keyboard.press("Control+Enter")
    page.get_by_test_id("receipt").wait_for()
    assert Dispense.objects.get().lines.get().uid == "6260000000000123"
