"""The Alvaria Cloud AutoFacilitate REST API: execute a named service, then fetch its result.

Docs: ``shared/api/alvaria-autofacilitate-api.txt``. Every call carries an OAuth2 bearer token (client
credentials, scope ``autofacilitateapi``; :class:`~pulumi_iotcomms._auth.OAuth2ClientCredentials`) and
the ``x-api-key`` header; both are set up once by :func:`alvaria_transport` on the shared
:class:`~pulumi_iotcomms._transport.Transport`. A documented ``ErrorResponse`` becomes the typed error of
its status, its ``errors[].message`` in the message (:func:`~pulumi_iotcomms.errors.error_for_response`).

Where the docs are silent (how a running trigger answers, how a failed one does), the choices are in
:data:`~pulumi_iotcomms.api.contract.DECISIONS` (``alvaria.*``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from pulumi_iotcomms._auth import OAuth2ClientCredentials
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.errors import DeadlineExceededError, error_for_malformed_body

from ._schema import COMPUTED, REPLACE, Behaviour, HttpUrl, WireModel

__all__ = [
    "API_KEY_HEADER",
    "COMPLETED",
    "EXECUTE_PATH",
    "RESULT_PATH",
    "RUNNING",
    "SCOPE",
    "TOKEN_PATH",
    "AutoFacilitateApi",
    "Trigger",
    "Triggered",
    "alvaria_transport",
    "default_endpoint",
    "default_token_url",
]

SCOPE = "autofacilitateapi"
API_KEY_HEADER = "x-api-key"
#: The token endpoint's path; the docs' authorization URL is ``https://myaspect.{region}.id.aspect-cloud.net`` + this.
TOKEN_PATH = "/tokenservice/oauth2/access_token"
EXECUTE_PATH = "/via/v2/organizations/{orgId}/autoFacilitate/execute/{vsn}"
RESULT_PATH = "/via/v2/organizations/{orgId}/autoFacilitate/result/{vsn}/triggerUUID/{triggerUUID}"

#: Result statuses (contract.DECISIONS "alvaria.result"): 204 = finished, 202 = still running.
COMPLETED = "completed"
RUNNING = "running"


def default_endpoint(org_id: str) -> str:
    """The documented server URL of an organization, ``https://<orgId>.via.aspect-cloud.net``."""
    return f"https://{org_id}.via.aspect-cloud.net"


def default_token_url(region: str) -> str:
    """The documented token endpoint of a region."""
    return f"https://myaspect.{region}.id.aspect-cloud.net{TOKEN_PATH}"


def alvaria_transport(
    endpoint: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    api_key: str,
    *,
    max_retries: int = 4,
    timeout_seconds: float = 30.0,
) -> Transport:
    """A transport to ``endpoint`` sending the client-credentials token and the ``x-api-key`` header."""
    auth = OAuth2ClientCredentials(
        token_url,
        client_id,
        client_secret,
        scope=SCOPE,
        config_prefix="alvaria",
        max_retries=max_retries,
        timeout_seconds=timeout_seconds,
    )
    return Transport(
        endpoint,
        auth,
        max_retries=max_retries,
        timeout_seconds=timeout_seconds,
        headers={API_KEY_HEADER: api_key},
        endpoint_key="alvaria:endpoint",
        timeout_key="alvaria:timeoutSeconds",
        error_hints={
            401: "the token was refused even after fetching a new one: check alvaria:clientId, "
            "alvaria:clientSecret and alvaria:tokenUrl",
            403: "check alvaria:apiKey and that the client may use the autofacilitateapi scope",
        },
    )


class Trigger(WireModel):
    """One execution of an AutoFacilitate service: the docs' ``triggerParameter`` body, the service it is sent
    to, and what the execute and the result answered."""

    service: Annotated[str, REPLACE, Field(min_length=1, max_length=256)]
    """Name of the service to trigger (``vsn`` in the API's paths)."""
    trigger_parameters: Annotated[dict[str, str] | None, REPLACE] = None
    """Parameters passed to the service, names to string values (the docs' ``triggerParameters``)."""
    callback_urls: Annotated[list[HttpUrl] | None, REPLACE] = None
    """URLs (http or https) the service calls back when it has run (the docs' ``callbackUrls``)."""
    trigger_uuid: Annotated[str | None, COMPUTED, Field(alias="triggerUUID")] = None
    """Id of the execution the service answered (``triggerUUID``), to fetch its result with."""
    message: Annotated[str | None, COMPUTED] = None
    """The service's answer to the execute, e.g. ``Successfully triggered ServerName@orgId``."""
    result_status: Annotated[str | None, Behaviour(computed=True)] = None
    """How the execution ended: ``completed`` once its result was fetched (a failed one fails the operation)."""


@dataclass(frozen=True)
class Triggered:
    """The answer to an execute (the docs' ``triggerResult``).

    Args:
        trigger_uuid: The trigger's id, to fetch its result with (a string, whatever type the server sends).
        message: The server's message, e.g. ``"Successfully triggered ServerName@orgId"``.
    """

    trigger_uuid: str
    message: str


class AutoFacilitateApi:
    """The AutoFacilitate operations of one organization.

    Args:
        transport: A transport from :func:`alvaria_transport`.
        org_id: The customer organization (``orgId`` in every path).
    """

    def __init__(self, transport: Transport, org_id: str) -> None:
        self._t = transport
        self._org = org_id

    def execute(
        self,
        service: str,
        trigger_parameters: Mapping[str, str] | None = None,
        callback_urls: Sequence[str] | None = None,
    ) -> Triggered:
        """Start ``service`` (``POST .../execute/{vsn}``) with the given parameters and callback URLs."""
        body: dict[str, object] = {}
        if trigger_parameters is not None:
            body["triggerParameters"] = dict(trigger_parameters)
        if callback_urls is not None:
            body["callbackUrls"] = list(callback_urls)
        path_params = {"orgId": self._org, "vsn": service}
        answer = self._t.request_json("POST", EXECUTE_PATH, path_params, json=body)
        uuid = answer.get("triggerUUID") if isinstance(answer, dict) else None
        message = answer.get("message", "") if isinstance(answer, dict) else None
        # The docs' schema says integer, their sample a string: both are kept as text.
        if isinstance(uuid, int) and not isinstance(uuid, bool):
            uuid = str(uuid)
        if not isinstance(uuid, str) or not uuid or not isinstance(message, str):
            raise error_for_malformed_body(
                "POST",
                EXECUTE_PATH.format(orgId=self._org, vsn=service),
                200,
                "the answer has no triggerUUID (a string or integer) and message",
            )
        return Triggered(trigger_uuid=uuid, message=message)

    def result(self, service: str, trigger_uuid: str) -> str:
        """The trigger's status: :data:`COMPLETED` (204) or :data:`RUNNING` (202); a failed trigger raises the
        typed error of its ``ErrorResponse`` (contract.DECISIONS "alvaria.result")."""
        params = {"orgId": self._org, "vsn": service, "triggerUUID": trigger_uuid}
        response = self._t.request("GET", RESULT_PATH, params)
        return RUNNING if response.status_code == 202 else COMPLETED

    def wait_for_result(
        self,
        service: str,
        trigger_uuid: str,
        *,
        timeout_seconds: float,
        progress: Callable[[str], None] = lambda _message: None,
        poll_seconds: float = 0.25,
        max_poll_seconds: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> str:
        """Poll the result with backoff until it is finished; returns :data:`COMPLETED`.

        ``progress`` gets a line per poll that finds it still running. A failed trigger raises its typed
        error; one still running after ``timeout_seconds`` raises :class:`DeadlineExceededError`.
        """
        started = clock()
        delay = poll_seconds
        polls = 0
        while True:
            status = self.result(service, trigger_uuid)
            polls += 1
            if status != RUNNING:
                return status
            waited = clock() - started
            if waited + delay > timeout_seconds:
                path = RESULT_PATH.format(orgId=self._org, vsn=service, triggerUUID=trigger_uuid)
                raise DeadlineExceededError(
                    f"GET {path} failed: trigger {trigger_uuid} of {service} was still running after "
                    f"{waited:.1f} s ({polls} polls); raise result_timeout_seconds if the service takes longer",
                    timeout_seconds=timeout_seconds,
                    method="GET",
                    path=path,
                    status=202,
                    attempts=polls,
                )
            progress(f"{service}: trigger {trigger_uuid} still running after {waited:.1f} s")
            sleep(delay)
            delay = min(max_poll_seconds, delay * 2)
