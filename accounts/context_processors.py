from django.utils import timezone

from accounts.models import Role


def membership(request):
    """The active membership, and for a doctor why they may not prescribe today (if so)."""
    active = getattr(request, "membership", None)
    problem = None
    if active is not None and active.role == Role.DOCTOR:
        problem = active.prescribing_problem(timezone.localdate())
    can_claim = active is not None and (active.is_fulfilment or active.role == Role.DOCTOR)
    return {"membership": active, "licence_problem": problem, "can_claim": can_claim}
