"""Reads of the claims domain, always for the viewer's facility (or insurer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.errors import NotFound
from accounts.identity import db_id
from accounts.models import Membership
from claims.models import Claim, ClaimLine, Job


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    schemes: tuple[str, ...]  # codes; empty: every fund


def claims_of(*, facility_id: int, period: Period, status: str | None = None
              ) -> QuerySet[Claim]:
    queryset = (Claim.objects.filter(facility_id=facility_id,
                                     service_date__range=(period.date_from, period.date_to))
                .select_related("scheme__insurer", "patient", "facility")
                .prefetch_related(Prefetch("lines", queryset=ClaimLine.objects.order_by("id"))))
    if period.schemes:
        queryset = queryset.filter(scheme__code__in=period.schemes)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-service_date", "-id")


AMOUNTS = ("total", "insurer_share", "supplementary_share", "patient_share", "amount")


def totals_of(queryset: QuerySet[Claim]) -> dict:
    """Counts and sums over the whole range (one query), however the list is paged."""
    row = queryset.order_by().aggregate(count=Count("id"),
                                        **{name: Sum(name) for name in AMOUNTS})
    return {"count": row.pop("count"), **{k: v or 0 for k, v in row.items()}}


def job_get(*, viewer: Membership, job_id: object) -> Job:
    """Only whoever started a job sees it; the same 404 for missing and not yours."""
    pk = db_id(job_id)
    job = Job.objects.filter(pk=pk, started_by__user_id=viewer.user_id).first() if pk else None
    if job is None:
        raise NotFound(_("کار پیدا نشد."))
    return job


def job_progress(job: Job) -> dict:
    """Counted from the job's claims: a crashed worker leaves nothing to reconcile."""
    counts = dict(job.claims.values_list("status").annotate(n=Count("id")).order_by())
    finished = sum(counts.get(s, 0) for s in (Claim.Status.ACCEPTED, Claim.Status.REJECTED,
                                              Claim.Status.FAILED))
    return {"id": job.pk, "kind": job.kind, "status": job.status, "total": job.total,
            "done": finished, "failed": counts.get(Claim.Status.FAILED, 0),
            "accepted": counts.get(Claim.Status.ACCEPTED, 0),
            "rejected": counts.get(Claim.Status.REJECTED, 0), "detail": job.detail}


def scheme_choices(facility_id: int):
    """The funds a facility may pick on its claims page: every active one, with how many of
    its claims each holds."""
    from claims.models import Scheme

    return (Scheme.objects.filter(is_active=True).select_related("insurer")
            .annotate(claims_count=Count("claims", filter=Q(claims__facility_id=facility_id)))
            .order_by("insurer__code", "number", "code"))
