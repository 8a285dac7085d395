"""Every control on the main pages has a label, and every page says it is Persian RTL."""

from html.parser import HTMLParser

import pytest

from prescriptions import services
from tests.conftest import DEMO, membership_of


class Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[dict] = []
        self.in_template = 0
        self.html_attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_attrs = attrs
        if tag == "template":
            self.in_template += 1
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        if tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden":
            self.controls.append(attrs)

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1

    def unlabelled(self) -> list[dict]:
        return [c for c in self.controls
                if not c.get("aria-label") and c.get("id") not in self.labels]


@pytest.fixture
def pages(page_as, demo):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    reception = membership_of(DEMO["reception"][0])
    visit = services.visit_admit(actor=reception, national_code=DEMO["patient"][0],
                                 doctor_id=doctor.pk).visit
    rx = services.prescription_create(doctor=doctor, visit=visit, kind="drug",
                                      items=[{"code": "AMOX-500-CAP", "quantity": 10}])
    lab = services.prescription_create(doctor=doctor, visit=visit, kind="lab",
                                       items=[{"code": "LAB-CBC", "quantity": 1}])
    return [
        (None, "/login/"),
        ("reception", "/reception/"),
        ("doctor", "/doctor/"),
        ("doctor", f"/doctor/visits/{visit.pk}/"),
        ("pharmacy", f"/fulfil/?q={DEMO['patient'][0]}"),
        ("pharmacy", f"/fulfil/{rx.tracking_code}/"),
        ("lab", f"/fulfil/{lab.tracking_code}/"),
        ("patient", "/patient/"),
    ]


def test_main_pages_label_every_control(pages, page_as, client):
    for who, path in pages:
        browser = page_as(who, "درمانگاه شفا" if who == "doctor" else None) if who else client
        response = browser.get(path)
        assert response.status_code == 200, path
        parser = Controls()
        parser.feed(response.content.decode())
        assert parser.html_attrs == {"lang": "fa", "dir": "rtl"}, path
        assert parser.unlabelled() == [], (path, parser.unlabelled())
