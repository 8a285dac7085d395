"""Referrals (seed 002 §2's levels of care): a GP refers from the visit page; for a scheme
that needs one (`Scheme.needs_referral`), a visit with a specialist is covered only with an
open referral of the same patient to that specialty, which the visit then uses up."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Forbidden, Invalid, NotFound
from accounts.models import Membership, Patient, Role, Specialty
from prescriptions.models import Referral, Visit

VALID_DAYS = 30


def _new_code() -> str:
    from prescriptions.services import new_tracking_code

    return new_tracking_code()


def referral_create(*, doctor: Membership, visit: Visit, specialty: object,
                    note: object = "") -> Referral:
    """A GP's referral of the visit's patient to a specialty."""
    if doctor.role != Role.DOCTOR or visit.doctor_id != doctor.pk:
        raise NotFound(_("ویزیت پیدا نشد."))
    if doctor.specialty != Specialty.GP:
        raise Forbidden(_("ارجاع را پزشک عمومی (سطح اول) می‌نویسد."), code="not_gp")
    if specialty not in Specialty.values or specialty == Specialty.GP:
        message = _("تخصصی را که بیمار به آن ارجاع می‌شود انتخاب کنید.")
        raise Invalid(message, code="specialty", errors={"specialty": [message]})
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise Invalid(_("یادداشت حداکثر ۵۰۰ نویسه است."), errors={"note": [_("نامعتبر")]})
    return Referral.objects.create(
        code=_new_code(), patient=visit.patient, from_doctor=doctor, from_visit=visit,
        specialty=specialty, note=(note or "").strip(),
        valid_until=timezone.localdate() + timedelta(days=VALID_DAYS))


def needed(scheme, doctor: Membership) -> bool:
    return bool(scheme is not None and scheme.needs_referral
                and doctor.specialty and doctor.specialty != Specialty.GP)


def referral_for(*, patient: Patient, doctor: Membership, code: object, day: dt.date
                 ) -> Referral | None:
    """The referral a specialist visit uses: the one typed (checked: this patient, this
    specialty, open, in date) or else the patient's oldest open one to this specialty."""
    text = str(code or "").strip().upper()[:10]
    if text:
        referral = Referral.objects.filter(code=text).first()
        problem = None
        if referral is None or referral.patient_id != patient.pk:
            problem = _("این کد ارجاع برای این بیمار نیست.")
        elif referral.status == Referral.Status.USED:
            problem = _("این ارجاع پیش‌تر استفاده شده است.")
        elif referral.valid_until < day:
            problem = _("مهلت این ارجاع گذشته است.")
        elif referral.specialty != doctor.specialty:
            problem = _("این ارجاع به تخصص «{s}» است.").format(
                s=referral.get_specialty_display())
        if problem:
            raise Invalid(problem, code="referral", errors={"referral": [problem]})
        return referral
    return (Referral.objects.filter(patient=patient, specialty=doctor.specialty,
                                    status=Referral.Status.OPEN, valid_until__gte=day)
            .order_by("created_at").first())


def referral_use(referral: Referral, visit: Visit) -> bool:
    """Use it up, once: a conditional UPDATE, so two receptions cannot both use it."""
    return bool(Referral.objects.filter(pk=referral.pk, status=Referral.Status.OPEN)
                .update(status=Referral.Status.USED, used_by=visit))


def referral_visible(*, viewer: Membership, code: str) -> Referral:
    """The referring GP, the specialist who used it and the patient read it."""
    referral = (Referral.objects.select_related("patient", "from_doctor__user",
                                                "from_doctor__facility", "used_by__doctor__user")
                .filter(code=str(code).strip().upper()[:10]).first())
    if referral is None:
        raise NotFound(_("ارجاع پیدا نشد."))
    allowed = {referral.from_doctor.user_id, referral.patient.user_id}
    if referral.used_by_id:
        allowed.add(referral.used_by.doctor.user_id)
    if viewer.user_id not in allowed or viewer.role not in (Role.DOCTOR, Role.PATIENT):
        raise NotFound(_("ارجاع پیدا نشد."))
    return referral


