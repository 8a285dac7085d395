"""Reads of the accounts domain, always for a viewer."""

from django.db.models import Q, QuerySet

from accounts.models import AccessLog, User


def access_log_of(*, user: User) -> QuerySet[AccessLog]:
    """Who read this person's patient record (and their newborns'), newest first."""
    return (
        AccessLog.objects.filter(Q(patient__user=user) | Q(patient__mother__user=user))
        .select_related("actor", "membership__facility")
        .order_by("-at")
    )
