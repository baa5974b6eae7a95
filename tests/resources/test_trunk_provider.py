"""Trunk provider against the emulator: the shared lifecycle plus the write-only password."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from pulumi_iotcomms.errors import IotcommsError
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

    def test_removing_the_credentials_removes_their_ha1_too(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs, result = self.created(provider, **CREDENTIALS)
        outs = dict(result.outs or {})
        news = {k: v for k, v in inputs.items() if k not in CREDENTIALS}
        assert provider.diff(result.id, outs, news).changes is True
        emulator.clear_requests()
        updated = provider.update(result.id, outs, news)
        ((method, _, ops),) = writes(emulator)
        assert (method, sorted(ops, key=lambda op: op["path"])) == (
            "PATCH",
            [{"op": "remove", "path": path} for path in ("/ha1", "/realm", "/userName")],
        )
        doc = server_doc(emulator, self.case, inputs["trunk_id"])
        assert {"userName", "realm", "ha1"} & set(doc) == set()
        assert provider.diff(result.id, dict(updated.outs or {}), news).changes is False

    def test_a_server_keeping_a_removed_ha1_fails_the_update_naming_it(
        self, provider: IotcommsProvider, emulator: EmulatorClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        inputs, result = self.created(provider, **CREDENTIALS)
        doc = server_doc(emulator, self.case, inputs["trunk_id"])
        # A server that ignores the removal (answers success, keeps the hash): never a silent no-op.
        api = type(provider.api())
        original = api.patch

        def keeping_ha1(self: Any, domain: str, item_id: str, ops: list[dict[str, Any]], **kw: Any) -> Any:
            return original(self, domain, item_id, [op for op in ops if op["path"] != "/ha1"], **kw)

        monkeypatch.setattr(api, "patch", keeping_ha1)
        news = {k: v for k, v in inputs.items() if k not in CREDENTIALS}
        with pytest.raises(IotcommsError, match="kept its ha1"):
            provider.update(result.id, dict(result.outs or {}), news)
        assert server_doc(emulator, self.case, inputs["trunk_id"])["ha1"] == doc["ha1"]

    def test_refresh_keeps_the_ha1_made_from_the_password_out_of_the_state(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs, result = self.created(provider, **CREDENTIALS)
        outs = dict(result.outs or {})
        read = provider.read(result.id, outs)
        assert "ha1" not in (read.inputs or {})
        assert "ha1" not in (read.outs or {})
        emulator.clear_requests()
        provider.update(result.id, outs, {**inputs, "description": "moved"})
        assert [ops for _, _, ops in writes(emulator)] == [
            [{"op": "replace", "path": "/description", "value": "moved"}]
        ]
