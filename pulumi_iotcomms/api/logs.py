"""SIP logs: ``POST /provisioning/logs/{domain}/sip`` — a read, though its filter travels as a POST body."""

from __future__ import annotations

from typing import Any

from pulumi_iotcomms._transport import Transport

from ._ops import parse_list
from ._schema import ReplyModel
from .contract import route
from .profile import LogFilter

__all__ = ["LogFilter", "SipLogApi", "SipLogItem"]


class SipLogItem(ReplyModel):
    """One logged SIP message (the docs' response sample)."""

    time_stamp: float | None = None
    """When the message was logged."""
    type: str | None = None
    """``request`` or ``response``."""
    method: str | None = None
    """The SIP method."""
    request_uri: str | None = None
    """The request URI (requests)."""
    status_code: str | None = None
    """The status code (responses)."""
    reason: str | None = None
    """The reason phrase (responses)."""
    src_ip: str | None = None
    """Source address."""
    src_port: int | None = None
    """Source port."""
    dst_ip: str | None = None
    """Destination address."""
    dst_port: int | None = None
    """Destination port."""
    transport: str | None = None
    """Transport protocol, e.g. ``udp``."""
    body: str | None = None
    """The message body."""
    sip_headers: dict[str, Any] | None = None
    """The SIP headers, names verbatim."""


class SipLogApi:
    """SIP log items of a domain, selected by a :class:`LogFilter`."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def read(self, domain: str, log_filter: LogFilter) -> list[SipLogItem]:
        """The log items matching ``log_filter``, in the server's order (``DECISIONS["logs.sip"]``).

        The request is a POST that changes nothing; the transport treats it as any POST (not retried after
        a 5xx or a dropped connection).

        Raises:
            ApiError: The request failed, or the answer is not the documented ``{"logItems": [...]}``.
        """
        r = route("logs.sip")
        params = {"domain": domain}
        body = self.transport.request_json(r.method, r.path, params, json=log_filter.to_wire())
        return parse_list(SipLogItem, body, "logItems", "log items", r.method, r.path, params)
