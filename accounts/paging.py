"""Keyset pagination for API lists: `?page_size=` (at most 200, default 50) and `?cursor=`,
with `Link: <…>; rel="next"` (RFC 8288) while more remain. The cursor is signed: a tampered
one is a clear 400, never a query on made-up values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.errors import Invalid

DEFAULT_SIZE = 50
MAX_SIZE = 200
SALT = "noskhe.paging"


@dataclass
class Page:
    items: list
    next_cursor: str | None


def page_size_of(params) -> int:
    raw = params.get("page_size")
    if raw in (None, ""):
        return DEFAULT_SIZE
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_SIZE:
        message = _("page_size عددی از ۱ تا ۲۰۰ است.")
        raise Invalid(message, code="page_size", errors={"page_size": [message]})
    return int(text)


def _decode(cursor: str) -> tuple[dt.date, int]:
    try:
        day, pk = signing.loads(cursor, salt=SALT)
        return dt.date.fromisoformat(day), int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        message = _("نشانگر صفحه (cursor) نامعتبر است.")
        raise Invalid(message, code="cursor", errors={"cursor": [message]}) from None


def by_date_then_id(queryset: QuerySet, params, *, date_field: str) -> Page:
    """A page of a list ordered newest first by `date_field`, then by id."""
    size = page_size_of(params)
    cursor = params.get("cursor")
    if cursor:
        day, pk = _decode(str(cursor)[:200])
        queryset = queryset.filter(Q(**{f"{date_field}__lt": day})
                                   | Q(**{date_field: day, "pk__lt": pk}))
    rows = list(queryset.order_by(f"-{date_field}", "-pk")[:size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = signing.dumps([getattr(last, date_field).isoformat(), last.pk], salt=SALT)
    return Page(rows, next_cursor)


def next_link(request, page: Page) -> str | None:
    if page.next_cursor is None:
        return None
    params = request.query_params.copy() if hasattr(request, "query_params") else (
        request.GET.copy())
    params["cursor"] = page.next_cursor
    return f'<{request.build_absolute_uri(request.path)}?{params.urlencode()}>; rel="next"'
