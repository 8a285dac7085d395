"""Pages of the insurer side; reviewers do their work in the Django admin."""

from django.shortcuts import render

from accounts.models import Role
from accounts.permissions import role_required


@role_required(Role.REVIEWER)
def reviewer_home(request):
    insurer = getattr(request.membership.facility, "insurer", None)
    return render(request, "claims/reviewer_home.html", {"insurer": insurer})
