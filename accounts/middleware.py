from accounts.models import Membership

SESSION_KEY = "membership_id"


class ActiveMembershipMiddleware:
    """Puts the session's chosen membership on `request.membership` (None until chosen)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        membership_id = request.session.get(SESSION_KEY)
        if membership_id and request.user.is_authenticated:
            request.membership = (
                Membership.objects.select_related("facility", "practitioner")
                .filter(pk=membership_id, user=request.user, is_active=True)
                .first()
            )
        return self.get_response(request)


class DomainErrorMiddleware:
    """Pages: a domain error that escapes a view becomes its status with a Persian page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from accounts.errors import DomainError

        if not isinstance(exception, DomainError):
            return None
        template = {403: "403.html", 404: "404.html"}.get(exception.status, "error.html")
        return render(request, template, {"message": exception.message},
                      status=exception.status)
