"""Hostile bodies anywhere in the API: answered 400 with a reason, never a 500."""

import pytest

from tests.conftest import DEMO, membership_of

ENDPOINTS = ["/api/v1/prescriptions", "/api/v1/visits", "/api/v1/me/keys",
             "/api/v1/paper/verify", "/api/v1/auth/otp/request"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_deeply_nested_json_is_400(api_as, path):
    client = (api_as("pharmacy") if path.startswith("/api/v1/paper")
              else api_as("doctor", "درمانگاه شفا"))
    for depth in (40, 100_000):
        body = "[" * depth + "]" * depth
        response = client.generic("POST", path, body, content_type="application/json")
        assert response.status_code == 400, (path, depth, response.status_code)
        assert response.json()["code"] in ("nested", "parse_error")


def test_lone_surrogates_are_400_not_500(api_as, demo):
    client = api_as("doctor", "درمانگاه شفا")
    reception = api_as("reception")
    visit = reception.post("/api/v1/visits", {
        "national_code": DEMO["patient"][0],
        "doctor": membership_of(DEMO["doctor"][0], "درمانگاه شفا").pk}, format="json").json()
    items = '"items": [{"code": "PARA-500-TAB", "quantity": 1}]'
    body = '{"visit": ' + str(visit["id"]) + ', "kind": "drug", "note": "\\ud800", ' + items + "}"
    response = client.generic("POST", "/api/v1/prescriptions", body,
                              content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "bad_text"
    # a proper astral character (a surrogate pair in JSON) is fine
    ok = ('{"visit": ' + str(visit["id"]) + ', "kind": "drug", "note": "\\ud83d\\ude00", '
          + items + "}")
    assert client.generic("POST", "/api/v1/prescriptions", ok,
                          content_type="application/json").status_code == 201


def test_reasonable_nesting_still_parses(api_as):
    from accounts.parsers import MAX_DEPTH, _check

    value: list = []
    for _ in range(MAX_DEPTH - 1):
        value = [value]
    _check(value)
