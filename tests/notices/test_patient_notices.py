"""Patients are told by SMS of each event of their prescriptions (seed 001), never of what
is in them; a failing gateway fails nothing and no notice is lost or sent twice."""

import pytest

from accounts.sms import SMSError
from notices import services
from notices.models import Notice
from tests.conftest import DEMO, wait_for

pytestmark = pytest.mark.django_db

AMOX = {"code": "AMOX-500-CAP", "quantity": 20}


def _to_patient(outbox, who="patient"):
    return [m for m in outbox.messages() if m["purpose"] == "patient"
            and m["to"] == DEMO[who][1]]


def test_a_registered_prescription_tells_the_patient_its_code_and_nothing_inside(
        written, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rx = written([AMOX])
    [sms] = _to_patient(outbox)
    assert rx["tracking_code"] in sms["text"] and "داروخانه" in sms["text"]
    assert "AMOX" not in sms["text"] and "آموکسی" not in sms["text"]
    notice = Notice.objects.get(key__endswith=":registered")
    assert notice.status == "sent" and notice.to == DEMO["patient"][1] and notice.sent_at


def test_each_event_sends_one_notice(written, api_as, outbox,
                                     django_capture_on_commit_callbacks):
    doctor, pharmacy = api_as("doctor", "درمانگاه شفا"), api_as("pharmacy")
    with django_capture_on_commit_callbacks(execute=True):
        rx = written([AMOX, {"code": "PARA-500-TAB", "quantity": 10}])
        code = rx["tracking_code"]
        assert doctor.patch(f"/api/v1/prescriptions/{code}", {
            "items": [AMOX, {"code": "PARA-500-TAB", "quantity": 20}],
            "override_warnings": True}, format="json").status_code == 200
        items = doctor.get(f"/api/v1/prescriptions/{code}").json()["items"]
        by_code = {i["code"]: i["id"] for i in items}
        assert pharmacy.post(f"/api/v1/prescriptions/{code}/dispense", {"lines": [
            {"item": by_code["PARA-500-TAB"], "quantity": 20, "uid": "6260000000000100"}],
            "acknowledge_warnings": True}, format="json").status_code == 201
        assert pharmacy.post(f"/api/v1/prescriptions/{code}/dispense", {"lines": [
            {"item": by_code["AMOX-500-CAP"], "quantity": 20, "uid": "6260000000000101"}],
            "acknowledge_warnings": True}, format="json").status_code == 201
        other = written([AMOX])
        assert doctor.post(f"/api/v1/prescriptions/{other['tracking_code']}/cancel",
                           format="json").status_code == 200
    events = list(Notice.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["registered", "edited", "partly_dispensed", "dispensed", "registered",
                      "cancelled"]
    texts = [m["text"] for m in _to_patient(outbox)]
    assert len(texts) == 6 and all(code in t for t in texts[:4])
    assert "بخشی" in texts[2] and "ابطال" in texts[5]


def test_a_result_sends_one_notice_not_two(written, api_as, outbox,
                                           django_capture_on_commit_callbacks):
    lab = api_as("lab")
    with django_capture_on_commit_callbacks(execute=True):
        rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
        item = rx["items"][0]["id"]
        response = lab.post(f"/api/v1/prescriptions/{rx['tracking_code']}/results",
                            {"item": item, "result": {"components": [
                                {"name": "FBS", "value": 95, "unit": "mg/dL",
                                 "reference_range": "70-100"}]}},
                            format="json")
        assert response.status_code in (200, 201), response.content
    events = list(Notice.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["registered", "result"]
    assert "95" not in _to_patient(outbox)[-1]["text"]


def test_the_patient_turns_notices_off(written, api_as, outbox,
                                       django_capture_on_commit_callbacks):
    patient = api_as("patient")
    assert patient.get("/api/v1/me/notices").json() == {"sms": True}
    assert patient.patch("/api/v1/me/notices", {"sms": False},
                         format="json").json() == {"sms": False}
    assert patient.get("/api/v1/me/notices").json() == {"sms": False}
    with django_capture_on_commit_callbacks(execute=True):
        written([AMOX])
    assert _to_patient(outbox) == []
    assert Notice.objects.get().status == "skipped"


@pytest.mark.parametrize("body", [{"sms": "maybe"}, {}, [True], {"sms": None}])
def test_a_bad_preference_is_a_clear_400(api_as, demo, body):
    response = api_as("patient").patch("/api/v1/me/notices", body, format="json")
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.parametrize("role", ["doctor", "pharmacy", "reception", "reviewer"])
def test_only_the_patient_sets_their_notices(api_as, demo, role):
    assert api_as(role).get("/api/v1/me/notices").status_code == 403
    assert api_as(role).patch("/api/v1/me/notices", {"sms": False},
                              format="json").status_code == 403


def test_a_gateway_down_fails_nothing_and_the_sweep_sends_once_it_is_back(
        written, outbox, monkeypatch, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    def down(**_message):
        raise SMSError("gateway down")

    monkeypatch.setattr(services, "send_sms", down)
    with django_capture_on_commit_callbacks(execute=True):
        rx = written([AMOX])  # 201: the prescription does not wait for the SMS
    notice = Notice.objects.get()
    assert notice.status == "pending" and notice.attempts == 1
    monkeypatch.undo()
    Notice.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert services.notices_sweep() == 1
    assert services.notices_sweep() == 0  # sent: nothing left to hand over
    [sms] = _to_patient(outbox)
    assert rx["tracking_code"] in sms["text"]
    Notice.objects.update(status="pending")  # even handed over again by mistake …
    services.notice_deliver(notice.key)
    Notice.objects.update(status="sent")
    services.notice_deliver(notice.key)  # … a sent notice is not sent again
    assert len(_to_patient(outbox)) == 2  # (the one forced back to pending above)


def test_one_event_is_one_notice_and_one_sms(demo, outbox):
    from accounts.models import Patient

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    for _ in range(2):
        services.notice_queue(event="registered", patient_id=patient.pk, key="rx:1:registered",
                              text="نسخه X ثبت شد")
    assert Notice.objects.count() == 1
    services.notice_deliver("rx:1:registered")
    services.notice_deliver("rx:1:registered")
    assert len(_to_patient(outbox)) == 1


def test_a_sending_left_by_a_dead_worker_is_failed_not_sent_twice(demo):
    import datetime as dt

    from django.utils import timezone

    from accounts.models import Patient

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    services.notice_queue(event="registered", patient_id=patient.pk, key="rx:2:registered",
                          text="نسخه Y ثبت شد")
    Notice.objects.update(status="sending",
                          created_at=timezone.now() - dt.timedelta(minutes=30))
    services.notices_sweep()
    assert Notice.objects.get().status == "failed"


def test_a_newborns_notices_go_to_the_mother_and_nobody_elses_number(demo):
    import datetime as dt

    from accounts.models import Patient

    mother = Patient.objects.get(national_code=DEMO["patient"][0])
    baby = Patient.objects.create(mother=mother, unique_id="9000000000017", first_name="نوزاد",
                                  last_name=mother.last_name, birth_date=dt.date.today(),
                                  sex="F")
    assert services.recipient(baby) == DEMO["patient"][1]
    no_phone = Patient.objects.create(national_code="0499370899", first_name="بی",
                                      last_name="شماره", birth_date=dt.date(1990, 1, 1), sex="M")
    assert services.recipient(no_phone) == ""


@pytest.mark.worker
def test_the_worker_sends_the_notice(worker_factory, outbox):
    from django.core.management import call_command

    from accounts.models import Membership
    from prescriptions import services as prescriptions_services
    from prescriptions.models import Visit

    call_command("seed_demo", verbosity=0)
    worker_factory()
    reception = Membership.objects.get(user__national_code=DEMO["reception"][0])
    doctor = Membership.objects.get(user__national_code=DEMO["doctor"][0],
                                    facility__name="درمانگاه شفا")
    visit = prescriptions_services.visit_admit(actor=reception, national_code=DEMO["patient"][0],
                                               doctor_id=doctor.pk).visit
    rx = prescriptions_services.prescription_create(
        doctor=doctor, visit=Visit.objects.select_related("patient").get(pk=visit.pk),
        kind="drug", items=[AMOX], override_warnings=True)
    wait_for(lambda: Notice.objects.filter(status="sent").exists())
    assert [m["text"] for m in _to_patient(outbox) if rx.tracking_code in m["text"]]


def test_the_patient_turns_notices_off_on_their_page(page_as, demo):
    page = page_as("patient")
    html = page.get("/patient/").content.decode()
    assert 'data-testid="sms-notices"' in html and "checked" in html.split("sms-notices")[2][:200]
    assert page.post("/patient/notices", {}).status_code == 302  # unchecked: off
    from accounts.models import Patient

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    assert services.preference_of(patient) is False
    page.post("/patient/notices", {"sms": "on"})
    assert services.preference_of(patient) is True
    assert page_as("doctor", "درمانگاه شفا").post("/patient/notices", {}).status_code in (
        302, 403)
    assert services.preference_of(patient) is True


def test_a_delivery_is_four_statements_none_compiled(demo, outbox, monkeypatch,
                                                    django_assert_num_queries):
    """Take, read (with the people), the patient's choice, settle: prepared and compiled
    once per process, whatever the number of notices."""
    from django.db.models.sql.compiler import SQLCompiler

    from accounts.models import Patient

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    for n in range(2):
        services.notice_queue(event="registered", patient_id=patient.pk, key=f"rx:{n}:r",
                              text="نسخه X ثبت شد")
    services.notice_deliver("rx:0:r")  # compiled here, if not before
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql",
                        lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with django_assert_num_queries(4):
        services.notice_deliver("rx:1:r")
    assert compiled == []
    sent = Notice.objects.get(key="rx:1:r")
    assert (sent.status, sent.to, sent.attempts) == ("sent", DEMO["patient"][1], 1)
    assert sent.sent_at is not None and len(_to_patient(outbox)) == 2
