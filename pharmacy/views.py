"""Pages of the fulfilment side: lookup, dispense (pharmacy) or results (paraclinic), receipt."""

import functools
import hashlib
import json
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as accounts_services
from accounts.errors import DomainError
from accounts.models import AccessLog
from accounts.permissions import FULFILMENT_ROLES, PARACLINIC_ROLES, role_required
from accounts.web import client_ip
from pharmacy import forms, results, selectors, services
from prescriptions import audit
from prescriptions import selectors as rx_selectors
from prescriptions.medications import safety_check_log
from prescriptions.models import Kind


@role_required(*FULFILMENT_ROLES)
def home(request):
    query = request.GET.get("q", "")
    prescriptions, error, quotes = [], None, {}
    if query:
        try:
            prescriptions = list(rx_selectors.counter_lookup(viewer=request.membership,
                                                             query=query)
                                 [:rx_selectors.LIST_LIMIT])
        except DomainError as exc:
            error = exc.message
        quotes = services.quote_many(prescriptions)
        accounts_services.access_log_record_many(
            action=AccessLog.Action.PRESCRIPTION_LIST, actor=request.user,
            membership=request.membership, patients=[p.patient for p in prescriptions],
            target="lookup", ip=client_ip(request))
    rows = [(p, quotes.get(p.pk), [(i, quotes[p.pk].by_item.get(i.pk)) for i in p.items.all()])
            for p in prescriptions]
    recent = list(selectors.dispenses_of(request.membership)[:10]) if not query else []
    return render(request, "pharmacy/home.html", {
        "query": query, "rows": rows, "error": error, "recent": recent,
        "is_paraclinic": request.membership.role in PARACLINIC_ROLES,
    }, status=400 if error else 200)


@role_required(*FULFILMENT_ROLES)
def serve(request, tracking_code: str):
    """The dispense page (pharmacy) or the results page (paraclinic) of one prescription."""
    prescription = rx_selectors.prescription_get(viewer=request.membership,
                                                 tracking_code=tracking_code)
    items = list(prescription.items.all())
    error, status, entered = None, 200, {}
    if request.method == "POST" and prescription.kind == Kind.DRUG:
        entered = forms.entered_from_post(request.POST, items)
        try:
            outcome = services.dispense_record(
                membership=request.membership, prescription=prescription,
                lines=forms.lines_from_entered(entered, items),
                idempotency_key=request.POST.get("idempotency_key", ""),
                started_at=forms.started_from_token(request.POST.get("started", "")),
                payment=forms.payment_from_post(request.POST),
                acknowledgement=services.Acknowledgement(
                    required=True, given=request.POST.get("acknowledge") == "1"))
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("pharmacy:receipt", dispense_id=outcome.dispense.pk)
    accounts_services.access_log_record(
        action=AccessLog.Action.PRESCRIPTION_READ, actor=request.user,
        membership=request.membership, patient=prescription.patient,
        target=prescription.tracking_code, ip=client_ip(request))
    audit.results_read(request, [prescription], target=prescription.tracking_code)
    quote = services.quote(prescription=prescription)
    safety_check_log(membership=request.membership, patient=prescription.patient,
                     profile=quote.profile, dedupe=True)
    return render(request, "pharmacy/serve.html", {
        "p": prescription, "quote": quote, "error": error,
        "rows": forms.rows_for(items, quote.by_item, entered),
        "started": request.POST.get("started") or forms.started_token(),
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        "post": request.POST if request.method == "POST" else {},
    }, status=status)


@require_POST
@role_required(*PARACLINIC_ROLES)
def result(request, tracking_code: str, item_id: int):
    prescription = rx_selectors.prescription_get(viewer=request.membership,
                                                 tracking_code=tracking_code)
    post = request.POST
    if prescription.kind == Kind.LAB:
        payload = {"name": post.get("name", ""), "value": post.get("value", ""),
                   "unit": post.get("unit", ""), "reference_range": post.get("reference_range", "")}
    elif prescription.kind == Kind.IMAGING:
        payload = {"report": post.get("report", "")}
    else:
        payload = {"sessions_done": post.get("sessions_done", "")}
    payload["note"] = post.get("note", "")
    try:
        results.result_record(membership=request.membership, prescription=prescription,
                               item_id=item_id, result=payload)
        messages.success(request, _("نتیجه ثبت شد."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("pharmacy:serve", tracking_code=prescription.tracking_code)


@role_required(*FULFILMENT_ROLES)
def receipt(request, dispense_id: int):
    dispense = selectors.dispense_get(viewer=request.membership, dispense_id=dispense_id)
    accounts_services.access_log_record(
        action=AccessLog.Action.PRESCRIPTION_READ, actor=request.user,
        membership=request.membership, patient=dispense.prescription.patient,
        target=f"receipt:{dispense.pk}", ip=client_ip(request))
    return render(request, "pharmacy/receipt.html", {"d": dispense})


OFFLINE_ASSETS = ("vendor/bootstrap-5.3.9/bootstrap.rtl.min.css", "css/app.css",
                  "vendor/htmx-2.0.11/htmx.min.js",
                  "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js", "js/app.js", "js/offline.js",
                  "vendor/vazirmatn-33.0.3/Vazirmatn-wght.woff2")


@functools.cache
def _offline_version() -> str:
    """Changes whenever a cached asset changes, so counters pick up a new version."""
    digest = hashlib.sha256()
    for asset in OFFLINE_ASSETS:
        path = finders.find(asset)
        digest.update(Path(path).read_bytes() if path else asset.encode())
    digest.update(Path(settings.BASE_DIR, "templates", "pharmacy", "offline.html").read_bytes())
    return digest.hexdigest()[:12]


@role_required(*FULFILMENT_ROLES)
def offline_counter(request):
    """The counter that works with no connection: verify the paper copy's QR here, record
    the service in this browser, sync it when the site is back."""
    return render(request, "pharmacy/offline.html")


def service_worker(request):
    """The offline counter's service worker: static code, no data, served at /fulfil/ so
    that it may control the counter pages."""
    response = render(request, "pharmacy/sw.js", {
        "version": _offline_version(), "page": reverse("pharmacy:offline"),
        "keys": reverse("api:paper-keys"), "scope": reverse("pharmacy:home"),
        "assets": json.dumps([static(asset) for asset in OFFLINE_ASSETS]),
    }, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("pharmacy:home")
    return response
