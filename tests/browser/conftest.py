"""Playwright driving Debian's /usr/bin/chromium against the live test server."""

import os

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop; the ORM calls in tests are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page() -> a page in its own browser context (its own cookies: one person)."""
    contexts = []

    def make():
        context = browser.new_context(locale="fa-IR", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def live_demo(transactional_db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))


def sign_in(page, outbox, who, facility: str | None = None) -> None:
    """Sign in through the real pages, reading the code from the SMS outbox."""
    national_code, mobile = who
    page.goto("/login/")
    page.get_by_label("کد ملی").fill(national_code)
    page.get_by_label("شماره همراه").fill(mobile)
    page.get_by_role("button", name="دریافت کد ورود").click()
    page.get_by_label("کد پیامک‌شده").fill(outbox.last_code(mobile))
    page.get_by_role("button", name="ورود").click()
    if facility:
        page.get_by_role("button", name=facility).click()


def open_next_patient(page) -> None:
    """From the doctor's queue, Enter opens the next waiting patient (it has the focus)."""
    from playwright.sync_api import expect

    page.wait_for_url("**/doctor/")
    # autofocus lands at the next rendering step, which may come after the load event
    expect(page.locator("a[autofocus]")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/doctor/visits/*/")


def open_alis_visit(page, outbox):
    """Ali admitted to Dr Ahmadi at Shafa (through the service), the doctor signed in on the
    page and on his visit: the drug search box."""
    from accounts.models import Membership
    from prescriptions import services
    from tests.conftest import DEMO

    reception = Membership.objects.get(user__national_code=DEMO["reception"][0])
    doctor = Membership.objects.get(user__national_code=DEMO["doctor"][0],
                                    facility__name="درمانگاه شفا")
    services.visit_admit(actor=reception, national_code=DEMO["patient"][0], doctor_id=doctor.pk)
    sign_in(page, outbox, DEMO["doctor"], facility="درمانگاه شفا")
    open_next_patient(page)
    return page.get_by_label("جستجوی دارو (نام فارسی یا لاتین)")
