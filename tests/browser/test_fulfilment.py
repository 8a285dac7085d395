import pytest
from playwright.sync_api import expect

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

    # part: 10 amoxicillin from one pack with its code, no acetaminophen yet
    page.get_by_label("تعداد تحویل آموکسی‌سیلین ۵۰۰ میلی‌گرم کپسول").fill("10")
    page.get_by_label("کد اصالت بسته ۱ آموکسی‌سیلین ۵۰۰ میلی‌گرم کپسول").fill(
        "6260000000000001")
    page.get_by_label("تعداد تحویل استامینوفن ۵۰۰ میلی‌گرم قرص").fill("0")
    expect(page.get_by_label("کد اصالت بسته ۱ استامینوفن ۵۰۰ میلی‌گرم قرص")).to_have_count(0)
    page.get_by_test_id("dispense").click()
    receipt = page.get_by_test_id("receipt")
    receipt.wait_for()
    assert "۷۵٬۰۰۰" in page.get_by_test_id("patient-pays").inner_text()
    assert "۱۷۵٬۰۰۰" in page.get_by_test_id("insurer-pays").inner_text()
    assert Prescription.objects.get(pk=rx.pk).status == "partially_dispensed"

    # the rest, from the receipt's link: one code per remaining pack
    page.get_by_role("link", name="ارائه باقی‌مانده").click()
    page.get_by_label("کد اصالت بسته ۱ آموکسی‌سیلین ۵۰۰ میلی‌گرم کپسول").fill(
        "6260000000000002")
    page.get_by_label("کد اصالت بسته ۱ استامینوفن ۵۰۰ میلی‌گرم قرص").fill("6260000000000003")
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
    assert "بالا" in page.get_by_test_id("result-item").inner_text()


def test_scanner_input_fills_one_field_per_pack_and_flags_bad_scans(page, live_demo, outbox):
    rx = _write("drug", [{"code": "WARF-5-TAB", "quantity": 45}])  # two packs of 30
    sign_in(page, outbox, DEMO["pharmacy"])
    page.wait_for_url("**/fulfil/")
    page.goto(f"/fulfil/{rx.tracking_code}/")
    name = "وارفارین ۵ میلی‌گرم قرص"
    first = page.get_by_label(f"کد اصالت بسته ۱ {name}")
    second = page.get_by_label(f"کد اصالت بسته ۲ {name}")
    expect(first).to_be_focused()
    expect(page.locator(".pack-hint")).to_contain_text("۳۰ + ۱۵")
    page.keyboard.type("6260000000000101")
    page.keyboard.press("Enter")  # a scanner ends each scan with Enter
    expect(second).to_be_focused()
    page.keyboard.type("6260000000000101")  # the same pack scanned twice
    page.keyboard.press("Enter")
    expect(second).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("این کد یک بار اسکن شده است")).to_be_visible()
    expect(second).to_be_focused()
    page.keyboard.type("123")  # a torn label: the scan replaces the selected text
    page.keyboard.press("Enter")
    expect(page.get_by_text("کد اصالت باید ۱۶ رقم باشد")).to_be_visible()
    page.keyboard.type("6260000000000102")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("dispense")).to_be_focused()
    # fewer tablets need fewer packs: the empty field goes, the scanned ones stay
    quantity = page.get_by_label(f"تعداد تحویل {name}")
    quantity.fill("30")
    expect(page.locator("input.pack-code")).to_have_count(2)
    expect(quantity).to_have_value("۳۰")
    quantity.fill("45")
    page.get_by_test_id("dispense").press("Enter")
    page.get_by_test_id("receipt").wait_for()
    lines = Prescription.objects.get(pk=rx.pk).dispenses.get().lines.order_by("id")
    assert [(line.quantity, line.uid) for line in lines] == [
        (30, "6260000000000101"), (15, "6260000000000102")]


def test_a_pack_count_error_keeps_what_was_typed(page, live_demo, outbox):
    rx = _write("drug", [{"code": "WARF-5-TAB", "quantity": 45}])
    sign_in(page, outbox, DEMO["pharmacy"])
    page.wait_for_url("**/fulfil/")
    page.goto(f"/fulfil/{rx.tracking_code}/")
    name = "وارفارین ۵ میلی‌گرم قرص"
    page.get_by_label(f"کد اصالت بسته ۱ {name}").fill("6260000000000201")
    page.get_by_test_id("dispense").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("۲ بسته لازم است")
    expect(page.get_by_label(f"کد اصالت بسته ۱ {name}")).to_have_value("6260000000000201")
    expect(page.get_by_label(f"تعداد تحویل {name}")).to_have_value("۴۵")
