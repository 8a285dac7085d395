"""Pages of the claims side: the facility's claims screen (seed 000) and its connection
settings per insurer; reviewers do their work in the Django admin."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.errors import DomainError
from accounts.jalali import fa_digits
from accounts.models import Role
from accounts.permissions import FULFILMENT_ROLES, role_required
from claims import dashboards, invoicing, selectors, services
from claims.documents import lines_with_deductions
from claims.forms import ConnectionForm, PeriodForm, month_start_and_today
from claims.models import Connection, Insurer, Invoice, Job

CLAIMING = (*FULFILMENT_ROLES, Role.DOCTOR)
PAGE_SIZE = 50


@role_required(Role.REVIEWER)
def reviewer_home(request):
    insurer = getattr(request.membership.facility, "insurer", None)
    return render(request, "claims/reviewer_home.html", {"insurer": insurer})


def _form(request, data):
    facility_id = request.membership.facility_id
    return PeriodForm(data, schemes=list(selectors.scheme_choices(facility_id)))


@role_required(*CLAIMING)
def facility_claims(request):
    """«مشاهده و ارسال نسخ»: pick funds and a Jalali range, see each claim's status."""
    start, today = month_start_and_today()
    data = request.GET if "date_from" in request.GET else {"date_from": start, "date_to": today}
    form = _form(request, data)
    period = form.period(require_schemes=False)
    page, totals = None, None
    if period is not None:
        claims = selectors.claims_of(facility_id=request.membership.facility_id,
                                     period=period,
                                     status=form.cleaned_data.get("status") or None
                                     ).select_related("prescription")
        totals = selectors.totals_of(claims)
        paginator = Paginator(claims, PAGE_SIZE)
        paginator.count = totals["count"]  # known from the totals' query: no second COUNT
        page = paginator.get_page(request.GET.get("page"))
    job = None
    if request.GET.get("job"):
        try:
            job = selectors.job_progress(selectors.job_get(viewer=request.membership,
                                                           job_id=request.GET["job"]))
        except DomainError:
            job = None
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return render(request, "claims/facility_claims.html", {
        "form": form, "page": page, "totals": totals, "job": job, "query": query,
    }, status=200 if period is not None else 400)


@require_POST
@role_required(*CLAIMING)
def claims_action(request, action: str):
    """The screen's three buttons; each comes back to the same range."""
    form = _form(request, request.POST)
    period = form.period(require_schemes=True)
    back = {k: request.POST.getlist(k) for k in ("schemes", "date_from", "date_to", "status")}
    if period is None:
        messages.error(request, " ".join(str(e) for e in form.errors.get("__all__", [])) or
                       _("بازه و صندوق‌ها را درست وارد کنید."))
        return redirect(f"{reverse('claims:facility_claims')}?{urlencode(back, doseq=True)}")
    try:
        if action == "add":
            added = services.claims_add_unsent(facility=request.membership.facility,
                                               period=period)
            messages.success(request, _("{n} سند به فهرست ارسال افزوده شد.").format(
                n=fa_digits(added)))
        else:
            kind = Job.Kind.RESEND if action == "resend" else Job.Kind.SEND
            started = services.claims_send(membership=request.membership, period=period,
                                           kind=kind)
            back["job"] = [str(started.job.pk)]
            if not started.created:
                messages.info(request, _("ارسال همین بازه در جریان است؛ پیشرفت آن را ببینید."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('claims:facility_claims')}?{urlencode(back, doseq=True)}")


@role_required(*CLAIMING)
def connections(request):
    """Connection settings per insurer (seed 000, step 2); passwords are never shown."""
    facility = request.membership.facility
    saved = {c.insurer_id: c for c in Connection.objects.filter(facility=facility)}
    rows = []
    for insurer in Insurer.objects.order_by("code"):
        connection = saved.get(insurer.pk)
        initial = {"username": connection.username, "terminal": connection.terminal,
                   "technical_officer": connection.technical_officer} if connection else {}
        rows.append((insurer, connection, ConnectionForm(initial=initial,
                                                         prefix=insurer.code)))
    return render(request, "claims/connections.html", {"rows": rows})


@require_POST
@role_required(*CLAIMING)
def connection_save(request, code: str):
    insurer = get_object_or_404(Insurer, code=code)
    form = ConnectionForm(request.POST, prefix=insurer.code)
    if form.is_valid():
        try:
            services.connection_save(facility=request.membership.facility, insurer=insurer,
                                     **form.cleaned_data)
            messages.success(request, _("تنظیمات اتصال به «{n}» ثبت شد.").format(
                n=insurer.name))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("نام کاربری و شماره ترمینال لازم است."))
    return redirect("claims:connections")


@require_POST
@role_required(*CLAIMING)
def connection_check(request, code: str):
    connection = get_object_or_404(Connection, facility=request.membership.facility,
                                   insurer__code=code)
    tested = services.connection_test(connection=connection)
    (messages.success if tested.check_ok else messages.error)(
        request, _("پاسخ «{n}»: {m}").format(n=connection.insurer.name, m=tested.check_message))
    return redirect("claims:connections")


@role_required(*CLAIMING)
def facility_invoices(request):
    """The facility's invoices: what was claimed, deducted and is payable, month by month."""
    invoices = invoicing.invoices_visible_to(request.membership)[:120]
    return render(request, "claims/invoices.html", {
        "invoices": invoices,
        **dashboards.facility_dashboard(facility_id=request.membership.facility_id)})


@role_required(*CLAIMING)
def facility_invoice(request, invoice_id: int):
    """One invoice with every line and each deduction and its reason, as the insurer made it
    (nothing to re-enter); the facility submits its draft from here."""
    invoice = invoicing.invoice_get(viewer=request.membership, invoice_id=invoice_id)
    if request.method == "POST":
        try:
            invoicing.invoice_status_set(actor=request.membership, invoice=invoice,
                                         status=Invoice.Status.SUBMITTED)
            messages.success(request, _("صورت‌حساب برای بیمه‌گر ارسال شد."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("claims:facility_invoice", invoice_id=invoice.pk)
    return render(request, "claims/invoice.html", {
        "invoice": invoice, "rows": lines_with_deductions(invoice)})
