"""The API's JSON parser: DRF's, refusing what would otherwise fail deep inside a view
(hostile input answered 400, never 500): nesting past MAX_DEPTH (a RecursionError in the
decoder or later), and strings with lone surrogates (no UTF-8 for the database) or NUL
(no PostgreSQL text)."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _check(data) -> None:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError("بدنه درخواست بیش از حد تودرتو است.", code="nested")
        if isinstance(value, dict):
            stack.extend((k, depth) for k in value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError("بدنه درخواست نویسه نامعتبر دارد.", code="bad_text") from None
            if "\x00" in value:  # PostgreSQL text cannot hold NUL
                raise ParseError("بدنه درخواست نویسه نامعتبر دارد.", code="bad_text")


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("بدنه درخواست بیش از حد تودرتو است.", code="nested") from None
        _check(data)
        return data
