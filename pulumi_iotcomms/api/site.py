"""Hybrid sites: ``/hybridadmin/site/{domain}`` — commission, drain and decommission hosts."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, model_validator

from ._schema import IpAddress, WireModel

__all__ = ["HostCommission"]


class HostCommission(WireModel):
    """Body of a host commission: static addressing, or nothing for DHCP."""

    network_interfaces: Annotated[list[IpAddress] | None, Field(min_length=1)] = None
    network_prefix_length: int | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> HostCommission:
        if (self.network_interfaces is None) != (self.network_prefix_length is None):
            missing = "networkPrefixLength" if self.network_prefix_length is None else "networkInterfaces"
            raise ValueError(f"{missing}: networkInterfaces and networkPrefixLength go together")
        if self.network_interfaces is not None and self.network_prefix_length is not None:
            for addr in self.network_interfaces:
                top = 32 if ipaddress.ip_address(addr).version == 4 else 128
                if not 0 <= self.network_prefix_length <= top:
                    raise ValueError(f"networkPrefixLength: must be 0..{top} for {addr}")
        return self
