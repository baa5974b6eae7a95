"""Devices: ``/provisioning/device/{domain}`` — SIP devices, alarm units and gateways."""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from ._ops import Collection
from ._schema import COMPUTED, REPLACE, SECRET, Regex, WireModel, format_errors

__all__ = [
    "DEVICE_ID_PATTERN",
    "AlarmBridgeServiceData",
    "Authorized",
    "Device",
    "DeviceApi",
    "OverrideInAlarmEvent",
]

DEVICE_ID_PATTERN = r"^[a-zA-Z0-9\-\._:~+]+$"

AlarmProtocol = Literal[
    "api",
    "bs8521",
    "deviceProvisioned",
    "nowip",
    "scaip",
    "tt92",
    "ttnew",
    "multiprotocol",
    "voicecall",
    "nowipcontroller",
]


with warnings.catch_warnings():
    # "register" is the API's name; it shadows ABCMeta.register on the class, never on instances.
    warnings.filterwarnings("ignore", message='Field name "register"')

    class Authorized(WireModel):
        """Authorization policy for SIP requests of a ``userid`` device."""

        domain: str | None = None
        invite: Regex | None = None
        register: bool | None = None


class OverrideInAlarmEvent(WireModel):
    """Values that replace those in the device's incoming alarm events."""

    device_type: str | None = None
    controller_id: str | None = None
    device_component: str | None = None
    system_config: str | None = None
    location: str | None = None
    audio: str | None = None
    priority: int | None = None
    device_id: str | None = None
    status_code: str | None = None


class AlarmBridgeServiceData(WireModel):
    """``serviceData.alarmBridge``: per-device Alarmbridge settings."""

    heartbeat_interval: Annotated[float | None, Field(ge=300000)] = None
    alarm_protocol: AlarmProtocol | None = None
    emergency_destination: str | None = None
    override_in_alarm_event: OverrideInAlarmEvent | None = None
    use_predefined_destination: bool | None = None


class Device(WireModel):
    """A device provisioned for a domain (``PUT /device/{domain}``)."""

    device_id: Annotated[str, REPLACE, Field(pattern=DEVICE_ID_PATTERN, max_length=256)]
    auth_type: Annotated[Literal["credentials", "deviceid", "userid"], REPLACE]
    device_type: Literal["sipDevice", "alarmbridgeConnect", "groupScheme", "alarmUnit"] | None = None
    description: Annotated[str | None, Field(max_length=200)] = None
    device_cli: Annotated[str | None, Field(alias="deviceCLI")] = None
    mac_address: str | None = None
    password: Annotated[str | None, SECRET] = None
    ha1: Annotated[str | None, SECRET, Field(pattern=r"^[0-9a-fA-F]{32}$")] = None
    authorized: Authorized | None = None
    service_data: dict[str, Any] | None = None
    last_configured: Annotated[float | None, COMPUTED] = None
    heartbeat_status: Annotated[str | None, COMPUTED] = None
    heartbeat_expiration: Annotated[float | None, COMPUTED] = None

    @field_validator("service_data")
    @classmethod
    def _alarm_bridge_shape(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # serviceData is free-form except where the docs define a shape.
        if value is not None and "alarmBridge" in value:
            try:
                AlarmBridgeServiceData.model_validate(value["alarmBridge"], by_alias=True, by_name=False)
            except ValidationError as exc:
                path, msg = format_errors(exc, "alarmBridge")[0]
                raise ValueError(f"{path}: {msg}") from None
        return value

    @model_validator(mode="after")
    def _auth_type_rules(self) -> Device:
        if self.auth_type == "userid":
            if not self.password:
                raise ValueError("password: required when authType is userid")
            if self.authorized is None:
                raise ValueError("authorized: required when authType is userid")
        if self.ha1 is not None and self.auth_type != "credentials":
            raise ValueError("ha1: only used when authType is credentials")
        return self


class DeviceApi(Collection):
    """``/provisioning/device/{domain}``: PUT adds or modifies by the body's deviceId."""

    kind = "device"
    id_param = "deviceId"
    list_key = "devices"
    create_route = "put"
    body_id_field = "deviceId"
