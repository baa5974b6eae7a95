"""Fallback cache: ``/cache/{domain}/ivrfallback`` and ``/cache/{domain}/siprecfallback``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.errors import NotFoundError

from ._ops import Doc, parse_reply
from ._schema import COMPUTED, Behaviour, ReplyModel, WireModel
from .contract import route

__all__ = [
    "EXPIRATION_PERIODS",
    "ExpirationPeriod",
    "FallbackAction",
    "FallbackCacheApi",
    "FallbackInstruction",
    "FallbackPhrase",
    "IvrFallback",
    "IvrFallbackApi",
    "IvrFallbackNumbers",
    "SiprecFallbackStatus",
]

#: Period names accepted for ``expiration`` with their length in days (see contract.DECISIONS).
EXPIRATION_PERIODS: dict[str, int] = {
    "DAY": 1,
    "WEEK": 7,
    "MONTH": 30,
    "QUARTER": 91,
    "HALF-YEAR": 182,
    "YEAR": 365,
}


class FallbackAction(WireModel):
    """What the media service does with a call to the number while the customer cannot be reached."""

    type: Literal["call", "hangup", "play"] | str | None = None
    """The action, e.g. ``call`` (the docs' sample)."""
    dest_addr: str | None = None
    """The SIP URI or number a ``call`` goes to."""
    max_ring_time: Annotated[float | None, Field(ge=0)] = None
    """How long a ``call`` rings before it gives up."""
    sip_from: str | None = None
    """The ``From`` of the outgoing call."""
    sip_to: str | None = None
    """The ``To`` of the outgoing call."""
    sip_diversion: str | None = None
    """The ``Diversion`` header of the outgoing call."""
    sip_pai: Annotated[str | None, Field(alias="sipPAI")] = None
    """The ``P-Asserted-Identity`` header of the outgoing call."""
    sip_rpid: Annotated[str | None, Field(alias="sipRPID")] = None
    """The ``Remote-Party-ID`` header of the outgoing call."""
    x_headers: dict[str, Any] | None = None
    """``X-`` headers added to the outgoing call, names verbatim."""
    p_headers: dict[str, Any] | None = None
    """``P-`` headers added to the outgoing call, names verbatim."""
    copy_headers: list[str] | None = None
    """Names of headers of the incoming call copied to the outgoing one."""
    contact_parameters: dict[str, Any] | None = None
    """Parameters added to the ``Contact`` URI, names verbatim."""
    contact_user_parameters: dict[str, Any] | None = None
    """Parameters added to the user part of the ``Contact`` URI, names verbatim."""


class FallbackPhrase(WireModel):
    """One phrase played to the caller: a cached audio file, or text spoken by a text-to-speech service."""

    file_name: str | None = None
    """The audio file (or the cache key of the spoken text)."""
    format: str | None = None
    """The audio format of the file."""
    cache_time_to_live: str | None = None
    """How long the service keeps the phrase cached."""
    refresh_cache: bool | None = None
    """Fetch or synthesize the phrase again instead of using the cached copy."""
    google_tts_parameters: Annotated[dict[str, Any] | None, Field(alias="googleTTSParameters")] = None
    """Google text-to-speech request parameters, keys verbatim."""
    aws_tts_parameters: Annotated[dict[str, Any] | None, Field(alias="awsTTSParameters")] = None
    """AWS Polly text-to-speech request parameters, keys verbatim."""


class FallbackInstruction(WireModel):
    """What the media service does for the number: an action, and the phrases played first."""

    action: FallbackAction | None = None
    """The action taken."""
    phrases: list[FallbackPhrase] | None = None
    """The phrases played to the caller, in order."""


ExpirationPeriod = Literal["DAY", "WEEK", "MONTH", "QUARTER", "HALF-YEAR", "YEAR"]
"""The period names of ``expiration`` (:data:`EXPIRATION_PERIODS` has their lengths)."""


class IvrFallback(WireModel):
    """IVR fallback configuration for one number (``PUT`` sets it whole; ``GET`` answers it with ``ttl``)."""

    # The API takes a body without mode or command, but an object saying neither when nor what to do
    # does nothing: a program must give both (contract.DECISIONS "client.ivrfallback.required").
    mode: Annotated[Literal["onError", "always"] | None, Behaviour(required=True)] = None
    """When the fallback applies: ``onError`` (only while the customer's callbacks fail) or ``always``."""
    expiration: Annotated[
        ExpirationPeriod | Annotated[int, Field(ge=0)] | None,
        Field(union_mode="left_to_right"),
        # GET answers ``ttl`` instead, so the value given is kept as written.
        Behaviour(write_only=True, server_default="HALF-YEAR"),
    ] = None
    """When the object expires: a period from the write (``DAY``, ``WEEK``, ``MONTH``, ``QUARTER``,
    ``HALF-YEAR``, the default, or ``YEAR``) or a unix timestamp in seconds."""
    command: Annotated[FallbackInstruction | None, Behaviour(required=True)] = None
    """What the media service does for the number."""
    ttl: Annotated[int | None, COMPUTED] = None
    """When the object expires, as a unix timestamp in seconds (set by the server from ``expiration``)."""


class IvrFallbackNumbers(ReplyModel):
    """The answer of ``GET /cache/{domain}/ivrfallback``."""

    data: list[str] | None = None
    """The numbers that have an IVR fallback object."""


class SiprecFallbackStatus(ReplyModel):
    """The answer of ``GET /cache/{domain}/siprecfallback/{number}``."""

    in_cache: bool
    """Whether the number is persistent in the SIPREC fallback cache."""


class FallbackCacheApi:
    """Reads of the fallback cache: the numbers with an IVR fallback, and a number's SIPREC fallback status."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def ivr_fallback_numbers(self, domain: str) -> list[str]:
        """The numbers of the domain that have an IVR fallback object, as the server lists them.

        Raises:
            ApiError: The request failed, or the answer is not the documented ``{"data": [number, ...]}``.
        """
        r = route("ivrfallback.list")
        params = {"domain": domain}
        body = self.transport.request_json(r.method, r.path, params)
        return list(parse_reply(IvrFallbackNumbers, body, r.method, r.path, params).data or [])

    def siprec_in_cache(self, domain: str, number: str) -> bool:
        """Whether ``number`` is in the domain's SIPREC fallback cache. A number that is not there is
        ``False``, whether the server says ``{"inCache": false}`` or 404 (``DECISIONS["siprecfallback.get"]``).

        Raises:
            ApiError: The request failed otherwise, or the answer has no boolean ``inCache``.
        """
        r = route("siprecfallback.get")
        params = {"domain": domain, "number": number}
        try:
            body = self.transport.request_json(r.method, r.path, params)
        except NotFoundError:
            return False
        return parse_reply(SiprecFallbackStatus, body, r.method, r.path, params).in_cache


class IvrFallbackApi:
    """IVR fallback objects by number: ``GET`` (``data`` wraps the object), ``PUT`` sets the whole object
    (create and update alike), ``DELETE``; there is no ``PATCH``."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def _call(self, op: str, domain: str, number: str, doc: Doc | None = None) -> Any:
        r = route(f"ivrfallback.{op}")
        return self.transport.request_json(r.method, r.path, {"domain": domain, "number": number}, json=doc)

    def get(self, domain: str, number: str) -> Doc | None:
        """The object as stored (with ``ttl``), or None when the number has none."""
        try:
            body = self._call("get", domain, number)
        except NotFoundError:
            return None
        return dict(body.get("data") or {}) if isinstance(body, dict) else {}

    def put(self, domain: str, number: str, doc: Doc) -> None:
        """Set the whole object."""
        self._call("put", domain, number, doc)

    def delete(self, domain: str, number: str) -> bool:
        """Delete the object; False when there was none."""
        try:
            self._call("delete", domain, number)
        except NotFoundError:
            return False
        return True
