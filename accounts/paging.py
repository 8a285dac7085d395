"""Keyset pagination for every API list: `?page_size=` (at most 200, default 50) and
`?cursor=`, with `Link: <…>; rel="next"` (RFC 8288) while more remain; the body keeps its
shape. A page costs the list's own queries whatever its position: the cursor carries the
last row's sort values and the next page starts after them (`WHERE (a, id) < (…)`), never
an OFFSET. The cursor is signed for one list: a tampered one, or one from another list, is a
clear 400, never a query on made-up values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from accounts.errors import Invalid

DEFAULT_SIZE = 50
MAX_SIZE = 200
SALT = "noskhe.paging"
CURSOR_MAX = 400

PARAMETERS = [
    OpenApiParameter("page_size", int, description="1 to 200; 50 when absent"),
    OpenApiParameter("cursor", str, description="from the previous page's Link rel=next"),
]


@dataclass
class Page:
    items: list
    next_cursor: str | None


def page_size_of(params) -> int:
    raw = params.get("page_size")
    if raw in (None, ""):
        return DEFAULT_SIZE
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 3) or not (
            1 <= int(text) <= MAX_SIZE):
        message = _("page_size عددی از ۱ تا ۲۰۰ است.")
        raise Invalid(message, code="page_size", errors={"page_size": [message]})
    return int(text)


def _bad_cursor() -> Invalid:
    message = _("نشانگر صفحه (cursor) نامعتبر است.")
    return Invalid(message, code="cursor", errors={"cursor": [message]})


def cursor_dump(scope: str, values: Sequence[Any]) -> str:
    return signing.dumps([_plain(v) for v in values], salt=f"{SALT}:{scope}", compress=True)


def cursor_load(scope: str, cursor: object) -> list:
    text = str(cursor)
    if len(text) > CURSOR_MAX:
        raise _bad_cursor()
    try:
        values = signing.loads(text, salt=f"{SALT}:{scope}")
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise _bad_cursor() from None
    if not isinstance(values, list):
        raise _bad_cursor()
    return values


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _field(queryset: QuerySet, name: str):
    return queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name)


def keyset(queryset: QuerySet, params, *, order: Sequence[str], scope: str) -> Page:
    """A page of `queryset` in `order` (field names, `-` for descending, the last one
    unique, e.g. ("-created_at", "-pk")): one query of page_size + 1 rows."""
    names = [name.lstrip("-") for name in order]

    def parse(raw: list) -> list:
        if len(raw) != len(names):
            raise ValueError("a cursor of another list")
        return [_field(queryset, name).to_python(value)
                for name, value in zip(names, raw, strict=True)]

    def fetch(after, limit: int):
        chosen = queryset if after is None else queryset.filter(_after(order, after))
        return chosen.order_by(*order)[:limit]

    return fetched(fetch, params, key=lambda row: [getattr(row, n) for n in names],
                   parse=parse, scope=scope)


def _after(order: Sequence[str], values: list) -> Q:
    """Rows strictly after `values` in `order`: (a > x) or (a = x and b > y) or …"""
    condition = Q()
    for index, name in enumerate(order):
        field = name.lstrip("-")
        step = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": values[index]})
        for earlier, value in zip(order[:index], values[:index], strict=True):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    return condition


def fetched(fetch: Callable[[Any, int], Sequence], params, *, key: Callable[[Any], Sequence],
            parse: Callable[[list], Any], scope: str) -> Page:
    """A page from a hand-written query: `fetch(after, limit)` with `after` the cursor's
    values turned back by `parse` (None on the first page), `key(row)` what the next cursor
    carries."""
    size = page_size_of(params)
    after = None
    if params.get("cursor"):
        raw = cursor_load(scope, params.get("cursor"))
        try:
            after = parse(raw)
        except Exception:  # a signed cursor that no longer parses
            raise _bad_cursor() from None
    return _cut(list(fetch(after, size + 1)), size, key, scope)


def of_list(rows: Sequence, params, *, key: Callable[[Any], Sequence], scope: str) -> Page:
    """A page of a small list built in memory (a medication profile), in the order of
    `key` (a tuple of numbers and strings); rows with equal keys keep their order in the
    list, which the cursor carries too, so none is skipped at a page's edge."""
    size = page_size_of(params)
    ordered = sorted(enumerate(rows), key=lambda pair: [*key(pair[1]), pair[0]])
    cursor = params.get("cursor")
    if cursor:
        mark = cursor_load(scope, cursor)
        try:
            ordered = [pair for pair in ordered if [*key(pair[1]), pair[0]] > mark]
        except TypeError:  # a signed cursor of another shape
            raise _bad_cursor() from None
    page = _cut(ordered[:size + 1], size, lambda pair: [*key(pair[1]), pair[0]], scope)
    return Page([row for _index, row in page.items], page.next_cursor)


def _cut(rows: list, size: int, key: Callable[[Any], Sequence], scope: str) -> Page:
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor_dump(scope, key(rows[-1])) if more else None)


def next_link(request, page: Page) -> str | None:
    if page.next_cursor is None:
        return None
    params = request.query_params.copy() if hasattr(request, "query_params") else (
        request.GET.copy())
    params["cursor"] = page.next_cursor
    return f'<{request.build_absolute_uri(request.path)}?{params.urlencode()}>; rel="next"'


def linked(response, request, page: Page):
    """The response with its Link header when more remain."""
    link = next_link(request, page)
    if link:
        response["Link"] = link
    return response
