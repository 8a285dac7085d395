"""No Latin leftovers in the Persian UI: text outside identifiers (codes, shown left to
right) is Persian on every role's main pages."""

import re
from html.parser import HTMLParser

import pytest

from prescriptions import services
from tests.conftest import DEMO, membership_of

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
SKIPPED = {"script", "style", "template", "code", "title"}


class LatinText(HTMLParser):
    """Text nodes with Latin letters, outside elements marked left-to-right (identifiers,
    codes, Latin drug names shown as such)."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        skip = (tag in SKIPPED or "ltr" in (attrs.get("class") or "").split()
                or attrs.get("dir") == "ltr")
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not any(skip for _, skip in self.stack) and re.search(r"[A-Za-z]", data):
            self.found.append(data.strip()[:80])


@pytest.fixture
def pages(demo, written, api_as):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    reception = membership_of(DEMO["reception"][0])
    visit = services.visit_admit(actor=reception, national_code=DEMO["patient"][0],
                                 doctor_id=doctor.pk).visit
    rx = written([{"code": "AMOX-500-CAP", "quantity": 10, "dose": {
        "amount": 1, "frequency": "q8h", "timing": "after_food"}}])
    services.prescription_update(doctor=doctor, prescription=services.Prescription.objects.get(
        tracking_code=rx["tracking_code"]), items=[{"code": "AMOX-500-CAP", "quantity": 20}])
    lab = written([{"code": "LAB-CBC", "quantity": 1}], kind="lab")
    api_as("lab").post(f"/api/v1/prescriptions/{lab['tracking_code']}/results",
                       {"item": lab["items"][0]["id"], "result": {
                           "value": 12, "unit": "g/dL", "reference_range": "13-17"}},
                       format="json")
    return [
        (None, "/login/"), ("reception", "/reception/"), ("doctor", "/doctor/"),
        ("doctor", f"/doctor/visits/{visit.pk}/"),
        ("pharmacy", f"/fulfil/?q={DEMO['patient'][0]}"),
        ("pharmacy", f"/fulfil/{rx['tracking_code']}/"),
        ("lab", f"/fulfil/{lab['tracking_code']}/"), ("patient", "/patient/"),
    ]


def test_main_pages_show_no_latin_leftovers(pages, page_as, client):
    leftovers = {}
    for who, path in pages:
        browser = page_as(who, "درمانگاه شفا" if who == "doctor" else None) if who else client
        parser = LatinText()
        parser.feed(browser.get(path).content.decode())
        if parser.found:
            leftovers[path] = parser.found
    assert leftovers == {}
