"""Trunks: ``/provisioning/trunk/{domain}`` — SIP trunks routed on the b-party number."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from ._ops import Collection
from ._schema import SECRET, WRITE_ONLY, Behaviour, Regex, WireModel

__all__ = [
    "Trunk",
    "TrunkApi",
]

Codec = Literal["GSM", "PCMU", "PCMA"]


def _check_networks(value: list[str] | str) -> list[str] | str:
    for item in [value] if isinstance(value, str) else value:
        try:
            ipaddress.IPv4Network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an IPv4 address or CIDR") from None
    return value


class Trunk(WireModel):
    """A trunk's ``serviceDestination``: configuration for inbound and outbound calls."""

    destination_target: str
    """IP address or FQDN of the trunk's target domain."""
    destination_transport: str
    """The transport protocol for the trunk."""
    destination_match: Regex
    """Regular expression matching the destinations routed to this trunk."""
    local_codec: Codec | None = None
    """``GSM``, ``PCMU`` or ``PCMA``."""
    trunkside_codec: Codec | None = None
    """``GSM``, ``PCMU`` or ``PCMA``."""
    source_networks: Annotated[list[str] | str | None, AfterValidator(_check_networks)] = None
    """IPv4 address or CIDR, or a list of them."""
    add_terminating_uri_parameters: str | None = None
    """Parameters added to the R-URI sent on the outgoing trunk."""
    trunk_group_id: str | None = None
    """Trunk group used in the INVITE to direct a call to a specific trunk."""
    use_private_ip: Annotated[bool | None, Field(alias="usePrivateIP")] = None
    """Use private IP addresses for the trunk."""
    transcode: bool | None = None
    """Whether calls are transcoded."""
    description: str | None = None
    """Optional description of the trunk."""
    # Only "trunk" is valid and the server sets it: not an argument (and ``type`` would shadow a builtin).
    type: Annotated[Literal["trunk"] | None, Behaviour(server_default="trunk", argument=False)] = None
    """Type of service destination: always ``trunk`` (server-set)."""
    destination_rewrite: str | None = None
    """Regular expression rewriting the destination user."""
    force_rtp_relay: bool | None = None
    """Relay RTP through the platform, signalling unchanged."""
    force_nat_rewrites: bool | None = None
    """NAT traversal: rewrite signalling and relay RTP."""
    diversion_header: str | None = None
    """Number set in the Diversion header on outbound calls."""
    rewrite_anumber: str | None = None
    """Number replacing the originating number."""
    network_id: str | None = None
    """Terminating network id (for RTP routing, not SIP routing)."""
    blacklist_pattern: Regex | None = None
    """Regular expression of destinations blocked on the trunk."""
    user_name: str | None = None
    """With ``realm`` and ``password``: generates the ``ha1``."""
    realm: str | None = None
    """With ``user_name`` and ``password``: generates the ``ha1``."""
    password: Annotated[str | None, WRITE_ONLY] = None
    """With ``user_name`` and ``realm``: generates the ``ha1`` (secret, write-only)."""
    ha1: Annotated[str | None, SECRET] = None
    """HA1 hash authenticating the trunk, instead of ``password``."""

    @model_validator(mode="after")
    def _credentials_together(self) -> Trunk:
        given = [n for n in ("user_name", "realm", "password") if getattr(self, n) is not None]
        if given and len(given) != 3 and self.ha1 is None:  # userName+realm+ha1 is the stored form
            missing = [type(self).model_fields[n].alias for n in ("user_name", "realm", "password") if n not in given]
            raise ValueError(f"{missing[0]}: userName, realm and password must be given together")
        if self.password is not None and self.ha1 is not None:
            raise ValueError("ha1: give either ha1 or userName+realm+password, not both")
        return self


class TrunkApi(Collection):
    """``/provisioning/trunk/{domain}/{trunkId}``: PUT adds or modifies by id (idempotent)."""

    kind = "trunk"
    id_param = "trunkId"
    item_key = "trunk"
    list_key = "trunks"
    create_route = "put"
    body_id_field = None
