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
    destination_transport: str
    destination_match: Regex
    local_codec: Codec | None = None
    trunkside_codec: Codec | None = None
    source_networks: Annotated[list[str] | str | None, AfterValidator(_check_networks)] = None
    add_terminating_uri_parameters: str | None = None
    trunk_group_id: str | None = None
    use_private_ip: Annotated[bool | None, Field(alias="usePrivateIP")] = None
    transcode: bool | None = None
    description: str | None = None
    type: Annotated[Literal["trunk"] | None, Behaviour(server_default="trunk")] = None
    destination_rewrite: str | None = None
    force_rtp_relay: bool | None = None
    force_nat_rewrites: bool | None = None
    diversion_header: str | None = None
    rewrite_anumber: str | None = None
    network_id: str | None = None
    blacklist_pattern: Regex | None = None
    user_name: str | None = None
    realm: str | None = None
    password: Annotated[str | None, WRITE_ONLY] = None
    ha1: Annotated[str | None, SECRET] = None

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
