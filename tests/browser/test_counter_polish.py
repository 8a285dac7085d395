"""Counter polish: a failed search never turns a typed quantity into a pick, busy
indicators while the server works, Persian validation messages, Persian digits as typed."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_alis_visit, sign_in
from tests.conftest import DEMO

pytestmark = pytest.mark.browser


def test_a_failed_search_keeps_the_quantity_out_of_the_search(page, live_demo, outbox):
    search = open_alis_visit(page, outbox)
    search.press_sequentially("ناموجود")
    expect(page.locator("#search-hint-drug")).to_contain_text("موردی پیدا نشد")
    search.press("Enter")
    expect(search).to_have_attribute("aria-invalid", "true")
    # the doctor, thinking a drug was picked, types the quantity: it replaces the search
    page.keyboard.type("500")
    page.keyboard.press("Enter")
    expect(page.locator("#search-hint-drug")).to_contain_text("ابتدا دارو را پیدا")
    time.sleep(0.5)  # a pick, if any, would have happened by now
    assert page.locator(".rx-rows .rx-row").count() == 0
    expect(search).to_have_value("500")


def test_busy_indicators_show_while_the_server_works(page, live_demo, outbox):
    search = open_alis_visit(page, outbox)
    indicator = page.get_by_test_id("search-busy-drug")
    expect(indicator).to_be_hidden()
    held = []  # requests held back until the indicator has been seen

    def hold(route):
        held.append(route)

    def release(pattern):
        for route in held:
            route.continue_()
        held.clear()
        page.unroute(pattern, hold)

    page.route("**/doctor/catalog/**", hold)
    search.press_sequentially("آموکسی")
    expect(indicator).to_be_visible()
    release("**/doctor/catalog/**")
    page.locator("#results-drug .catalog-pick").first.wait_for()
    expect(indicator).to_be_hidden()
    page.route("**/preview", hold)
    search.press("Enter")
    page.keyboard.type("10")  # the preview runs once the row is complete
    page.keyboard.press("Enter")
    expect(page.locator("#preview-busy-drug")).to_be_visible()
    release("**/preview")
    page.get_by_test_id("cost-split").wait_for()
    expect(page.locator("#preview-busy-drug")).to_be_hidden()


def test_quantities_show_in_persian_digits_as_typed(page, live_demo, outbox):
    search = open_alis_visit(page, outbox)
    search.press_sequentially("آموکسی")
    page.locator("#results-drug .catalog-pick").first.wait_for()
    search.press("Enter")
    page.keyboard.type("25")
    expect(page.get_by_label("تعداد").last).to_have_value("۲۵")
    page.get_by_label("مقدار هر نوبت").last.fill("")
    page.get_by_label("مقدار هر نوبت").last.press_sequentially("1.5")
    expect(page.get_by_label("مقدار هر نوبت").last).to_have_value("۱.۵")


def test_browser_validation_speaks_persian(page, live_demo, outbox):
    sign_in(page, outbox, DEMO["pharmacy"])
    page.wait_for_url("**/fulfil/")
    field = page.get_by_label("کد ملی بیمار یا کد رهگیری نسخه")
    message = field.evaluate("f => { f.reportValidity(); return f.validationMessage; }")
    assert message == "این خانه را پر کنید."
