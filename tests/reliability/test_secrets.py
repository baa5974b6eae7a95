"""Secrets: after a run with every kind of secret (token or private key, device and trunk passwords,
mapper SIP passwords, callback secret, Google API key, the generated SIP password before and after a
rotation, their ha1 values), including a refresh and failed operations, none of them appears in the state
file, the provider host's DEBUG log or any error text, and the serialized providers carry no credential
and no endpoint."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_iotcomms import AlarmEventMapper, Device, MediaService, Trunk
from pulumi_iotcomms.inputs import AuthorizedArgs, TargetEndpointArgs
from pulumi_iotcomms.testing.harness import ProviderError, Secret
from pulumi_iotcomms.testing.harness.props import reveal
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.reliability._util import IVR, PROJECT, CapturingHarness, md5, register_public_key, rsa_key_pair
from tests.resources._lifecycle import config_for, state_text

DEVICES = f"/provisioning/device/{DOMAIN}"
USER, SEEDED, TRUNK, TRUNK_2 = "Sec-User-Pw-5101", "Sec-Seeded-Pw-5102", "Sec-Trunk-Pw-5103", "Sec-Trunk-Pw-5104"
MAPPER, BACKUP, REST, GOOGLE = "Sec-Mapper-Pw-5105", "Sec-Backup-Pw-5106", "Sec-Rest-5107", "Sec-Google-Key-5108"
AUTHORIZED: AuthorizedArgs = {"domain": DOMAIN, "invite": ".*", "register": True}
PBX: dict[str, Any] = {
    "destination_target": "pbx.example.com",
    "destination_transport": "tcp",
    "destination_match": "^4640",
}


def _program(
    trunk_password: str = TRUNK, *, conflict: bool = False, keepers: dict[str, Any] | None = None
) -> Callable[[], None]:
    def run() -> None:
        phone = Device(
            "phone", domain=DOMAIN, device_id="phone-1", auth_type="credentials", sip_password_keepers=keepers
        )
        Device("app", domain=DOMAIN, device_id="app-1", auth_type="userid", password=USER, authorized=AUTHORIZED)
        Trunk("pbx", domain=DOMAIN, **PBX, user_name="pbx", realm="pbx.example.com", password=trunk_password)
        endpoint: TargetEndpointArgs = {
            "sip_auth_password": MAPPER,
            "backup_endpoint": {"backup_sip_auth_password": BACKUP},
        }
        AlarmEventMapper("mapper", domain=DOMAIN, name="arc", alarm_handling="drop", target_endpoint=endpoint)
        MediaService("ivr", domain=DOMAIN, **IVR, rest_authentication=[{"secret": REST}], google_apikey=GOOGLE)
        if conflict:  # already on the server with another password: refused
            Device(
                "taken", domain=DOMAIN, device_id="taken-1", auth_type="userid", password=USER, authorized=AUTHORIZED
            )
        pulumi.export("sip_password", phone.sip_password)

    return run


def _error_text(operation: Callable[[], Any]) -> str:
    with pytest.raises(ProviderError) as info:
        operation()
    return f"{info.value}\n{info.value.details}"


@pytest.mark.parametrize("credential", ["token", "private key"])
def test_no_secret_in_state_logs_errors_or_serialized_providers(
    emulator: EmulatorClient, tmp_path: Path, credential: str
) -> None:
    config: dict[str, Any] = {"iotcomms:maxRetries": "0"}
    if credential == "private key":
        config |= {"iotcomms:token": "", "iotcomms:privateKey": Secret(register_public_key(emulator))}
    stack = CapturingHarness(
        state_dir=tmp_path, project=PROJECT, config=config_for(emulator, config), env={"IOTCOMMS_LOG_LEVEL": "DEBUG"}
    )
    first_password = stack.up(_program(keepers={"rotation": 1})).plain_outputs["sip_password"]
    sip_password = stack.up(_program()).plain_outputs["sip_password"]  # keepers changed: rotated in place
    assert sip_password != first_password
    assert stack.refresh().kinds["phone"] == "same"  # the ha1 made from it is not copied into the inputs

    emulator.ok(
        "PUT", DEVICES, json={"deviceId": "taken-1", "authType": "userid", "password": SEEDED, "authorized": {}}
    )
    errors = [_error_text(lambda: stack.up(_program(conflict=True)))]
    assert "differs in: password" in errors[0]
    emulator.faults(error_rate=1.0, error_statuses=[500])
    errors += [_error_text(lambda: stack.up(_program(TRUNK_2))), _error_text(stack.refresh)]
    assert all("500 Internal Server Error" in e for e in errors[1:])
    emulator.faults()

    device_ha1 = emulator.ok("GET", f"{DEVICES}/phone-1")["ha1"]
    assert device_ha1 == md5(f"phone-1:{DOMAIN}:{sip_password}")
    private_key_lines = [line for line in rsa_key_pair()[0].splitlines() if not line.startswith("-----")]
    values = [TOKEN, *private_key_lines, USER, SEEDED, TRUNK, TRUNK_2, MAPPER, BACKUP, REST, GOOGLE, sip_password]
    values += [first_password, md5(f"phone-1:{DOMAIN}:{first_password}")]
    values += [device_ha1, *(md5(f"pbx:pbx.example.com:{p}") for p in (TRUNK, TRUNK_2))]
    texts = {"state": state_text(tmp_path), "host stderr": "\n".join(stack.stderr), "errors": "\n".join(errors)}
    assert [(where, v[:8]) for where, text in texts.items() for v in values if v in text] == []
    assert "DEBUG pulumi_iotcomms.transport: GET /provisioning/" in texts["host stderr"]
    assert "Bearer" not in texts["host stderr"]
    assert "eyJ" not in texts["host stderr"]  # no JWT

    for resource in stack.state.resources.values():
        blob = base64.b64decode(reveal(resource.outputs["__provider"]))
        assert [v[:8] for v in (*values, emulator.url) if v.encode() in blob] == [], resource.name
