"""The AutoFacilitate API layer against the docs' samples, through the emulator over real HTTP: the
client-credentials token (cached, renewed, fetched again once on 401), ``x-api-key``, ErrorResponses."""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_iotcomms._auth import OAuth2ClientCredentials, TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.alvaria import (
    COMPLETED,
    RUNNING,
    TOKEN_PATH,
    AutoFacilitateApi,
    alvaria_transport,
    default_endpoint,
    default_token_url,
)
from pulumi_iotcomms.errors import (
    ApiError,
    BadRequestError,
    ConfigurationError,
    DeadlineExceededError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    error_for_response,
)
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
)
from tests._http_server import Reply, ScriptedServer

__all__ = ["alvaria", "alvaria_server"]  # the fixtures

#: The docs' sample body of an execute.
SAMPLE_PARAMETERS = {"key": "value"}
SAMPLE_CALLBACKS = ["https://mycompany.com/callbacks/id=123"]


def _transport(alvaria: AlvariaClient, *, secret: str = CLIENT_SECRET, api_key: str = API_KEY) -> Transport:
    return alvaria_transport(alvaria.url, alvaria.url + TOKEN_PATH, CLIENT_ID, secret, api_key, max_retries=0)


@pytest.fixture
def api(alvaria: AlvariaClient) -> Iterator[AutoFacilitateApi]:
    with _transport(alvaria) as transport:
        yield AutoFacilitateApi(transport, ORG)


def _calls(alvaria: AlvariaClient) -> list[tuple[str, str, int]]:
    return [(r["method"], r["path"], r["status"]) for r in alvaria.alvaria_requests()]


def test_docs_sample_execute_and_result(alvaria: AlvariaClient, api: AutoFacilitateApi) -> None:
    triggered = api.execute(SERVICE, SAMPLE_PARAMETERS, SAMPLE_CALLBACKS)
    assert triggered.message == f"Successfully triggered {SERVICE}@{ORG}"
    assert api.result(SERVICE, triggered.trigger_uuid) == RUNNING
    seen: list[str] = []
    assert api.wait_for_result(SERVICE, triggered.trigger_uuid, timeout_seconds=10, progress=seen.append) == COMPLETED
    assert seen
    assert all(f"trigger {triggered.trigger_uuid} still running" in line for line in seen)
    executes = [r for r in alvaria.alvaria_requests() if r["path"] == execute_path()]
    assert [r["body"] for r in executes] == [{"triggerParameters": SAMPLE_PARAMETERS, "callbackUrls": SAMPLE_CALLBACKS}]


def test_the_token_is_fetched_once_and_cached(alvaria: AlvariaClient, api: AutoFacilitateApi) -> None:
    for _ in range(3):
        api.execute(SERVICE)
    assert _calls(alvaria) == [("POST", TOKEN_PATH, 200)] + [("POST", execute_path(), 200)] * 3
    token_request = alvaria.alvaria_requests()[0]
    assert token_request["body"] == "grant_type=client_credentials&scope=autofacilitateapi"


def test_a_short_lived_token_is_renewed_before_it_expires(alvaria: AlvariaClient, api: AutoFacilitateApi) -> None:
    alvaria.control(tokenLifetimeSeconds=1)
    api.execute(SERVICE)
    time.sleep(0.95)  # past the renewal point (a tenth of the lifetime before the end)
    api.execute(SERVICE)
    assert [c[0:2] for c in _calls(alvaria)] == [("POST", TOKEN_PATH), ("POST", execute_path())] * 2
    assert all(status == 200 for *_, status in _calls(alvaria))


def test_a_rejected_token_is_fetched_again_once(alvaria: AlvariaClient, api: AutoFacilitateApi) -> None:
    api.execute(SERVICE)
    alvaria.control(expireTokens=True)  # revoked on the server while the client still trusts it
    alvaria.clear_requests()
    api.execute(SERVICE)
    assert _calls(alvaria) == [
        ("POST", execute_path(), 401),
        ("POST", TOKEN_PATH, 200),
        ("POST", execute_path(), 200),
    ]


def test_a_token_refused_twice_fails_naming_the_keys(alvaria: AlvariaClient, api: AutoFacilitateApi) -> None:
    alvaria.control(tokenLifetimeSeconds=0)  # every token is dead on arrival
    with pytest.raises(UnauthorizedError) as caught:
        api.execute(SERVICE)
    assert "alvaria:clientId" in str(caught.value)
    assert [c[1] for c in _calls(alvaria)] == [TOKEN_PATH, execute_path(), TOKEN_PATH, execute_path()]


def test_a_token_that_expires_while_waiting_for_the_result(alvaria: AlvariaClient, api: AutoFacilitateApi) -> None:
    alvaria.control(resultSeconds=0.6)
    triggered = api.execute(SERVICE)

    def expire(line: str) -> None:
        alvaria.control(expireTokens=True)

    assert api.wait_for_result(SERVICE, triggered.trigger_uuid, timeout_seconds=10, progress=expire) == COMPLETED
    tokens = [c for c in _calls(alvaria) if c[1] == TOKEN_PATH]
    refused = [c for c in _calls(alvaria) if c[2] == 401]
    assert len(tokens) == len(refused) + 1
    assert refused


def test_wrong_client_secret(alvaria: AlvariaClient) -> None:
    with _transport(alvaria, secret="wrong-secret") as transport, pytest.raises(UnauthorizedError) as caught:
        AutoFacilitateApi(transport, ORG).execute(SERVICE)
    message = str(caught.value)
    assert f"POST {TOKEN_PATH} failed: 401 Unauthorized" in message
    assert "alvaria:clientSecret" in message
    assert "wrong-secret" not in message


def test_missing_or_wrong_api_key_is_forbidden(alvaria: AlvariaClient) -> None:
    with _transport(alvaria, api_key="not-the-key") as transport, pytest.raises(ForbiddenError) as caught:
        AutoFacilitateApi(transport, ORG).execute(SERVICE)
    assert "alvaria:apiKey" in str(caught.value)
    assert "not-the-key" not in str(caught.value)
    # No token fetched again for a 403: it is not the token that was refused.
    assert [c[1] for c in _calls(alvaria)] == [TOKEN_PATH, execute_path()]


def test_unknown_service_and_trigger(api: AutoFacilitateApi) -> None:
    with pytest.raises(NotFoundError, match="no service Nope in this organization"):
        api.execute("Nope")
    with pytest.raises(NotFoundError, match="Dialog Id not found on the cluster"):
        api.result(SERVICE, "1234")


def test_422_names_the_error_response_messages(api: AutoFacilitateApi) -> None:
    with pytest.raises(BadRequestError) as caught:
        api.execute(SERVICE, callback_urls=["ftp://files.example/cb"])
    assert caught.value.status == 422
    assert str(caught.value).endswith(
        "422 Unprocessable Entity: Unprocessable Entity: callbackUrls[0]: must be an http(s) URL"
    )


def test_a_failed_result(alvaria: AlvariaClient, api: AutoFacilitateApi) -> None:
    alvaria.control(failingServices={SERVICE: "no agent available"}, resultSeconds=0)
    triggered = api.execute(SERVICE)
    with pytest.raises(BadRequestError, match="no agent available"):
        api.wait_for_result(SERVICE, triggered.trigger_uuid, timeout_seconds=5)


def test_waiting_is_bounded(alvaria: AlvariaClient, api: AutoFacilitateApi) -> None:
    alvaria.control(resultSeconds=30)
    triggered = api.execute(SERVICE)
    with pytest.raises(DeadlineExceededError, match="still running after"):
        api.wait_for_result(SERVICE, triggered.trigger_uuid, timeout_seconds=0.5, poll_seconds=0.1)


def test_docs_error_response_sample_names_errors_message() -> None:
    sample = {
        "code": "400",
        "message": "Validation exception",
        "errors": [{"scope": "global", "reason": "Invalid request", "message": "The value for the channel is invalid"}],
    }
    error = error_for_response("POST", "/via/v2/x", 400, sample)
    assert isinstance(error, BadRequestError)
    assert error.reason == "Validation exception: The value for the channel is invalid"


@pytest.mark.parametrize("uuid", [1234, "1234"])
def test_trigger_uuid_integer_or_string(uuid: Any) -> None:
    # The docs' schema says integer, their sample a string.
    replies = [Reply(json={"access_token": "t0k3n", "token_type": "bearer", "expires_in": 60})]
    replies.append(Reply(json={"message": "Successfully triggered ServerName@orgId", "triggerUUID": uuid}))
    with ScriptedServer() as server:
        server.script(*replies)
        with alvaria_transport(server.url, server.url + TOKEN_PATH, CLIENT_ID, CLIENT_SECRET, API_KEY) as t:
            assert AutoFacilitateApi(t, "orgId").execute(SERVICE).trigger_uuid == "1234"
        token_request, execute = server.requests
    assert token_request.headers["authorization"].startswith("Basic ")
    assert execute.headers["authorization"] == "Bearer t0k3n"
    assert execute.headers["x-api-key"] == API_KEY


@pytest.mark.parametrize(
    "answer",
    [
        {"token_type": "Bearer", "expires_in": 60},
        {"access_token": "x", "token_type": "mac"},
        {"access_token": "x", "expires_in": 0},
    ],
)
def test_a_token_answer_that_is_no_bearer_token(answer: dict[str, Any]) -> None:
    with ScriptedServer(Reply(json=answer)) as server:
        auth = OAuth2ClientCredentials(server.url + TOKEN_PATH, CLIENT_ID, CLIENT_SECRET, max_retries=0)
        with pytest.raises(ApiError, match="not an OAuth2 bearer token"):
            auth.authorization_header()
        auth.close()


def test_credentials_and_transport_keep_their_secrets() -> None:
    auth = OAuth2ClientCredentials("https://id.example/oauth2/token", CLIENT_ID, CLIENT_SECRET, config_prefix="alvaria")
    assert CLIENT_SECRET not in repr(auth)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(auth)
    transport = alvaria_transport("https://org.example", "https://id.example/t", CLIENT_ID, CLIENT_SECRET, API_KEY)
    assert API_KEY not in repr(transport)
    assert CLIENT_SECRET not in repr(transport)
    with pytest.raises(TypeError):
        pickle.dumps(transport)
    auth.close()
    transport.close()


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"token_url": "not a url"}, "alvaria:tokenUrl"),
        ({"client_id": ""}, "alvaria:clientId"),
        ({"client_secret": " "}, "alvaria:clientSecret"),
    ],
)
def test_bad_credentials_configuration(kwargs: dict[str, str], key: str) -> None:
    args = {
        "token_url": "https://id.example/oauth2/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **kwargs,
    }
    with pytest.raises(ConfigurationError) as caught:
        OAuth2ClientCredentials(args["token_url"], args["client_id"], args["client_secret"], config_prefix="alvaria")
    assert caught.value.key == key


def test_documented_default_urls() -> None:
    assert default_endpoint("acme") == "https://acme.via.aspect-cloud.net"
    assert default_token_url("na1") == "https://myaspect.na1.id.aspect-cloud.net/tokenservice/oauth2/access_token"


def test_static_credentials_are_not_retried_on_401() -> None:
    # The refresh-once hook is the credentials' choice: a static token has nothing new to offer.
    with ScriptedServer(Reply(401)) as server, Transport(server.url, TokenAuth("static"), max_retries=3) as t:
        with pytest.raises(UnauthorizedError):
            t.request("POST", "/x")
        assert len(server.requests) == 1


def test_a_deadline_names_the_alvaria_setting() -> None:
    token = Reply(json={"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 60})
    with ScriptedServer(Reply(json={}, delay=2)) as server:
        server.script(token)
        transport = alvaria_transport(
            server.url, server.url + TOKEN_PATH, CLIENT_ID, CLIENT_SECRET, API_KEY, timeout_seconds=0.3
        )
        with transport, pytest.raises(DeadlineExceededError, match="increase alvaria:timeoutSeconds"):
            AutoFacilitateApi(transport, ORG).execute(SERVICE)
