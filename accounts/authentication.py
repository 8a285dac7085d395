"""API authentication: `Authorization: Token <key>`, one token per sign-in."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from config.sql import CompiledRead

# every API request reads its token with the user and membership: compiled once, prepared
_live_token = CompiledRead(
    ApiToken, lambda digest, now: (
        ApiToken.objects.live(now)
        .select_related("user", "membership__facility", "membership__practitioner")
        .filter(digest=digest, user__is_active=True)[:1]),
    "\x00digest", dt.datetime(1901, 1, 1, tzinfo=dt.UTC),
    adapt=lambda connection, values: (values[0],
                                      connection.ops.adapt_datetimefield_value(values[1])))


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
        token = _live_token.first(ApiToken.digest_of(key), timezone.now())
        if token is None:
            raise exceptions.AuthenticationFailed(_("توکن نامعتبر است یا باطل شده است."))
        membership = token.membership
        if membership is not None and not membership.is_active:
            membership = None
        if membership is not None and membership.user_id == token.user_id:
            membership.user = token.user  # read with the token: no query for the member
        # Views read the active membership from the request, whatever signed it in.
        request._request.membership = membership
        request._request.api_token = token
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword

