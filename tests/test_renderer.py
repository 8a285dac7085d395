"""accounts.renderers.FastJSONRenderer answers what DRF's JSONRenderer answers, byte for
byte, for every kind of value an API answer holds, and errs where DRF errs; a tiny float is
spelled otherwise but has the same value."""

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.db import models
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from accounts.renderers import FastJSONRenderer


class Level(models.TextChoices):
    WARNING = "warning", "هشدار"


class Count(models.IntegerChoices):
    ONE = 1, "یک"


@dataclasses.dataclass
class Point:
    x: int


TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))
ANSWERS = [
    {"detail": "نسخه ثبت شد.", "code": "ok", "n": 3, "ok": True, "none": None},
    [{"tracking_code": "A2WBS4R3FG", "items": [{"quantity": 20, "total": "125000"}]}],
    {"at": dt.datetime(2026, 12, 2, 9, 30, 1, 123456, tzinfo=dt.UTC),
     "local": dt.datetime(2026, 12, 2, 13, 0, tzinfo=TEHRAN),
     "naive": dt.datetime(2026, 12, 2, 13, 0, 0, 5), "day": dt.date(2026, 12, 2),
     "time": dt.time(8, 15, 0, 250000)},
    {"price": Decimal("125000.50"), "lazy": gettext_lazy("لازم است."), "id": uuid.UUID(int=7)},
    {"level": Level.WARNING, "count": Count.ONE, "tuple": (1, "۲"), "float": 0.1 + 0.2},
    {1: "int key", None: "none key", False: "bool key", 2.5: "float key"},
    {"separators": "line\u2028paragraph\u2029end", "emoji": "💊", "quote": "\"\\/"},
    {"big": 2**70, "negative": -(2**70)},
    {"set": {1, 2}, "frozen": frozenset(["x"])},
    "a bare string", 7, [],
]


@pytest.mark.parametrize("data", ANSWERS, ids=range(len(ANSWERS)))
def test_the_bytes_are_drfs(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_nothing_renders_as_nothing_and_indent_is_drfs():
    assert FastJSONRenderer().render(None) == b""
    context = {"indent": 2}
    assert (FastJSONRenderer().render(ANSWERS[0], "application/json", context)
            == JSONRenderer().render(ANSWERS[0], "application/json", context))
    assert b"\n" in FastJSONRenderer().render(ANSWERS[0], "application/json", context)


@pytest.mark.parametrize("data", [{"point": Point(1)}, {"what": object()}])
def test_what_drf_refuses_is_refused_alike(data):
    with pytest.raises(TypeError) as drfs:
        JSONRenderer().render(data)
    with pytest.raises(TypeError) as ours:
        FastJSONRenderer().render(data)
    assert str(ours.value) == str(drfs.value)


def test_the_api_answers_with_it(api_as):
    answer = api_as("pharmacy").get("/api/v1/me")
    assert answer.status_code == 200
    assert answer.renderer_context["view"].get_renderers()[0].__class__ is FastJSONRenderer


def test_a_tiny_float_has_the_same_value_and_changed_settings_go_to_drf():
    data = {"value": 1e-05, "other": 1.5e-05}
    assert json.loads(FastJSONRenderer().render(data)) == data
    ours = FastJSONRenderer()
    ours.ensure_ascii = True  # what UNICODE_JSON = False gives
    assert ours.render({"name": "مریم"}) == b'{"name":"\\u0645\\u0631\\u06cc\\u0645"}'
