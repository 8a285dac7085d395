"""The doctor's visit page: patient summary, prescribing in four tabs, edit, cancel,
confirm the visit, and history by consent."""

import uuid

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import idempotency
from accounts import services as accounts_services
from accounts.errors import Conflict, DomainError, RulesRejected
from accounts.jalali import fa_digits, jalali_date
from accounts.models import AccessLog, Role, Specialty
from accounts.permissions import role_required
from accounts.web import client_ip
from prescriptions import audit, referrals, selectors, services, suggestions
from prescriptions.dosage import Frequency, Timing
from prescriptions.forms import DOSE_AMOUNTS, CodeForm, items_from_post
from prescriptions.models import Kind, Prescription, Referral

TABS = [(Kind.DRUG, _("دارو")), (Kind.LAB, _("آزمایش")), (Kind.IMAGING, _("تصویربرداری")),
        (Kind.PHYSIO, _("فیزیوتراپی")), (Kind.SERVICE, _("خدمات پزشک"))]


def _visit_context(request, visit, **extra) -> dict:
    membership = request.membership
    patient = visit.patient
    own = list(selectors.prescriptions_visible_to(membership).filter(patient=patient)
               .order_by("-created_at")[:30])
    grant = services.consent_live(doctor=membership, patient=patient)
    history, medications = [], []
    if grant:
        history = list(selectors.history_for(doctor=membership, patient=patient)
                       .exclude(doctor__user_id=membership.user_id)
                       .order_by("-created_at")[:50])
        medications = selectors.current_medications(doctor=membership, patient=patient)
        accounts_services.access_log_record(
            action=AccessLog.Action.MEDICATIONS_READ, actor=request.user,
            membership=membership, patient=patient, ip=client_ip(request))
    audit.results_read(request, own + history, target=f"visit:{visit.hid}")
    context = {
        "visit": visit, "patient": patient, "own_prescriptions": own, "grant": grant,
        "history": history, "medications": medications, "tabs": TABS,
        "active_tab": Kind.DRUG, "rows": [],
        "dose_amounts": DOSE_AMOUNTS, "frequencies": Frequency.choices,
        "timings": Timing.choices, "code_form": CodeForm(), "editing": None,
        "editing_version": None, "submit_key": uuid.uuid4().hex,
        "signing_key": accounts_services.doctor_keys_of(membership).filter(
            revoked_at__isnull=True).first(),
    }
    if membership.specialty == Specialty.GP:
        made = list(Referral.objects.filter(from_visit__patient=patient,
                                            from_doctor__user_id=membership.user_id)
                    .order_by("-created_at")[:10])
        used = {r.used_by_id for r in made if r.used_by_id}
        feedback: dict[int, list] = {}
        for rx in selectors.prescriptions_base().filter(visit_id__in=used):
            feedback.setdefault(rx.visit_id, []).append(rx)
        for referral in made:
            referral.feedback = feedback.get(referral.used_by_id, [])
        context.update(can_refer=True, referrals=made, specialties=[
            (v, label) for v, label in Specialty.choices if v != Specialty.GP])
    context.update(extra)
    return context


def _log_visit_read(request, visit, target: str = "") -> None:
    accounts_services.access_log_record(
        action=AccessLog.Action.PATIENT_READ, actor=request.user, membership=request.membership,
        patient=visit.patient, target=target or f"visit:{visit.hid}", ip=client_ip(request))


@role_required(Role.DOCTOR)
def visit_page(request, visit_id: int):
    visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
    services.visit_start(visit=visit)
    _log_visit_read(request, visit)
    return render(request, "prescriptions/visit.html", _visit_context(request, visit))


@require_GET
@role_required(Role.DOCTOR)
def catalog_search(request):
    kind = request.GET.get("kind", Kind.DRUG)
    if kind not in Kind.values:
        kind = Kind.DRUG
    items = selectors.catalog_search(kind=kind, query=request.GET.get("q", ""))
    return render(request, "prescriptions/_catalog_results.html",
                  {"items": items, "query": request.GET.get("q", "")})


def _rows(items: list[dict]) -> list[dict]:
    """Rows to redraw in the form, with names from the catalog."""
    from prescriptions.models import CatalogItem

    names = dict(CatalogItem.objects.filter(code__in=[i["code"] for i in items])
                 .values_list("code", "name_fa"))
    return [{**item, "name": names.get(item["code"], item["code"])} for item in items]


@require_POST
@role_required(Role.DOCTOR)
def preview(request, visit_id: int):
    visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
    items = items_from_post(request.POST)
    context = {"kind": request.POST.get("kind")}
    if items:
        try:
            evaluation = services.prescription_preview(
                doctor=request.membership, visit=visit, kind=request.POST.get("kind"),
                items=items, editing=request.POST.get("tracking_code", ""))
            context["evaluation"] = evaluation
            context["suggestions"] = suggestions.for_evaluation(
                evaluation, scheme_id=visit.scheme_id, day=timezone.localdate())
        except DomainError as exc:
            context["error"] = exc.message
    return render(request, "prescriptions/_preview.html", context)


def _version_ok(text: str) -> bool:
    return text.isascii() and text.isdecimal() and len(text) <= 9


def _once(request, create) -> idempotency.Answer:
    """The form's own key (drawn when the page was drawn): a double submit over a flaky
    network registers one prescription and says so."""
    key = str(request.POST.get("idempotency_key", "")).strip()
    if not key:
        status, body, headers = create()
        return idempotency.Answer(status, body, False, headers)
    fields = {name: request.POST.getlist(name) for name in sorted(request.POST)
              if name not in ("csrfmiddlewaretoken", "idempotency_key")}
    try:
        return idempotency.once(membership=request.membership, key=f"page:{key}"[:255],
                                digest=idempotency.fingerprint("page", request.path, fields),
                                run=create)
    except idempotency.Mismatch:
        raise Conflict(_("این فرم پیش‌تر با اقلام دیگری فرستاده شده است؛ صفحه را تازه کنید "
                         "و نسخه را دوباره بنویسید."), code="idempotency_mismatch") from None


@require_POST
@role_required(Role.DOCTOR)
def prescribe(request, visit_id: int):
    visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
    kind = request.POST.get("kind", Kind.DRUG)
    items = items_from_post(request.POST)
    override = request.POST.get("override_warnings") == "1"
    tracking_code = request.POST.get("tracking_code", "")
    version = request.POST.get("version", "")
    try:
        if tracking_code:
            prescription = selectors.prescription_get(viewer=request.membership,
                                                      tracking_code=tracking_code)
            prescription = services.prescription_update(
                doctor=request.membership, prescription=prescription, items=items,
                note=request.POST.get("note", ""), override_warnings=override,
                signature=request.POST.get("signature", ""),
                expected_versions=[int(version)] if _version_ok(version) else None)
            text = _("نسخه {code} ویرایش شد (نسخه {v}).")
        else:
            def create() -> tuple[int, dict, dict]:
                made = services.prescription_create(
                    doctor=request.membership, visit=visit, kind=kind, items=items,
                    note=request.POST.get("note", ""), override_warnings=override,
                    signature=request.POST.get("signature", ""))
                return 201, {"tracking_code": made.tracking_code, "version": made.version}, {}

            answer = _once(request, create)
            prescription = selectors.prescription_get(viewer=request.membership,
                                                      tracking_code=answer.body["tracking_code"])
            text = (_("این نسخه پیش‌تر ثبت شده بود (ارسال دوباره). کد رهگیری: {code}")
                    if answer.replayed else _("نسخه ثبت شد. کد رهگیری: {code}"))
    except DomainError as exc:
        evaluation = None
        if isinstance(exc, RulesRejected):
            try:
                evaluation = services.prescription_preview(
                    doctor=request.membership, visit=visit, kind=kind, items=items,
                    editing=tracking_code)
            except DomainError:
                evaluation = None
        context = _visit_context(
            request, visit, active_tab=kind, rows=_rows(items), error=exc.message,
            evaluation=evaluation, note=request.POST.get("note", ""),
            editing=tracking_code or None,
            editing_version=version if _version_ok(version) else None)
        return render(request, "prescriptions/visit.html", context, status=exc.status)
    messages.success(request, text.format(code=prescription.tracking_code,
                                          v=fa_digits(prescription.version)),
                     extra_tags="tracking")
    request.session["last_tracking_code"] = prescription.tracking_code
    return redirect("prescriptions:visit", visit_id=visit.pk)


@require_POST
@role_required(Role.DOCTOR)
def signing_content(request, visit_id: int):
    """The signing request: what the browser signs before it sends the form (seed 003)."""
    visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
    tracking_code = request.POST.get("tracking_code", "")
    prescription = (selectors.prescription_get(viewer=request.membership,
                                               tracking_code=tracking_code)
                    if tracking_code else None)
    try:
        content = services.prescription_signing_content(
            doctor=request.membership, visit=visit, kind=request.POST.get("kind"),
            items=items_from_post(request.POST), note=request.POST.get("note", ""),
            prescription=prescription)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status)
    return JsonResponse({"content": content})


@role_required(Role.DOCTOR)
def edit(request, tracking_code: str):
    prescription = selectors.prescription_get(viewer=request.membership,
                                              tracking_code=tracking_code)
    visit = selectors.visit_get(viewer=request.membership, visit_id=prescription.visit_id)
    if prescription.status != Prescription.Status.ACTIVE:
        messages.error(request, _("این نسخه دیگر قابل ویرایش نیست."))
        return redirect("prescriptions:visit", visit_id=visit.pk)
    rows = [{"code": i.code, "name": i.name, "quantity": i.quantity, "dosage": i.dosage,
             "dose": i.dose.as_dict() if i.dose else None, "instructions": i.instructions}
            for i in prescription.items.all()]
    _log_visit_read(request, visit, prescription.tracking_code)
    return render(request, "prescriptions/visit.html", _visit_context(
        request, visit, active_tab=prescription.kind, rows=rows,
        editing=prescription.tracking_code, editing_version=prescription.version,
        note=prescription.note))


@require_POST
@role_required(Role.DOCTOR)
def cancel(request, tracking_code: str):
    prescription = selectors.prescription_get(viewer=request.membership,
                                              tracking_code=tracking_code)
    try:
        services.prescription_cancel(doctor=request.membership, prescription=prescription)
        messages.success(request, _("نسخه {code} ابطال شد.").format(code=tracking_code))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("prescriptions:visit", visit_id=prescription.visit_id)


@require_POST
@role_required(Role.DOCTOR)
def complete(request, visit_id: int):
    visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
    services.visit_complete(doctor=request.membership, visit=visit)
    messages.success(request, _("ویزیت {name} تأیید شد.").format(name=visit.patient.full_name))
    return redirect("prescriptions:doctor_home")


@require_POST
@role_required(Role.DOCTOR)
def refer(request, visit_id: int):
    visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
    try:
        referral = referrals.referral_create(doctor=request.membership, visit=visit,
                                             specialty=request.POST.get("specialty"),
                                             note=request.POST.get("note", ""))
        messages.success(request, _("ارجاع {s} با کد {c} ثبت شد؛ تا {d} معتبر است.").format(
            s=referral.get_specialty_display(), c=referral.code,
            d=jalali_date(referral.valid_until)))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("prescriptions:visit", visit_id=visit.pk)


@require_POST
@role_required(Role.DOCTOR)
def consent_request(request, visit_id: int):
    visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
    try:
        services.consent_request(doctor=request.membership, patient=visit.patient,
                                 ip=client_ip(request))
        messages.info(request, _("کد تأیید برای بیمار پیامک شد؛ کدی را که می‌خواند وارد کنید."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("prescriptions:visit", args=[visit.pk]) + "#history")


@require_POST
@role_required(Role.DOCTOR)
def consent_verify(request, visit_id: int):
    visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.consent_verify(doctor=request.membership, patient=visit.patient,
                                    code=form.cleaned_data["code"], ip=client_ip(request))
            accounts_services.access_log_record(
                action=AccessLog.Action.HISTORY_READ, actor=request.user,
                membership=request.membership, patient=visit.patient, ip=client_ip(request))
            messages.success(request, _("دسترسی به سوابق برای ۳۰ دقیقه باز شد."))
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect(reverse("prescriptions:visit", args=[visit.pk]) + "#history")
