"""The emulated Alvaria AutoFacilitate API: token endpoint, execute, result, errors, admin control, faults."""

from __future__ import annotations

import base64
import time

import pytest

from pulumi_iotcomms.api.alvaria import TOKEN_PATH
from pulumi_iotcomms.emulator import Emulator, EmulatorServer
from pulumi_iotcomms.emulator.__main__ import parse_args
from tests._alvaria import (
    API_KEY,
    CLIENT_ID,
    CLIENT_SECRET,
    ORG,
    SERVICE,
    AlvariaClient,
    alvaria,
    alvaria_server,
    execute_path,
    result_path,
)
from tests.emulator_client import EmulatorClient

__all__ = ["alvaria", "alvaria_server"]  # the fixtures


def _error_response(body: object, status: int) -> list[str]:
    """The ``errors[].message`` of a documented ``ErrorResponse``, after checking its shape."""
    assert isinstance(body, dict)
    assert set(body) == {"code", "message", "errors"}, body
    assert body["code"] == str(status)
    assert all(set(e) == {"scope", "reason", "message"} for e in body["errors"])
    return [e["message"] for e in body["errors"]]


def test_token_endpoint_client_credentials(alvaria: AlvariaClient) -> None:
    form = {"grant_type": "client_credentials", "scope": "autofacilitateapi"}
    resp = alvaria.http.post(TOKEN_PATH, data=form, auth=(CLIENT_ID, CLIENT_SECRET))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "autofacilitateapi"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) > 20
    assert resp.headers["cache-control"] == "no-store"
    # The client may also authenticate with form fields (RFC 6749 2.3.1); no scope means the API's scope.
    in_body = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    assert alvaria.http.post(TOKEN_PATH, data=in_body).status_code == 200


@pytest.mark.parametrize(
    ("form", "auth", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, (CLIENT_ID, "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, ("nobody", CLIENT_SECRET), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, None, 401, "invalid_client"),
        ({"grant_type": "password"}, (CLIENT_ID, CLIENT_SECRET), 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "admin"}, (CLIENT_ID, CLIENT_SECRET), 400, "invalid_scope"),
    ],
    ids=["wrong-secret", "unknown-client", "no-client", "grant-type", "scope"],
)
def test_token_endpoint_refusals(
    alvaria: AlvariaClient, form: dict[str, str], auth: tuple[str, str] | None, status: int, error: str
) -> None:
    resp = alvaria.http.post(TOKEN_PATH, data=form, auth=auth) if auth else alvaria.http.post(TOKEN_PATH, data=form)
    assert resp.status_code == status
    assert resp.json()["error"] == error
    assert CLIENT_SECRET not in resp.text


def test_token_endpoint_wants_a_form(alvaria: AlvariaClient) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    resp = alvaria.http.post(
        TOKEN_PATH, json={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"


def test_execute_then_result_completes_after_the_pace(alvaria: AlvariaClient) -> None:
    token = alvaria.access_token()
    body = {"triggerParameters": {"key": "value"}, "callbackUrls": ["https://mycompany.com/callbacks/id=123"]}
    resp = alvaria.api("POST", execute_path(), token=token, json=body)  # the docs' sample body
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert set(answer) == {"message", "triggerUUID"}
    assert answer["message"] == f"Successfully triggered {SERVICE}@{ORG}"
    running = alvaria.api("GET", result_path(answer["triggerUUID"]), token=token)
    assert running.status_code == 202
    time.sleep(0.25)
    done = alvaria.api("GET", result_path(answer["triggerUUID"]), token=token)
    assert done.status_code == 204
    assert done.content == b""


def test_execute_with_an_empty_object_is_valid(alvaria: AlvariaClient) -> None:
    resp = alvaria.api("POST", execute_path(), token=alvaria.access_token(), json={})
    assert resp.status_code == 200


def test_api_key_is_checked_first(alvaria: AlvariaClient) -> None:
    token = alvaria.access_token()
    for key in (None, "not-the-key"):
        resp = alvaria.api("POST", execute_path(), token=token, key=key, json={})
        assert resp.status_code == 403
        assert resp.json() == {"message": "Forbidden"}
    # Without a token either, still the API key's 403: the gateway checks it first.
    assert alvaria.api("POST", execute_path(), key=None, json={}).status_code == 403


def test_401_without_an_unknown_or_an_expired_token(alvaria: AlvariaClient) -> None:
    token = alvaria.access_token()
    for bad, why in ((None, "missing bearer token"), ("forged-token", "unknown token")):
        resp = alvaria.api("POST", execute_path(), token=bad, json={})
        assert resp.status_code == 401
        assert resp.content == b""
        assert why in resp.headers["www-authenticate"]
    assert alvaria.control(expireTokens=True)["tokensIssued"] == 1
    expired = alvaria.api("POST", execute_path(), token=token, json={})
    assert expired.status_code == 401
    assert "expired" in expired.headers["www-authenticate"]
    assert alvaria.api("POST", execute_path(), token=alvaria.access_token(), json={}).status_code == 200


def test_tokens_expire_after_the_lifetime(alvaria: AlvariaClient) -> None:
    alvaria.control(tokenLifetimeSeconds=0.3)
    resp = alvaria.http.post(TOKEN_PATH, data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET))
    assert resp.json()["expires_in"] == 1  # whole seconds, rounded up
    token = resp.json()["access_token"]
    assert alvaria.api("POST", execute_path(), token=token, json={}).status_code == 200
    time.sleep(0.35)
    assert alvaria.api("POST", execute_path(), token=token, json={}).status_code == 401


def test_unknown_service_and_trigger_are_404(alvaria: AlvariaClient) -> None:
    token = alvaria.access_token()
    resp = alvaria.api("POST", execute_path("NoSuchService"), token=token, json={})
    assert resp.status_code == 404
    assert _error_response(resp.json(), 404) == ["no service NoSuchService in this organization"]
    resp = alvaria.api("GET", result_path("1234"), token=token)
    assert resp.status_code == 404
    assert _error_response(resp.json(), 404) == ["Dialog Id not found on the cluster"]
    uuid = alvaria.api("POST", execute_path(), token=token, json={}).json()["triggerUUID"]
    # A trigger belongs to its organization and service.
    assert alvaria.api("GET", result_path(uuid, org="other-org"), token=token).status_code == 404


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ({"triggerParameters": {"key": 1}}, ["triggerParameters.key: must be a string"]),
        ({"triggerParameters": ["key"]}, ["triggerParameters: must be an object"]),
        ({"callbackUrls": "https://x.example"}, ["callbackUrls: must be a list of URLs"]),
        ({"callbackUrls": ["ftp://x.example/cb"]}, ["callbackUrls[0]: must be an http(s) URL"]),
        ({"channel": "sms"}, ["channel: unknown field (known: callbackUrls, triggerParameters)"]),
        ([], ["the body must be a JSON object"]),
    ],
)
def test_bad_parameters_are_422_with_an_error_response(
    alvaria: AlvariaClient, body: object, messages: list[str]
) -> None:
    resp = alvaria.api("POST", execute_path(), token=alvaria.access_token(), json=body)
    assert resp.status_code == 422
    assert _error_response(resp.json(), 422) == messages


def test_a_body_that_is_not_json_is_400(alvaria: AlvariaClient) -> None:
    resp = alvaria.api(
        "POST", execute_path(), token=alvaria.access_token(), content=b"<root/>", headers={"content-type": "text/xml"}
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["message"] == "Validation exception"
    assert body["errors"][0]["reason"] == "Invalid request"


def test_admin_control_services_pace_and_failures(alvaria: AlvariaClient) -> None:
    state = alvaria.control(services=["Escalate", SERVICE], resultSeconds=0, failingServices={"Escalate": "no agent"})
    assert state["services"] == ["Escalate", SERVICE]
    assert state["resultSeconds"] == 0.0
    token = alvaria.access_token()
    uuid = alvaria.api("POST", execute_path("Escalate"), token=token, json={}).json()["triggerUUID"]
    failed = alvaria.api("GET", result_path(uuid, "Escalate"), token=token)
    assert failed.status_code == 422
    assert _error_response(failed.json(), 422) == ["no agent"]
    for bad in (
        {"resultSeconds": -1},
        {"tokenLifetimeSeconds": -1},
        {"services": "x"},
        {"expireTokens": False},
        {"x": 1},
    ):
        assert alvaria.http.put("/_emulator/alvaria", json=bad).status_code == 400, bad
    alvaria.reset()
    assert alvaria.control() == {
        "success": True,
        "services": [SERVICE],
        "resultSeconds": 0.5,
        "tokenLifetimeSeconds": 3600.0,
        "failingServices": {},
        "tokensIssued": 0,
        "triggers": 0,
    }


def test_admin_faults_apply_to_the_alvaria_routes(alvaria: AlvariaClient) -> None:
    token = alvaria.access_token()
    alvaria.faults(error_rate=1.0, error_statuses=[503])
    assert alvaria.api("POST", execute_path(), token=token, json={}).status_code == 503
    logged = alvaria.alvaria_requests()[-1]
    assert logged["path"] == execute_path()
    assert logged["status"] == 503


def test_requests_are_logged_without_credentials(alvaria: AlvariaClient) -> None:
    alvaria.api("POST", execute_path(), token=alvaria.access_token(), json={"triggerParameters": {"a": "b"}})
    logged = alvaria.alvaria_requests()
    assert [(r["method"], r["path"]) for r in logged] == [("POST", TOKEN_PATH), ("POST", execute_path())]
    assert CLIENT_SECRET not in str(logged)
    assert API_KEY not in str(logged)


def test_not_served_without_alvaria_flags(emulator: EmulatorClient) -> None:
    resp = emulator.http.post(TOKEN_PATH, data={"grant_type": "client_credentials"})
    assert resp.status_code == 404


def test_cli_flags() -> None:
    args = parse_args(["--alvaria-client", "a=b", "--alvaria-client", "c=d=e", "--alvaria-api-key", "k1"])
    assert args.alvaria_client == [("a", "b"), ("c", "d=e")]
    assert args.alvaria_api_key == ["k1"]
    with pytest.raises(SystemExit):
        parse_args(["--alvaria-client", "no-secret"])


def test_an_api_key_alone_enables_the_routes_and_any_client_is_refused() -> None:
    with EmulatorServer(Emulator(alvaria_api_keys=["k"])) as server, AlvariaClient(server.url) as client:
        resp = client.http.post(TOKEN_PATH, data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET))
        assert resp.status_code == 401
