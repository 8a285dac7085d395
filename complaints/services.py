"""Complaints' verbs: a patient files one and follows it up; staff answer (from the admin)
and the patient is told by SMS."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Forbidden, Invalid, NotFound
from accounts.identity import db_id
from accounts.models import Facility, Membership, Patient, Role, User
from accounts.sms import send_sms
from complaints.models import Complaint, Reply
from prescriptions import selectors as prescription_selectors

MIN_TEXT, MAX_TEXT = 10, 2000


def text_clean(text: object) -> str:
    if not isinstance(text, str) or not MIN_TEXT <= len(text.strip()) <= MAX_TEXT:
        message = _("شرح باید بین ۱۰ تا ۲۰۰۰ نویسه باشد.")
        raise Invalid(message, errors={"text": [message]})
    return text.strip()


def complaints_of(user: User) -> QuerySet[Complaint]:
    return (Complaint.objects.filter(filed_by=user)
            .select_related("prescription", "facility", "patient"))


def complaint_get(*, user: User, complaint_id: object) -> Complaint:
    pk = db_id(complaint_id)
    complaint = complaints_of(user).filter(pk=pk).first() if pk else None
    if complaint is None:
        raise NotFound(_("شکایت پیدا نشد."))
    return complaint


def facilities_for(membership: Membership) -> QuerySet[Facility]:
    """The facilities a patient may complain about: where they were prescribed or served."""
    visible = prescription_selectors.prescriptions_visible_to(membership).order_by()
    return Facility.objects.filter(Q(pk__in=visible.values("facility_id"))
                                   | Q(pk__in=visible.values("dispenses__facility_id"))
                                   ).order_by("name")


def complaint_file(*, membership: Membership, subject: object, text: object,
                   tracking_code: object = "", facility_id: object = None) -> Complaint:
    if membership.role != Role.PATIENT:
        raise Forbidden(_("شکایت را بیمار ثبت می‌کند."))
    if subject not in Complaint.Subject.values:
        raise Invalid(_("موضوع شکایت را انتخاب کنید."),
                      errors={"subject": [_("موضوع نامعتبر است.")]})
    text = text_clean(text)
    prescription = None
    if tracking_code:
        prescription = prescription_selectors.prescription_get(viewer=membership,
                                                               tracking_code=str(tracking_code))
    elif subject in (Complaint.Subject.PRESCRIPTION, Complaint.Subject.CHARGE):
        raise Invalid(_("نسخه مورد شکایت را انتخاب کنید."),
                      errors={"prescription": [_("لازم است.")]})
    facility = prescription.facility if prescription else None
    if facility_id not in (None, ""):
        pk = db_id(facility_id)
        facility = next((f for f in facilities_for(membership) if f.pk == pk), None)
        if facility is None:
            raise Invalid(_("این مرکز در پرونده شما نیست."),
                          errors={"facility": [_("نامعتبر")]})
    if subject == Complaint.Subject.FACILITY and facility is None:
        raise Invalid(_("مرکز مورد شکایت را انتخاب کنید."),
                      errors={"facility": [_("لازم است.")]})
    patient = prescription.patient if prescription else Patient.objects.filter(
        user=membership.user).first()
    if patient is None:
        raise Forbidden(_("پرونده بیمار شما پیدا نشد."))
    return Complaint.objects.create(patient=patient, filed_by=membership.user, subject=subject,
                                    prescription=prescription, facility=facility, text=text)


def complaint_reply(*, complaint: Complaint, author: User, text: object,
                    from_staff: bool) -> Reply:
    """A reply: the staff's answers the complaint and the patient is told by SMS once it
    is committed; the patient's own reopens it."""
    text = text_clean(text)
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status == Complaint.Status.CLOSED and not from_staff:
            raise Invalid(_("این شکایت بسته شده است؛ شکایت تازه ثبت کنید."), code="closed")
        reply = Reply.objects.create(complaint=locked, author=author, text=text,
                                     from_staff=from_staff)
        if from_staff:  # an answer that closes the complaint keeps it closed
            if locked.status != Complaint.Status.CLOSED:
                locked.status = Complaint.Status.ANSWERED
        else:
            locked.status = Complaint.Status.OPEN
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "updated_at"])
        if from_staff:
            complaint_announce(locked)
    return reply


def complaint_announce(complaint: Complaint) -> None:
    from complaints.tasks import complaint_answered_send

    transaction.on_commit(lambda: complaint_answered_send.delay(complaint.pk))


def complaint_answered_notice(complaint_id: int) -> None:
    complaint = Complaint.objects.select_related("filed_by").filter(pk=complaint_id).first()
    if complaint is None or not complaint.filed_by.mobile:
        return
    send_sms(to=complaint.filed_by.mobile, purpose="notice",
             text=f"نسخه: به شکایت شماره {complaint.pk} شما پاسخ داده شد. "
                  "پاسخ را در بخش «شکایت‌های من» ببینید.")
