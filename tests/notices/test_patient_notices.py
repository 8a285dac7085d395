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
    assert notice.due_at > timezone.now() + dt.timedelta(seconds=50)  # a minute from now
    monkeypatch.undo()
    assert services.notices_sweep() == 0  # not due yet
    Notice.objects.update(due_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.notices_sweep() == 1
    assert services.notices_sweep() == 0  # sent: nothing left to hand over
    [sms] = _to_patient(outbox)
    assert rx["tracking_code"] in sms["text"]
    Notice.objects.update(status="pending")  # even handed over again by mistake …
    services.notices_flush()
    Notice.objects.update(status="sent")
    services.notices_flush()  # … a sent notice is not sent again
    assert len(_to_patient(outbox)) == 2  # (the one forced back to pending above)


def _queued(count, start=0):
    from accounts.models import Patient

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    for n in range(start, start + count):
        services.notice_queue(event="registered", patient_id=patient.pk, key=f"rx:{n}:r",
                              text=f"نسخه {n} ثبت شد")
    return patient


def test_retries_wait_longer_each_time_then_the_notice_fails(demo, outbox, monkeypatch):

    from django.utils import timezone

    monkeypatch.setattr(services, "send_sms", lambda **m: (_ for _ in ()).throw(SMSError("x")))
    _queued(1)
    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        before = timezone.now()
        assert services.notices_flush() == 1
        notice = Notice.objects.get()
        waits.append(round((notice.due_at - before).total_seconds() / 60))
        Notice.objects.update(due_at=before)  # its time has come
    assert waits[:-1] == [1, 2, 4, 8, 16, 32, 64, 128]
    assert (notice.status, notice.attempts) == ("failed", 9)
    assert services.notices_flush() == 0 and outbox.messages() == []


def _failing_after(monkeypatch, count: int, error: Exception) -> list[str]:
    """The gateway sends `count` messages (their texts listed), then raises `error`."""
    sent: list[str] = []

    def send(**message):
        if len(sent) == count:
            raise error
        sent.append(message["text"])

    monkeypatch.setattr(services, "send_sms", send)
    return sent


def test_a_gateway_failure_stops_the_round_and_counts_only_the_one_tried(demo, outbox,
                                                                         monkeypatch):
    import datetime as dt

    from django.utils import timezone

    _failing_after(monkeypatch, 2, SMSError("gateway down"))
    _queued(5)
    assert services.notices_flush() == 5
    rows = list(Notice.objects.order_by("key").values_list("status", "attempts"))
    assert rows == [("sent", 1), ("sent", 1), ("pending", 1), ("pending", 0), ("pending", 0)]
    assert all(n.due_at > timezone.now() + dt.timedelta(seconds=50)
               for n in Notice.objects.filter(status="pending"))


def test_an_unforeseen_error_mid_send_sends_nothing_twice(demo, outbox, monkeypatch):
    """The notice being sent when something unforeseen broke may have gone out: it stays
    sending (the sweep fails it for review); the others are settled or back in line."""
    sent = _failing_after(monkeypatch, 1, RuntimeError("unforeseen"))
    _queued(3)
    with pytest.raises(RuntimeError):
        services.notices_flush()
    rows = list(Notice.objects.order_by("key").values_list("status", "attempts"))
    assert rows == [("sent", 1), ("sending", 1), ("pending", 0)]
    monkeypatch.undo()
    assert services.notices_flush() == 1  # the third; the second is never sent again
    assert sent == ["نسخه 0 ثبت شد"]
    assert [m["text"] for m in outbox.messages()] == ["نسخه 2 ثبت شد"]


def test_a_flush_takes_every_due_notice_in_batches_and_skips_the_opted_out(
        demo, outbox, monkeypatch, django_assert_max_num_queries):
    from notices.models import Preference

    monkeypatch.setattr(services, "BATCH", 4)
    patient = _queued(9)
    with django_assert_max_num_queries(3 * 4 + 2):  # three batches, take/people/choices/settle
        assert services.notices_flush() == 9
    assert Notice.objects.filter(status="sent").count() == 9
    assert len(_to_patient(outbox)) == 9
    Preference.objects.create(patient=patient, sms=False)
    _queued(2, start=20)
    assert services.notices_flush() == 2
    assert Notice.objects.filter(status="skipped").count() == 2 and len(_to_patient(outbox)) == 9


def test_one_event_is_one_notice_and_one_sms(demo, outbox):
    from accounts.models import Patient

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    for _ in range(2):
        services.notice_queue(event="registered", patient_id=patient.pk, key="rx:1:registered",
                              text="نسخه X ثبت شد")
    assert Notice.objects.count() == 1
    services.notices_flush()
    services.notices_flush()
    assert len(_to_patient(outbox)) == 1


def test_a_sending_left_by_a_dead_worker_is_failed_not_sent_twice(demo):
    import datetime as dt

    from django.utils import timezone

    from accounts.models import Patient

    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    services.notice_queue(event="registered", patient_id=patient.pk, key="rx:2:registered",
                          text="نسخه Y ثبت شد")
    Notice.objects.update(status="sending",
                          due_at=timezone.now() + dt.timedelta(minutes=1))
    services.notices_sweep()
    assert Notice.objects.get().status == "sending"  # its worker may still be at it
    Notice.objects.update(due_at=timezone.now() - dt.timedelta(seconds=1))
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


def test_a_flush_is_four_statements_none_compiled(demo, outbox, monkeypatch,
                                                  django_assert_num_queries):
    """Take, read (with the people), their choices, settle: prepared and compiled once per
    process and batch size, whatever the number of notices."""
    from django.db.models.sql.compiler import SQLCompiler

    _queued(1)
    services.notices_flush()  # compiled here, if not before
    _queued(1, start=1)
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql",
                        lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with django_assert_num_queries(4):
        assert services.notices_flush() == 1
    assert compiled == []
    sent = Notice.objects.get(key="rx:1:r")
    assert (sent.status, sent.to, sent.attempts) == ("sent", DEMO["patient"][1], 1)
    assert sent.sent_at is not None and len(_to_patient(outbox)) == 2


@pytest.fixture
def published(monkeypatch):
    """Hand-overs as with a real broker: what would have been published, counted."""
    from notices.tasks import notices_flush_task

    calls = []
    conf = notices_flush_task.app.conf
    eager, conf.task_always_eager = conf.task_always_eager, False
    monkeypatch.setattr(notices_flush_task, "apply_async",
                        lambda *a, **k: calls.append(k.get("countdown")))
    services._flag_clear()
    yield calls
    services._flag_clear()
    conf.task_always_eager = eager


def test_many_notices_wake_one_flush_until_it_starts(published, demo):
    for _ in range(5):
        services._hand_over()
    # one flush is on its way, a second later: it takes all five
    assert published == [services.GATHER_SECONDS] and 0 < services.GATHER_SECONDS <= 5
    services.notices_flush()  # it starts: the flag goes first
    services._hand_over()
    assert len(published) == 2  # committed after it started: another flush


def test_without_the_flags_redis_every_notice_wakes_a_flush(published, demo, monkeypatch):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisDown

    def down(*a, **k):
        raise RedisDown("redis down")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "delete", down)
    services._hand_over()
    services._hand_over()
    assert len(published) == 2
    assert services.notices_flush() == 0  # a flush still runs without the flag


def test_with_the_broker_down_the_flag_is_dropped_and_the_sweep_sends(published, demo,
                                                                       outbox, monkeypatch):
    from kombu.exceptions import OperationalError

    from notices.tasks import notices_flush_task

    def down(*a, **k):
        raise OperationalError("broker down")

    monkeypatch.setattr(notices_flush_task, "apply_async", down)
    services._flag_clear()
    _queued(1)
    services._hand_over()
    from django.core.cache import cache

    assert cache.get(services.FLAG) is None  # the next notice tries the broker again
    assert Notice.objects.get().status == "pending"
    assert services.notices_sweep() == 1 and len(_to_patient(outbox)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_flushes_at_once_send_each_notice_once(outbox, monkeypatch):
    """SKIP LOCKED: a second flush takes other notices, never the ones being sent."""
    import time

    from django.core.management import call_command

    from tests.pharmacy.test_concurrency import run_together

    call_command("seed_demo", verbosity=0)
    monkeypatch.setattr(services, "BATCH", 5)
    sent = []

    def slow(**message):
        time.sleep(0.01)  # both flushes are mid-batch together
        sent.append(message["text"])

    monkeypatch.setattr(services, "send_sms", slow)
    monkeypatch.setattr(services, "_hand_over", lambda: None)  # no flush on commit here
    _queued(40)
    takes, take = [], services._take
    monkeypatch.setattr(services, "_take", lambda now: takes.append(take(now)) or takes[-1])
    counts = run_together(services.notices_flush, services.notices_flush)
    assert sum(counts) == 40 and all(counts)  # both took a share
    assert max(len(rows) for rows in takes) == 5  # never more than a batch at once
    assert sorted(sent) == sorted(f"نسخه {n} ثبت شد" for n in range(40))
    assert Notice.objects.filter(status="sent", attempts=1).count() == 40
