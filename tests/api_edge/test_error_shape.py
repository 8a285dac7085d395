"""Contract, "The API edge": every error body is {detail, code, …} with a Persian detail
and a stable code; a 400 adds errors {field: [message]}. One handler makes them all, DRF's
own refusals and Django's (an unknown path, a crash) included."""

import re

import pytest
from rest_framework.test import APIClient

from accounts.error_body import flat_errors

PERSIAN = re.compile(r"[\u0600-\u06FF]")


def shaped(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and PERSIAN.search(body["detail"]), body
    if status == 400:  # a 400 always names what is at fault
        assert body["errors"] and all(isinstance(m, list) for m in body["errors"].values())
    return body


def test_without_a_token(db):
    shaped(APIClient().get("/api/v1/me"), 401, "not_authenticated")


def test_with_a_made_up_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    shaped(client.get("/api/v1/me"), 401, "authentication_failed")


def test_a_method_the_path_does_not_take(api_as):
    shaped(api_as("patient").delete("/api/v1/me"), 405, "method_not_allowed")


def test_a_body_that_is_not_json(db):
    response = APIClient().post("/api/v1/auth/otp/request", "national_code=1",
                                content_type="text/plain")
    shaped(response, 415, "unsupported_media_type")


def test_asking_for_xml(db):
    response = APIClient().get("/api/v1/me", HTTP_ACCEPT="application/xml")
    shaped(response, 406, "not_acceptable")


def test_broken_json(db):
    response = APIClient().post("/api/v1/auth/otp/request", '{"national_code": ',
                                content_type="application/json")
    shaped(response, 400, "parse_error")


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/prescriptions/a/b/c/d",
                                  "/api/v2/me"])
def test_an_unknown_api_path_is_a_json_404(db, path):
    shaped(APIClient().get(path), 404, "not_found")


def test_a_field_error_names_the_field(db):
    body = shaped(APIClient().post("/api/v1/auth/otp/request", {}, format="json"), 400,
                  "invalid")
    assert set(body["errors"]) >= {"national_code", "mobile"}
    assert all(isinstance(m, list) and all(isinstance(t, str) for t in m)
               for m in body["errors"].values())


def test_a_wrong_role(api_as):
    shaped(api_as("patient").get("/api/v1/queue"), 403, "forbidden")


def test_a_domain_refusal_keeps_its_own_code(api_as):
    body = shaped(api_as("pharmacy").get("/api/v1/prescriptions"), 400, "invalid")
    assert "national_code" in body["errors"]


def test_nested_errors_are_flattened_to_paths():
    nested = {"items": [{}, {"quantity": ["بیشتر از صفر"], "dose": {"per_day": ["عدد"]}}],
              "non_field_errors": ["کل بدنه"], "note": "یک پیام"}
    assert flat_errors(nested) == {"items.1.quantity": ["بیشتر از صفر"],
                                   "items.1.dose.per_day": ["عدد"],
                                   "non_field_errors": ["کل بدنه"], "note": ["یک پیام"]}
    assert flat_errors(["x"]) == {"non_field_errors": ["x"]}


def test_a_body_too_large_is_a_json_413(db):
    response = APIClient().post("/api/v1/auth/otp/request",
                                '{"national_code": "' + "1" * 300_000 + '"}',
                                content_type="application/json")
    shaped(response, 413, "too_large")


def test_a_crash_in_an_api_view_is_a_json_500(db, monkeypatch):
    from accounts import api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.services, "otp_request", broken)
    client = APIClient(raise_request_exception=False)
    response = client.post("/api/v1/auth/otp/request",
                           {"national_code": "0012345679", "mobile": "09120000001"},
                           format="json")
    shaped(response, 500, "server_error")
