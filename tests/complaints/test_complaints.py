"""Complaints (seed 001): the patient files one and follows it up, staff answer in the
admin, the patient is told by SMS; nobody sees another's complaint."""

import pytest

from complaints.models import Complaint, Reply
from tests.conftest import DEMO


@pytest.fixture
def rx(written):
    return written([{"code": "PARA-500-TAB", "quantity": 10}])


def file(client, **data):
    return client.post("/patient/complaints/new", {"subject": "prescription",
                                                   "text": "داروخانه دارو را کامل نداد.",
                                                   **data})


def test_the_patient_files_follows_up_and_is_answered(rx, page_as, outbox, settings,
                                                     django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "outbox"
    patient = page_as("patient")
    form = patient.get(f"/patient/complaints/new?prescription={rx['tracking_code']}")
    assert form.status_code == 200
    assert f'value="{rx["tracking_code"]}" selected' in form.content.decode()
    response = file(patient, prescription=rx["tracking_code"])
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.prescription.tracking_code == rx["tracking_code"]
    assert complaint.facility.name == "درمانگاه شفا" and complaint.status == "open"
    listing = patient.get("/patient/complaints/").content.decode()
    assert "در انتظار رسیدگی" in listing and rx["tracking_code"] in listing
    # a superuser answers in the admin (through the service: status + SMS)
    from accounts.models import User

    admin_user = User.objects.create_superuser(national_code="0499370899", password="x",
                                               mobile="09120000099")
    from django.test import Client

    staff = Client()
    staff.force_login(admin_user)
    change = f"/admin/complaints/complaint/{complaint.pk}/change/"
    assert staff.get(change).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        answered = staff.post(change, {
            "status": "open", "replies-TOTAL_FORMS": "1", "replies-INITIAL_FORMS": "0",
            "replies-MIN_NUM_FORMS": "0", "replies-MAX_NUM_FORMS": "1000",
            "replies-0-text": "با داروخانه تماس گرفتیم؛ باقی دارو را تحویل می‌دهد.",
            "replies-0-complaint": complaint.pk, "_save": "1"})
    assert answered.status_code == 302, answered.content.decode()[:2000]
    complaint.refresh_from_db()
    assert complaint.status == "answered"
    assert Reply.objects.get().from_staff and Reply.objects.get().author == admin_user
    message = outbox.messages()[-1]
    assert message["to"] == DEMO["patient"][1] and str(complaint.pk) in message["text"]
    assert "پاراستامول" not in message["text"]
    detail = patient.get(f"/patient/complaints/{complaint.pk}/").content.decode()
    assert "باقی دارو را تحویل" in detail and "پاسخ داده شد" in detail
    # the patient writes back: it is open again
    patient.post(f"/patient/complaints/{complaint.pk}/", {"text": "هنوز تحویل نشده است."})
    complaint.refresh_from_db()
    assert complaint.status == "open" and complaint.replies.count() == 2


@pytest.mark.parametrize("data, field", [
    ({"subject": "nonsense"}, "موضوع"),
    ({"text": "کوتاه"}, "۱۰"),
    ({"text": "x" * 2001}, "۲۰۰۰"),
    ({"prescription": ""}, "نسخه"),
    ({"prescription": "ZZZZZZZZZZ"}, "پیدا نشد"),
    ({"subject": "facility", "prescription": "", "facility": ""}, "مرکز"),
    ({"subject": "facility", "prescription": "", "facility": "999999"}, "مرکز"),
    ({"subject": "facility", "prescription": "", "facility": "abc"}, "مرکز"),
])
def test_bad_complaints_are_refused_with_a_reason(rx, page_as, data, field):
    response = file(page_as("patient"), **{"prescription": rx["tracking_code"], **data})
    assert response.status_code in (400, 404)
    assert field in response.content.decode()
    assert Complaint.objects.count() == 0


def test_a_complaint_about_a_facility_they_used(rx, page_as):
    from accounts.models import Facility

    shafa = Facility.objects.get(name="درمانگاه شفا")
    response = file(page_as("patient"), subject="facility", prescription="",
                    facility=shafa.pk)
    assert response.status_code == 302
    assert Complaint.objects.get().facility == shafa
    # a facility the patient never used is refused
    razi = Facility.objects.get(name="داروخانه سینا")
    response = file(page_as("patient"), subject="facility", prescription="", facility=razi.pk)
    assert response.status_code == 400


def test_nobody_sees_anothers_complaint(rx, page_as):
    file(page_as("patient"), prescription=rx["tracking_code"])
    complaint = Complaint.objects.get()
    other = page_as("patient2")
    assert other.get(f"/patient/complaints/{complaint.pk}/").status_code == 404
    assert other.post(f"/patient/complaints/{complaint.pk}/",
                      {"text": "پاسخ از شخص دیگر"}).status_code == 404
    listing = other.get("/patient/complaints/").content.decode()
    assert 'data-testid="complaint"' not in listing
    assert f"/patient/complaints/{complaint.pk}/" not in listing
    # another patient cannot complain about this prescription
    assert file(other, prescription=rx["tracking_code"]).status_code == 404
    for who in ("doctor", "pharmacy"):
        assert page_as(who).get("/patient/complaints/").status_code in (302, 403)


def test_reviewers_see_complaints_of_their_insurer_only(rx, page_as):
    file(page_as("patient"), prescription=rx["tracking_code"])  # IHIO-covered patient
    file(page_as("patient"), subject="other", prescription="", text="شکایت کلی از سامانه")
    reviewer = page_as("reviewer")
    listing = reviewer.get("/admin/complaints/complaint/")
    assert listing.status_code == 200
    ids = [c.pk for c in Complaint.objects.order_by("pk")]
    body = listing.content.decode()
    assert f"/admin/complaints/complaint/{ids[0]}/change/" in body
    assert f"/admin/complaints/complaint/{ids[1]}/change/" not in body
    assert reviewer.get(f"/admin/complaints/complaint/{ids[1]}/change/").status_code in (302,
                                                                                        404)
