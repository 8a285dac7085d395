"""The patient's complaints: file one, see its status and answers, write back."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import Role
from accounts.permissions import role_required
from complaints import services
from complaints.models import Complaint
from prescriptions import selectors as prescription_selectors


@role_required(Role.PATIENT)
def complaint_list(request):
    complaints = list(services.complaints_of(request.user)[:200])
    return render(request, "complaints/list.html", {"complaints": complaints})


def _form_context(request, **extra) -> dict:
    prescriptions = list(prescription_selectors.prescriptions_visible_to(request.membership)
                         .order_by("-created_at")[:100])
    return {"subjects": Complaint.Subject.choices, "prescriptions": prescriptions,
            "facilities": list(services.facilities_for(request.membership)), **extra}


@role_required(Role.PATIENT)
def complaint_new(request):
    if request.method != "POST":
        return render(request, "complaints/new.html", _form_context(
            request, chosen=request.GET.get("prescription", "")))
    try:
        complaint = services.complaint_file(
            membership=request.membership, subject=request.POST.get("subject"),
            text=request.POST.get("text", ""), tracking_code=request.POST.get("prescription", ""),
            facility_id=request.POST.get("facility") or None)
    except DomainError as exc:
        return render(request, "complaints/new.html", _form_context(
            request, error=exc.message, errors=exc.extra.get("errors", {}),
            chosen=request.POST.get("prescription", ""), values=request.POST),
            status=exc.status)
    messages.success(request, _("شکایت شما با شماره {n} ثبت شد.").format(n=complaint.pk))
    return redirect("complaints:detail", complaint_id=complaint.pk)


@role_required(Role.PATIENT)
def complaint_detail(request, complaint_id: int):
    complaint = services.complaint_get(user=request.user, complaint_id=complaint_id)
    error = None
    if request.method == "POST":
        try:
            services.complaint_reply(complaint=complaint, author=request.user,
                                     text=request.POST.get("text", ""), from_staff=False)
            return redirect("complaints:detail", complaint_id=complaint.pk)
        except DomainError as exc:
            error = exc.message
    replies = list(complaint.replies.select_related("author"))
    return render(request, "complaints/detail.html",
                  {"complaint": complaint, "replies": replies, "error": error},
                  status=400 if error else 200)
