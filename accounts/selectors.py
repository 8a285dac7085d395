"""Reads of the accounts domain, always for a viewer."""

from django.db.models import QuerySet

from accounts.models import AccessLog, User


def access_log_of(*, user: User) -> QuerySet[AccessLog]:
    """Who read this person's patient record (and their newborns'), newest first."""
    return (
        AccessLog.objects.filter(patient__user=user)
        .select_related("actor", "membership__facility")
        .order_by("-at")
    )
