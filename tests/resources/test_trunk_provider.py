"""Trunk provider against the emulator: the shared lifecycle plus the write-only password."""

from __future__ import annotations

import hashlib

import pytest

from pulumi_iotcomms.resources._provider import ConflictingObjectError, IotcommsProvider
from pulumi_iotcomms.resources.trunk import Trunk, TrunkProvider
from tests.emulator_client import EmulatorClient
from tests.resources._provider_cases import Case, ProviderLifecycle, seed, server_doc, writes

CREDENTIALS = {"user_name": "pbx", "realm": "sip.example.com", "password": "pw-1"}


def _ha1(user: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{user}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()


class TestTrunkProvider(ProviderLifecycle):
    case = Case(
        provider=TrunkProvider,
        resource=Trunk,
        collection="trunk",
        path="/provisioning/trunk",
        inputs={
            "destination_target": "pbx.example.com",
            "destination_transport": "udp",
            "destination_match": "^4655",
            "source_networks": ["192.0.2.0/24", "198.51.100.7"],
            "description": "office",
        },
        change={"force_rtp_relay": True},
        change_ops=[{"op": "add", "path": "/forceRtpRelay", "value": True}],
        edit=("description", "changed elsewhere"),
        invalid=[
            ({"user_name": "pbx"}, "realm"),
            ({**CREDENTIALS, "ha1": "0" * 32}, "ha1"),
            ({"source_networks": ["300.0.0.1"]}, "source_networks"),
            ({"source_networks": "not-an-ip"}, "source_networks"),
            ({"local_codec": "G729"}, "local_codec"),
            ({"destination_match": "["}, "destination_match"),
            ({"type": "sip"}, "type"),
            ({"destination_target": None}, "destination_target"),
        ],
        unknown=("destination_target", "password"),
        defaults={"type": "trunk"},
    )

    def test_password_is_sent_never_stored_and_kept_in_state(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs, result = self.created(provider, **CREDENTIALS)
        doc = server_doc(emulator, self.case, inputs["trunk_id"])
        assert "password" not in doc
        assert doc["ha1"] == _ha1("pbx", "sip.example.com", "pw-1")
        read = provider.read(result.id, dict(result.outs or {}))
        assert read.inputs == inputs
        assert provider.diff(result.id, dict(read.outs or {}), inputs).changes is False

    @pytest.mark.parametrize(
        ("change", "ops"),
        [
            ({"password": "pw-2"}, [{"op": "add", "path": "/password", "value": "pw-2"}]),
            (
                {"user_name": "pbx2"},
                [
                    {"op": "replace", "path": "/userName", "value": "pbx2"},
                    {"op": "add", "path": "/password", "value": "pw-1"},
                ],
            ),
        ],
        ids=["password", "user_name"],
    )
    def test_credential_changes_send_the_password_in_one_patch(
        self, provider: IotcommsProvider, emulator: EmulatorClient, change: dict[str, str], ops: list[object]
    ) -> None:
        inputs, result = self.created(provider, **CREDENTIALS)
        news = {**inputs, **change}
        emulator.clear_requests()
        provider.update(result.id, dict(result.outs or {}), news)
        assert [body for _, _, body in writes(emulator)] == [ops]
        doc = server_doc(emulator, self.case, inputs["trunk_id"])
        assert doc["ha1"] == _ha1(news["user_name"], news["realm"], news["password"])

    def test_create_refuses_a_trunk_with_another_password(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs = self.checked(provider, **CREDENTIALS)
        seed(emulator, self.case, inputs["trunk_id"], {**self.case.wire(inputs), "password": "someone-elses"})
        with pytest.raises(ConflictingObjectError):
            provider.create(inputs)
