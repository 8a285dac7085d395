"""Patients' identities (seed 002 §7-1): register a person by national code, FIDA code, as
unidentified (a unique id is issued), or as a newborn under the mother; find them again by
whichever identifier they carry."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as accounts_services
from accounts.errors import Conflict, Invalid, NotFound
from accounts.identity import PatientIdentifier, new_unique_id, normalize_fida_code
from accounts.models import Patient, Role, User


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find(identifier: PatientIdentifier) -> Patient | None:
    return Patient.objects.filter(**{identifier.kind: identifier.value}).first()


def _mother(value: object) -> Patient:
    identifier = accounts_services.patient_identifier_clean(value, field="mother_national_code")
    mother = _find(identifier)
    if mother is None:
        message = _("مادر با این کد ثبت نشده است؛ ابتدا مادر را ثبت کنید.")
        raise Invalid(message, code="unknown_mother", errors={"mother_national_code": [message]})
    if mother.sex != Patient.Sex.FEMALE:
        message = _("کد واردشده برای مادر، متعلق به یک مرد است.")
        raise Invalid(message, code="mother_not_female",
                      errors={"mother_national_code": [message]})
    return mother


def _identity(*, national_code: object, fida_code: object, unidentified: bool,
              mother: Patient | None) -> dict:
    """Which identifier the new record carries, refusing contradictions with a clear word."""
    if unidentified:
        if not (_blank(national_code) and _blank(fida_code)) or mother is not None:
            message = _("فرد مجهول‌الهویه کد ملی، کد فیدا یا مادر ثبت‌شده ندارد.")
            raise Invalid(message, code="unidentified_with_code",
                          errors={"unidentified": [message]})
        return {"unique_id": new_unique_id(), "unidentified": True}
    if not _blank(fida_code):
        if not _blank(national_code):
            message = _("کد ملی و کد فیدا را با هم وارد نکنید.")
            raise Invalid(message, errors={"fida_code": [message]})
        try:
            return {"fida_code": normalize_fida_code(fida_code)}
        except ValidationError as exc:
            raise Invalid(exc.messages[0], code="fida_code",
                          errors={"fida_code": exc.messages}) from None
    if not _blank(national_code):
        identifier = accounts_services.patient_identifier_clean(national_code)
        if identifier.kind == "fida_code":
            message = _("این شماره ۱۲ رقمی کد فیدای اتباع خارجی است، نه کد ملی؛ آن را در "
                        "«کد فیدا» وارد کنید.")
            raise Invalid(message, code="fida_as_national_code",
                          errors={"national_code": [message]})
        if identifier.kind == "unique_id":
            message = _("شناسه یکتا را سامانه صادر می‌کند؛ کد ملی ۱۰ رقمی را وارد کنید.")
            raise Invalid(message, code="unique_id_as_national_code",
                          errors={"national_code": [message]})
        if mother is not None and identifier.value == mother.national_code:
            return {"unique_id": new_unique_id()}  # a newborn typed under the mother's code
        return {"national_code": identifier.value}
    if mother is not None:
        return {"unique_id": new_unique_id()}  # a newborn, covered through the mother
    message = _("کد ملی، کد فیدا، «نوزاد» با کد ملی مادر یا «بدون شناسه» را انتخاب کنید.")
    raise Invalid(message, code="identifier_required", errors={"national_code": [message]})


def patient_register(
    *,
    first_name: str,
    last_name: str,
    birth_date: dt.date,
    sex: str,
    national_code: object = None,
    fida_code: object = None,
    unidentified: bool = False,
    mother_national_code: object = None,
    mobile: object = "",
) -> Patient:
    """Register a patient (and a sign-in account when they have a national code and a
    mobile). Newborns and people without a usable code get a unique id from this site."""
    mobile_number = accounts_services.mobile_clean(mobile) if not _blank(mobile) else ""
    mother = None if _blank(mother_national_code) else _mother(mother_national_code)
    identity = _identity(national_code=national_code, fida_code=fida_code,
                         unidentified=bool(unidentified), mother=mother)
    if birth_date > timezone.localdate():
        raise Invalid(_("تاریخ تولد در آینده است."),
                      errors={"birth_date": [_("تاریخ تولد در آینده است.")]})
    code = identity.get("national_code") or identity.get("fida_code")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return _create(identity=identity, mother=mother, mobile=mobile_number,
                               first_name=first_name, last_name=last_name,
                               birth_date=birth_date, sex=sex)
        except IntegrityError:
            if code or "unique_id" not in identity:
                break
            identity["unique_id"] = new_unique_id()  # an issued id clashed: draw again
    raise Conflict(_("بیماری با این کد قبلاً ثبت شده است."), code="exists")


def _create(*, identity: dict, mother: Patient | None, mobile: str, first_name: str,
            last_name: str, birth_date: dt.date, sex: str) -> Patient:
    key = {k: v for k, v in identity.items() if k in ("national_code", "fida_code")}
    if key and Patient.objects.filter(**key).exists():
        raise IntegrityError("exists")
    user = None
    if identity.get("national_code") and mobile:
        user, _created = User.objects.get_or_create(
            national_code=identity["national_code"],
            defaults={"mobile": mobile, "first_name": first_name, "last_name": last_name})
        if not user.password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        accounts_services.membership_grant(user=user, role=Role.PATIENT, facility=None,
                                           notify=False)
    patient = Patient(user=user, first_name=first_name, last_name=last_name,
                      birth_date=birth_date, sex=sex, mobile=mobile, mother=mother, **identity)
    try:
        patient.full_clean(exclude=["user", "mother", "national_code", "fida_code",
                                    "unique_id"])
    except ValidationError as exc:
        raise Invalid(_("اطلاعات بیمار نامعتبر است."), errors=exc.message_dict) from None
    patient.save()
    return patient


def patient_find(value: object, *, field: str = "national_code") -> Patient:
    """Exactly the patient this identifier names (a newborn by its own unique id)."""
    identifier = accounts_services.patient_identifier_clean(value, field=field)
    patient = _find(identifier)
    if patient is None:
        raise NotFound(_("بیماری با این کد ثبت نشده است."), code="unknown_patient")
    return patient


def identifier_for_lookup(value: object, *, field: str = "national_code",
                          probe_blocked: bool = True):
    """The typed identifier a lookup searches by (a blocked national code is refused, here
    or, with `probe_blocked=False`, by the lookup's own query)."""
    return accounts_services.patient_identifier_clean(value, field=field,
                                                      probe_blocked=probe_blocked)


def patients_for_lookup(value: object, *, field: str = "national_code") -> list[Patient]:
    """The patient with this identifier and the newborns registered under them as mother:
    the counter types the mother's code for a baby that has none (§7-1 note 3)."""
    identifier = accounts_services.patient_identifier_clean(value, field=field)
    mother_filter = {f"mother__{identifier.kind}": identifier.value}
    return list(Patient.objects.filter(
        Q(**{identifier.kind: identifier.value})
        | Q(**mother_filter, national_code__isnull=True, fida_code__isnull=True)))


def newborns_of(mother: Patient) -> list[Patient]:
    return list(Patient.objects.filter(mother=mother, national_code__isnull=True,
                                       fida_code__isnull=True).order_by("created_at"))
