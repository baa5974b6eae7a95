"""The Alvaria Cloud AutoFacilitate API and its OAuth2 token endpoint, served by the same emulator.

Enabled by ``--alvaria-client ID=SECRET`` / ``--alvaria-api-key KEY`` (:class:`AlvariaState`). Routes
(``shared/api/alvaria-autofacilitate-api.txt``; the undocumented choices are ``alvaria.*`` in
:data:`~pulumi_iotcomms.api.contract.DECISIONS`):

- ``POST /tokenservice/oauth2/access_token``: client-credentials grant (RFC 6749 4.4), the client by
  HTTP Basic or ``client_id``/``client_secret`` form fields; tokens expire after the token lifetime.
- ``POST /via/v2/organizations/{orgId}/autoFacilitate/execute/{vsn}``: start a known service.
- ``GET .../result/{vsn}/triggerUUID/{triggerUUID}``: 202 while running, 204 once finished, 422 when
  the service was made to fail.

Checked in this order: ``x-api-key`` (403 ``{"message": "Forbidden"}``, as an API gateway does), the
bearer token (401, empty body as documented, a ``WWW-Authenticate`` header saying why), the service
(404), the body (400 not JSON, 422 bad parameters); errors in the documented ``ErrorResponse`` shape.

``/_emulator/alvaria`` (with ``--admin``): ``GET|PUT {"services": [...], "resultSeconds": N,
"tokenLifetimeSeconds": N, "failingServices": {"svc": "why"}}`` (a PUT sets the keys it names; running
triggers keep the pace they started with; a lifetime of 0 issues tokens that are refused at once, though their
``expires_in`` says 1 s), and ``{"expireTokens": true}`` expires every token issued so
far, as if their lifetime had run out. A reset restores the defaults and forgets tokens and triggers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_iotcomms.api.alvaria import API_KEY_HEADER, EXECUTE_PATH, RESULT_PATH, SCOPE, TOKEN_PATH

from ._http import Problem, endpoint, json_body, json_response

if TYPE_CHECKING:
    from .core import Emulator

__all__ = ["DEFAULT_SERVICES", "AlvariaState", "alvaria_admin_routes", "alvaria_routes"]

#: The service of the docs' sample answer ("Successfully triggered ServerName@orgId").
DEFAULT_SERVICES = ("ServerName",)
DEFAULT_RESULT_SECONDS = 0.5
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600.0


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class _Trigger:
    done_at: float
    failure: str | None


@dataclass
class AlvariaState:
    """The emulated AutoFacilitate service.

    Args:
        clients: OAuth2 client id -> secret (``--alvaria-client``).
        api_keys: accepted ``x-api-key`` values (``--alvaria-api-key``).
    """

    clients: dict[str, str] = field(default_factory=dict)
    api_keys: frozenset[str] = frozenset()
    services: set[str] = field(default_factory=lambda: set(DEFAULT_SERVICES), init=False)
    result_seconds: float = field(default=DEFAULT_RESULT_SECONDS, init=False)
    token_lifetime_seconds: float = field(default=DEFAULT_TOKEN_LIFETIME_SECONDS, init=False)
    failing: dict[str, str] = field(default_factory=dict, init=False)
    # Token digest -> expiry (monotonic); triggers by (orgId, vsn, uuid).
    tokens: dict[str, float] = field(default_factory=dict, init=False)
    triggers: dict[tuple[str, str, str], _Trigger] = field(default_factory=dict, init=False)
    lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def enabled(self) -> bool:
        """Whether the routes are served: a client or an API key was given."""
        return bool(self.clients or self.api_keys)

    def reset(self) -> None:
        """Default services, pace and token lifetime; no failing service, token or trigger."""
        with self.lock:
            self.services = set(DEFAULT_SERVICES)
            self.result_seconds = DEFAULT_RESULT_SECONDS
            self.token_lifetime_seconds = DEFAULT_TOKEN_LIFETIME_SECONDS
            self.failing = {}
            self.tokens = {}
            self.triggers = {}

    def snapshot(self) -> dict[str, Any]:
        """The admin view (no credentials)."""
        with self.lock:
            return {
                "services": sorted(self.services),
                "resultSeconds": self.result_seconds,
                "tokenLifetimeSeconds": self.token_lifetime_seconds,
                "failingServices": dict(self.failing),
                "tokensIssued": len(self.tokens),
                "triggers": len(self.triggers),
            }


def _error_response(status: int, message: str, *problems: tuple[str, str, str]) -> Response:
    """The documented ``ErrorResponse``; ``problems`` are ``(scope, reason, message)`` entries of ``errors``."""
    body = {
        "code": str(status),  # the docs' sample has a string, their schema says integer
        "message": message,
        "errors": [{"scope": s, "reason": r, "message": m} for s, r, m in problems],
    }
    return json_response(body, status)


def _unauthorized(why: str) -> Response:
    # The docs give 401 no body; the reason is in the header, as RFC 6750 section 3 does it.
    return Response(
        status_code=401, headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{why}"'}
    )


def _oauth_error(status: int, error: str, description: str) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="tokenservice"'} if status == 401 else None
    return json_response({"error": error, "error_description": description}, status, headers)


def _client_of(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (unquote_plus(user), unquote_plus(password)) if sep else None
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    return None


def alvaria_routes(emu: Emulator) -> list[Route]:
    """The token endpoint and the AutoFacilitate routes of ``emu`` (empty when Alvaria is not enabled)."""
    state = emu.alvaria
    if not state.enabled:
        return []

    async def token(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return _oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        parsed = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        form = {k: v[0] for k, v in parsed.items()}
        client = _client_of(request, form)
        known = state.clients.get(client[0]) if client else None
        if client is None or known is None or not hmac.compare_digest(known, client[1]):
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
        scopes = form.get("scope", SCOPE).split()
        if scopes != [SCOPE]:
            return _oauth_error(400, "invalid_scope", f"the only scope is {SCOPE}")
        value = secrets.token_urlsafe(32)
        with state.lock:
            lifetime = state.token_lifetime_seconds
            state.tokens[_digest(value)] = time.monotonic() + lifetime
        body = {"access_token": value, "token_type": "Bearer", "expires_in": max(1, math.ceil(lifetime))}
        return json_response({**body, "scope": SCOPE}, headers={"Cache-Control": "no-store"})

    def refused(request: Request) -> Response | None:
        key = request.headers.get(API_KEY_HEADER)
        if not key or (state.api_keys and key not in state.api_keys):
            return json_response({"message": "Forbidden"}, 403)
        scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return _unauthorized("missing bearer token")
        with state.lock:
            expires = state.tokens.get(_digest(value.strip()))
        if expires is None:
            return _unauthorized("unknown token")
        if time.monotonic() >= expires:
            return _unauthorized("the access token expired")
        return None

    def unknown_service(vsn: str) -> Response | None:
        with state.lock:
            known = vsn in state.services
        if known:
            return None
        return _error_response(404, "Not Found", ("vsn", "Unknown service", f"no service {vsn} in this organization"))

    async def execute(request: Request) -> Response:
        org, vsn = request.path_params["orgId"], request.path_params["vsn"]
        answer = refused(request) or unknown_service(vsn)
        if answer is not None:
            return answer
        try:
            body = await json_body(request)
        except Problem as problem:
            return _error_response(400, "Validation exception", ("global", "Invalid request", problem.reason))
        problems = _trigger_problems(body)
        if problems:
            return _error_response(422, "Unprocessable Entity", *problems)
        trigger_uuid = str(uuid.uuid4())
        with state.lock:
            done_at = time.monotonic() + state.result_seconds
            state.triggers[(org, vsn, trigger_uuid)] = _Trigger(done_at, state.failing.get(vsn))
        return json_response({"message": f"Successfully triggered {vsn}@{org}", "triggerUUID": trigger_uuid})

    async def result(request: Request) -> Response:
        p = request.path_params
        answer = refused(request) or unknown_service(p["vsn"])
        if answer is not None:
            return answer
        with state.lock:
            trigger = state.triggers.get((p["orgId"], p["vsn"], p["triggerUUID"]))
        if trigger is None:
            return _error_response(404, "Not Found", ("triggerUUID", "Not found", "Dialog Id not found on the cluster"))
        if time.monotonic() < trigger.done_at:
            return json_response({"message": f"Trigger {p['triggerUUID']} of {p['vsn']} is running"}, 202)
        if trigger.failure is not None:
            return _error_response(422, "Unprocessable Entity", ("service", "Service failed", trigger.failure))
        return Response(status_code=204)

    return [
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(EXECUTE_PATH, execute, methods=["POST"]),
        Route(RESULT_PATH, result, methods=["GET"]),
    ]


def _trigger_problems(body: Any) -> list[tuple[str, str, str]]:
    """What is wrong with an execute body (the docs' ``triggerParameter``), as ``ErrorResponse`` entries."""
    if not isinstance(body, dict):
        return [("global", "Invalid request", "the body must be a JSON object")]
    out = [
        (key, "Unknown field", f"{key}: unknown field (known: callbackUrls, triggerParameters)")
        for key in body
        if key not in ("triggerParameters", "callbackUrls")
    ]
    params = body.get("triggerParameters")
    if params is not None:
        if not isinstance(params, dict):
            out.append(("triggerParameters", "Invalid value", "triggerParameters: must be an object"))
        else:
            for key, value in params.items():
                if not key or not isinstance(value, str):
                    out.append(("triggerParameters", "Invalid value", f"triggerParameters.{key}: must be a string"))
    urls = body.get("callbackUrls")
    if urls is not None:
        if not isinstance(urls, list):
            out.append(("callbackUrls", "Invalid value", "callbackUrls: must be a list of URLs"))
        else:
            for index, url in enumerate(urls):
                parts = urlsplit(url) if isinstance(url, str) else None
                if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                    out.append(("callbackUrls", "Invalid value", f"callbackUrls[{index}]: must be an http(s) URL"))
    return out


def alvaria_admin_routes(emu: Emulator, prefix: str) -> list[Route]:
    """``{prefix}/alvaria``: the test control described in this module's docstring."""
    state = emu.alvaria

    async def control(request: Request) -> Any:
        if request.method == "PUT":
            body = await json_body(request)
            known = {"services", "resultSeconds", "tokenLifetimeSeconds", "failingServices", "expireTokens"}
            if not isinstance(body, dict) or not body or not set(body) <= known:
                raise Problem(400, f"(body): expected an object with some of {', '.join(sorted(known))}")
            services = body.get("services", sorted(state.services))
            if not isinstance(services, list) or not all(isinstance(s, str) and s for s in services):
                raise Problem(400, "services: must be a list of service names")
            failing = body.get("failingServices", state.failing)
            if not isinstance(failing, dict) or not all(isinstance(v, str) and v for v in failing.values()):
                raise Problem(400, "failingServices: must map service names to the failure message")
            numbers = {}
            for name, current in (
                ("resultSeconds", state.result_seconds),
                ("tokenLifetimeSeconds", state.token_lifetime_seconds),
            ):
                value = body.get(name, current)
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    raise Problem(400, f"{name}: must be a number of seconds")
                if value < 0:
                    raise Problem(400, f"{name}: must not be negative")
                numbers[name] = float(value)
            if body.get("expireTokens", True) is not True and "expireTokens" in body:
                raise Problem(400, "expireTokens: must be true")
            with state.lock:
                state.services = set(services)
                state.failing = dict(failing)
                state.result_seconds = numbers["resultSeconds"]
                state.token_lifetime_seconds = numbers["tokenLifetimeSeconds"]
                if body.get("expireTokens"):
                    state.tokens = dict.fromkeys(state.tokens, 0.0)
        return {"success": True, **state.snapshot()}

    return [Route(f"{prefix}/alvaria", endpoint(control), methods=["GET", "PUT"])]
