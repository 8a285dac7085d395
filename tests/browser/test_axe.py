"""WCAG 2 AA on every role's main pages, checked by axe-core in Chromium: no serious or
critical violation (contrast, names, labels, landmarks)."""

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import Membership, User
from pharmacy.services import dispense_record
from prescriptions import services
from tests.conftest import DEMO, membership_of

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def _session_for(who: str, facility: str | None = None) -> str:
    client = Client()
    user = User.objects.get(national_code=DEMO[who][0])
    client.force_login(user)
    membership = (membership_of(DEMO[who][0], facility) if facility
                  else Membership.objects.filter(user=user).first())
    session = client.session
    session["membership_id"] = membership.pk
    session.save()
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def audit(browser, live_server):
    contexts = []

    def run(path: str, who: str | None = None, facility: str | None = None) -> list[dict]:
        # axe is injected as a script: this context alone lets it past our strict CSP
        context = browser.new_context(locale="fa-IR", base_url=live_server.url, bypass_csp=True)
        contexts.append(context)
        if who:
            context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                                  "value": _session_for(who, facility),
                                  "url": live_server.url}])
        page = context.new_page()
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " +
                                                     n.failureSummary)}));
        }""")
        return [v for v in result if v["impact"] in SERIOUS]

    yield run
    for context in contexts:
        context.close()


@pytest.fixture
def cases(live_demo):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    reception = membership_of(DEMO["reception"][0])
    visit = services.visit_admit(actor=reception, national_code=DEMO["patient"][0],
                                 doctor_id=doctor.pk).visit
    services.prescription_create(doctor=doctor, visit=visit, kind="drug",
                                 items=[{"code": "WARF-5-TAB", "quantity": 30}])
    rx = services.prescription_create(doctor=doctor, visit=visit, kind="drug",
                                      items=[{"code": "ASA-80-TAB", "quantity": 30}],
                                      override_warnings=True)
    lab = services.prescription_create(doctor=doctor, visit=visit, kind="lab",
                                       items=[{"code": "LAB-CBC", "quantity": 1}])
    paracetamol = services.prescription_create(doctor=doctor, visit=visit, kind="drug",
                                               items=[{"code": "PARA-500-TAB", "quantity": 5}])
    given = dispense_record(
        membership=membership_of(DEMO["pharmacy"][0]), prescription=paracetamol,
        lines=[{"item": paracetamol.items.get().pk, "quantity": 5, "uid": "6260000000000900"}],
        payment={"method": "cash"}).dispense
    return [
        (f"/fulfil/dispenses/{given.pk}/", "pharmacy", None),
        ("/login/", None, None),
        ("/reception/", "reception", None),
        ("/doctor/", "doctor", "درمانگاه شفا"),
        (f"/doctor/visits/{visit.pk}/", "doctor", "درمانگاه شفا"),
        (f"/fulfil/?q={DEMO['patient'][0]}", "pharmacy", None),
        (f"/fulfil/{rx.tracking_code}/", "pharmacy", None),
        (f"/fulfil/{lab.tracking_code}/", "lab", None),
        ("/patient/", "patient", None),
        ("/patient/access-log/", "patient", None),
        ("/patient/complaints/new", "patient", None),
        ("/fulfil/offline/", "pharmacy", None),
        ("/admin/", "reviewer", None),
    ]


def test_every_roles_main_pages_have_no_serious_axe_violations(cases, audit):
    found = {path: audit(path, who, facility) for path, who, facility in cases}
    bad = {path: v for path, v in found.items() if v}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
