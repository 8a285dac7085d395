import pytest

from accounts.models import Membership
from prescriptions import services
from prescriptions.models import Prescription, Visit
from tests.browser.conftest import sign_in
from tests.conftest import DEMO

pytestmark = pytest.mark.browser


def _write(kind, items):
    doctor = Membership.objects.get(user__national_code=DEMO["doctor"][0],
                                    facility__name="درمانگاه شفا")
    from accounts.models import Patient

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    visit = Visit.objects.filter(patient=patient, doctor=doctor).first() or Visit.objects.create(
        hid="77777777777777", facility=doctor.facility, doctor=doctor, patient=patient,
        scheme=patient.coverages.get().scheme, patient_share_percent=30)
    return services.prescription_create(doctor=doctor, visit=visit, kind=kind, items=items)


def test_pharmacist_dispenses_part_then_the_rest_and_prints(page, live_demo, outbox):
    rx = _write("drug", [{"code": "AMOX-500-CAP", "quantity": 20},
                         {"code": "PARA-500-TAB", "quantity": 10}])
    page.add_init_script("window.print = () => { window.__printed = true; };")
    sign_in(page, outbox, DEMO["pharmacy"])
    page.wait_for_url("**/fulfil/")
    page.get_by_label("کد ملی بیمار یا کد رهگیری نسخه").fill(DEMO["patient"][0])
    page.keyboard.press("Enter")
    page.get_by_role("link", name="ارائه").click()

    # part: 10 amoxicillin in one pack with its code, no acetaminophen yet
    page.get_by_label("تعداد تحویل آموکسی‌سیلین ۵۰۰ میلی‌گرم کپسول").fill("10")
    page.get_by_label("کدهای اصالت آموکسی‌سیلین ۵۰۰ میلی‌گرم کپسول").fill("6260000000000001")
    page.get_by_label("تعداد تحویل استامینوفن ۵۰۰ میلی‌گرم قرص").fill("0")
    page.get_by_test_id("dispense").click()
    receipt = page.get_by_test_id("receipt")
    receipt.wait_for()
    assert "۷۵٬۰۰۰" in page.get_by_test_id("patient-pays").inner_text()
    assert "۱۷۵٬۰۰۰" in page.get_by_test_id("insurer-pays").inner_text()
    assert Prescription.objects.get(pk=rx.pk).status == "partially_dispensed"

    # the rest, from the receipt's link
    page.get_by_role("link", name="ارائه باقی‌مانده").click()
    page.get_by_test_id("dispense").click()
    page.get_by_test_id("receipt").wait_for()
    # 10 × 25000 + 10 × 5000 = 300000 → patient 90000
    assert "۹۰٬۰۰۰" in page.get_by_test_id("patient-pays").inner_text()
    assert Prescription.objects.get(pk=rx.pk).status == "dispensed"

    page.get_by_role("button", name="چاپ رسید").click()
    assert page.evaluate("window.__printed") is True
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="چاپ رسید").is_visible()


def test_lab_technician_records_a_cbc(page, live_demo, outbox):
    rx = _write("lab", [{"code": "LAB-CBC", "quantity": 1}])
    sign_in(page, outbox, DEMO["lab"])
    page.wait_for_url("**/fulfil/")
    page.get_by_label("کد ملی بیمار یا کد رهگیری نسخه").fill(rx.tracking_code)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="انجام و ثبت نتیجه").click()
    page.get_by_label("شاخص").fill("WBC")
    page.get_by_label("مقدار").fill("11.2")
    page.get_by_label("واحد").fill("10^3/µL")
    page.get_by_label("محدوده مرجع (مثلاً 4-10)").fill("4-10")
    page.get_by_role("button", name="ثبت نتیجه").click()
    page.get_by_text("نتیجه ثبت شد").wait_for()
    item = Prescription.objects.get(pk=rx.pk).items.get()
    assert item.result["flag"] == "high" and item.dispensed_quantity == 1
    assert "high" in page.get_by_test_id("result-item").inner_text()
