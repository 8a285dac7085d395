"""Pages of the prescribing side: reception, the doctor's queue, the patient's own page."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import patients
from accounts import services as accounts_services
from accounts.errors import DomainError, NotFound
from accounts.identity import FIDA_LENGTH
from accounts.jalali import fa_digits
from accounts.models import AccessLog, Patient, Role
from accounts.permissions import role_required
from accounts.web import client_ip
from notices import services as notices_services
from prescriptions import selectors, services
from prescriptions.forms import AdmitForm, Identity, PatientForm


def _registration_page(request, form: PatientForm, doctor_id, redirect_to: str, *,
                       newborns=(), mother=None, status: int = 200):
    return render(request, "prescriptions/register_patient.html", {
        "patient_form": form, "doctor_id": doctor_id, "redirect_to": redirect_to,
        "newborns": newborns, "mother": mother}, status=status)


def _admitted(request, admission, redirect_to: str):
    visit = admission.visit
    text = _("پذیرش شد: {name}، شناسه شباد {hid}") if admission.created else _(
        "این بیمار از پیش در صف است: {name}، شناسه شباد {hid}")
    messages.success(request, text.format(name=visit.patient.full_name,
                                          hid=fa_digits(visit.hid)))
    return redirect(redirect_to)


def _admit(request, form: AdmitForm, redirect_to: str):
    """Shared by reception and doctor: admit, or ask for registration when unknown. With
    «نوزاد» the code is the mother's: pick one of her newborns or register a new one."""
    code = form.cleaned_data["national_code"]
    doctor_id = form.cleaned_data["doctor"].pk
    try:
        if form.cleaned_data["newborn"]:
            mother = patients.patient_find(code, field="mother_national_code")
            newborn_form = PatientForm(initial={
                "identity": Identity.NEWBORN, "mother_code": code, "first_name": _("نوزاد"),
                "last_name": mother.last_name})
            return _registration_page(request, newborn_form, doctor_id, redirect_to,
                                      newborns=patients.newborns_of(mother), mother=mother)
        admission = services.visit_admit(actor=request.membership, national_code=code,
                                         doctor_id=doctor_id, ip=client_ip(request),
                                         scheme=form.cleaned_data.get("scheme", ""),
                                         referral=form.cleaned_data.get("referral", ""))
    except NotFound:
        if form.cleaned_data["newborn"]:
            messages.error(request, _("مادر با این کد ثبت نشده است؛ ابتدا مادر را ثبت کنید."))
            return redirect(redirect_to)
        identity = Identity.FIDA if len(code) == FIDA_LENGTH else Identity.NATIONAL
        return _registration_page(request, PatientForm(initial={"identity": identity,
                                                                "code": code}),
                                  doctor_id, redirect_to)
    except DomainError as exc:
        if exc.code == "overlap":
            raise ChooseCover(exc.message, exc.extra["coverages"]) from None
        messages.error(request, exc.message)
        return redirect(redirect_to)
    return _admitted(request, admission, redirect_to)


class ChooseCover(Exception):
    """Two basic covers: the admission form comes back with both to choose from."""

    def __init__(self, message: str, covers: list[dict]) -> None:
        super().__init__(message)
        self.message, self.covers = message, covers


def _queue_page(request, template: str, visits, redirect_to: str):
    form = AdmitForm(request.POST or None, facility_id=request.membership.facility_id)
    covers, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                return _admit(request, form, redirect_to)
            except ChooseCover as choose:
                covers, status = choose, 409
    elif request.membership.role == Role.DOCTOR:
        form.initial["doctor"] = request.membership.pk
    visits = list(visits)
    accounts_services.access_log_record_many(
        action=AccessLog.Action.PATIENT_READ, actor=request.user, membership=request.membership,
        patients=[v.patient for v in visits], target="queue", ip=client_ip(request))
    # The doctor's next patient has the focus: Enter opens the visit.
    first_waiting = next((v.pk for v in visits if v.status == "waiting"), None)
    return render(request, template, {"form": form, "visits": visits,
                                      "first_waiting": first_waiting, "covers": covers},
                  status=400 if form.errors else status)


@role_required(Role.RECEPTION)
def reception_home(request):
    return _queue_page(request, "prescriptions/reception_home.html",
                       selectors.facility_visits_today(request.membership.facility_id),
                       "prescriptions:reception_home")


@role_required(Role.DOCTOR)
def doctor_home(request):
    return _queue_page(request, "prescriptions/doctor_home.html",
                       selectors.queue_of(request.membership), "prescriptions:doctor_home")


@require_POST
@role_required(Role.RECEPTION, Role.DOCTOR)
def register_patient(request):
    form = PatientForm(request.POST)
    redirect_to = ("prescriptions:doctor_home" if request.membership.role == Role.DOCTOR
                   else "prescriptions:reception_home")
    doctor_id = request.POST.get("doctor")
    if form.is_valid():
        try:
            with transaction.atomic():
                patient = patients.patient_register(**form.registration())
                admission = services.visit_admit(
                    actor=request.membership, national_code=patient.identifier_value,
                    doctor_id=doctor_id, ip=client_ip(request))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if patient.unique_id:
                messages.info(request, _("شناسه یکتای صادرشده برای {name}: {id}").format(
                    name=patient.full_name, id=fa_digits(patient.unique_id)),
                    extra_tags="unique-id")
            return _admitted(request, admission, redirect_to)
    return _registration_page(request, form, doctor_id, redirect_to, status=400)


@role_required(Role.PATIENT)
def patient_home(request):
    prescriptions = list(selectors.prescriptions_visible_to(request.membership)
                         .order_by("-created_at")[:selectors.LIST_LIMIT])
    own = Patient.objects.filter(user_id=request.user.pk).first()
    return render(request, "prescriptions/patient_home.html", {
        "prescriptions": prescriptions,
        "sms_notices": notices_services.preference_of(own) if own else None})
