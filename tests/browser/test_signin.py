import pytest

from tests.browser.conftest import sign_in
from tests.conftest import DEMO

pytestmark = pytest.mark.browser


def test_doctor_signs_in_picks_shafa_and_lands_on_queue(page, live_demo, outbox):
    sign_in(page, outbox, DEMO["doctor"])
    assert page.url.endswith("/login/choose/")
    page.get_by_role("button", name="درمانگاه شفا").click()
    page.wait_for_url("**/doctor/")
    assert "درمانگاه شفا" in page.get_by_test_id("active-membership").inner_text()
    assert page.get_by_test_id("page-title").inner_text().startswith("صف بیماران")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Vazirmatn" in font


def test_wrong_code_keeps_the_doctor_out(page, live_demo, outbox):
    national_code, mobile = DEMO["pharmacy"]
    page.goto("/login/")
    page.get_by_label("کد ملی").fill(national_code)
    page.get_by_label("شماره همراه").fill(mobile)
    page.get_by_role("button", name="دریافت کد ورود").click()
    code = outbox.last_code(mobile)
    page.get_by_label("کد پیامک‌شده").fill("111111" if code != "111111" else "222222")
    page.get_by_role("button", name="ورود").click()
    assert "نادرست" in page.content()
    assert page.url.endswith("/login/code/")
