"""API authentication: `Authorization: Token <key>`, one token per sign-in."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("سرآیند توکن نامعتبر است."))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("سرآیند توکن نامعتبر است.")) from None
        token = (
            ApiToken.objects.live()
            .select_related("user", "membership__facility", "membership__practitioner")
            .filter(digest=ApiToken.digest_of(key), user__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("توکن نامعتبر است یا باطل شده است."))
        membership = token.membership
        if membership is not None and not membership.is_active:
            membership = None
        # Views read the active membership from the request, whatever signed it in.
        request._request.membership = membership
        request._request.api_token = token
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword

