"""HTTP plumbing shared by the emulator's routes: problems and their answers, JSON bodies, pagination."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pulumi_iotcomms.api._schema import WireModel, validate_wire

__all__ = [
    "Problem",
    "endpoint",
    "json_body",
    "json_response",
    "page_params",
    "problem_response",
    "token_for",
    "validated",
]


class Problem(Exception):
    """An API failure: answered as ``{"success": false, "reason": reason}`` with ``status``."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the CORS header the service sends."""
    out = {"Access-Control-Allow-Origin": "*", **(headers or {})}
    return Response(
        json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json", headers=out
    )


def problem_response(problem: Problem) -> Response:
    """The answer to ``problem``; every route's failures, admin and unrouted ones included, go through here."""
    return json_response({"success": False, "reason": problem.reason}, problem.status, problem.headers)


def endpoint(run: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint for ``run``: its result as JSON (a Response as is), a Problem as its answer."""

    async def answer(request: Request) -> Response:
        try:
            result = await run(request)
        except Problem as problem:
            return problem_response(problem)
        return result if isinstance(result, Response) else json_response(result)

    return answer


async def json_body(request: Request, *, required: bool = True) -> Any:
    """The request's JSON body; 400 naming the problem when it is not JSON."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise Problem(400, "(body): a JSON body is required")
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"(body): not valid JSON ({exc})") from None


def validated(model: type[WireModel], body: Any, prefix: str = "") -> WireModel:
    """Validate a wire body against ``model``; 400 with every ``field: problem`` otherwise."""
    obj, errors = validate_wire(model, body)
    if obj is None:
        reasons = [(f"{prefix}.{p}" if prefix and p != "(body)" else p, m) for p, m in errors]
        raise Problem(400, "; ".join(f"{p}: {m}" for p, m in reasons))
    return obj


def token_for(key: str) -> str:
    """The opaque ``nextToken`` that resumes a listing after ``key``."""
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode().rstrip("=")


def page_params(request: Request) -> tuple[int, str | None]:
    """``(limit, after-key)`` from ``limit`` and ``nextToken``; 400 when either is malformed."""
    raw_limit = request.query_params.get("limit")
    limit = 100
    if raw_limit is not None:
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
            raise Problem(400, "limit: must be an integer from 1 to 100")
        limit = int(raw_limit)
    token = request.query_params.get("nextToken")
    after = None
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            after = decoded["after"]
            if not isinstance(after, str):
                raise TypeError
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise Problem(400, "nextToken: not a token returned by this endpoint") from None
    return limit, after
