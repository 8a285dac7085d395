"""Reception in the browser: a newborn admitted under the mother's code, a foreign
national by FIDA code, and a person without any code."""

import pytest
from playwright.sync_api import expect

from accounts.models import Patient
from prescriptions.models import Visit
from tests.browser.conftest import sign_in
from tests.conftest import DEMO

pytestmark = pytest.mark.browser

CODE_FIELD = "کد ملی، کد فیدا یا شناسه یکتای بیمار"


def _reception(page, outbox):
    sign_in(page, outbox, DEMO["reception"])
    page.wait_for_url("**/reception/")
    page.get_by_label("پزشک").select_option(label="سارا احمدی (پزشک عمومی)")


def test_a_newborn_is_registered_and_admitted_under_the_mother(page, live_demo, outbox):
    _reception(page, outbox)
    page.get_by_label(CODE_FIELD).fill(DEMO["patient2"][0])
    page.get_by_label("نوزاد (با کد ملی مادر)").check()
    page.get_by_role("button", name="پذیرش", exact=True).click()
    expect(page.get_by_test_id("newborns")).to_contain_text("نوزادی برای این مادر ثبت نشده است")
    form = page.get_by_test_id("register-form")
    expect(form.get_by_label("نوزاد (با کد ملی مادر)")).to_be_checked()
    expect(form.get_by_label("کد ملی مادر (برای نوزاد)")).to_have_value(DEMO["patient2"][0])
    form.get_by_label("تاریخ تولد (مثلاً ۱۳۷۰/۰۵/۱۲)").fill("۱۴۰۵/۰۹/۰۸")
    form.get_by_label("جنس").select_option("F")
    form.get_by_role("button", name="ثبت و پذیرش").click()
    expect(page.get_by_test_id("message-unique-id")).to_contain_text("شناسه یکتای صادرشده")
    baby = Patient.objects.get(mother__national_code=DEMO["patient2"][0])
    assert baby.first_name == "نوزاد" and baby.last_name == "حسینی"
    visit = Visit.objects.get(patient=baby)
    assert visit.scheme.code == "SSO-GEN"  # the mother's cover
    expect(page.get_by_test_id("visit-row").first).to_contain_text("نوزاد")


def test_a_foreign_national_and_an_unidentified_person(page, live_demo, outbox):
    _reception(page, outbox)
    page.get_by_label(CODE_FIELD).fill("123456789012")
    page.get_by_role("button", name="پذیرش", exact=True).click()
    form = page.get_by_test_id("register-form")
    expect(form.get_by_label("کد فیدا (اتباع خارجی)")).to_be_checked()
    form.get_by_label("نام", exact=True).fill("احمد")
    form.get_by_label("نام خانوادگی").fill("کریمی‌زاده")
    form.get_by_label("تاریخ تولد (مثلاً ۱۳۷۰/۰۵/۱۲)").fill("۱۳۶۵/۰۱/۰۱")
    form.get_by_role("button", name="ثبت و پذیرش").click()
    expect(page.get_by_text("پذیرش شد")).to_be_visible()
    assert Visit.objects.get(patient__fida_code="123456789012").scheme is None

    page.get_by_label(CODE_FIELD).fill("0499370899")
    page.get_by_role("button", name="پذیرش", exact=True).click()
    form = page.get_by_test_id("register-form")
    form.get_by_label("بدون شناسه (مجهول‌الهویه یا کد ملی مسدود)").check()
    form.get_by_label("کد ملی یا کد فیدا").fill("")
    form.get_by_label("نام", exact=True).fill("ناشناس")
    form.get_by_label("نام خانوادگی").fill("اورژانس")
    form.get_by_label("تاریخ تولد (مثلاً ۱۳۷۰/۰۵/۱۲)").fill("۱۳۷۰/۰۱/۰۱")
    form.get_by_role("button", name="ثبت و پذیرش").click()
    expect(page.get_by_test_id("message-unique-id")).to_be_visible()
    assert Patient.objects.get(unidentified=True).unique_id
