"""The code writer's parts: resource names from ids, config keys of secrets, the printed secret lines,
and Python source that ``ruff format`` leaves as it is."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

from pulumi_iotcomms.export import secret_lines
from pulumi_iotcomms.export.pysource import Call, Code, lines
from pulumi_iotcomms.export.reader import Found, Tenant
from pulumi_iotcomms.export.writer import SecretValue, config_key, python_name, resource_names, write_project


def test_plain_ids_are_the_names() -> None:
    ids = [("pbx-main",), ("carrier.1",), ("Desk_2",)]
    assert resource_names(ids) == {("pbx-main",): "pbx-main", ("carrier.1",): "carrier.1", ("Desk_2",): "Desk_2"}


def test_odd_characters_and_collisions_get_a_digest_of_the_id() -> None:
    ids = [("a:b",), ("a~b",), ("a-b",), ("north:ctrl-1:unit-1",), ("+46",), ("::",)]
    names = resource_names(ids)
    assert len(set(names.values())) == len(ids)
    assert all(names[i].startswith("a-b-") and len(names[i]) == len("a-b-") + 8 for i in ids[:3])
    assert names[("north:ctrl-1:unit-1",)].startswith("north-ctrl-1-unit-1-")
    assert names[("+46",)].startswith("46-")
    assert names[("::",)].startswith("object-")
    for name in names.values():
        assert all(ch.isalnum() or ch in "._-" for ch in name)


def test_names_depend_on_the_ids_not_their_order() -> None:
    ids = [("a:b",), ("a~b",), ("x",), ("site", "host-1"), ("site-host", "1")]
    expected = resource_names(ids)
    for order in itertools.permutations(ids):
        assert resource_names(list(order)) == expected
    # Composite identities that join alike are told apart too.
    assert expected[("site", "host-1")] != expected[("site-host", "1")]
    # An unrelated object leaves the others' names alone.
    assert {k: v for k, v in resource_names([*ids, ("y",)]).items() if k != ("y",)} == expected


def test_python_names_and_config_keys() -> None:
    assert python_name("mapper", "ARC-north.1") == "mapper_arc_north_1"
    assert (
        config_key("MediaService", "ivr", ["restAuthentication", 0, "secret"])
        == "mediaService.ivr.restAuthentication.0.secret"
    )


def test_secret_lines_hide_values_unless_asked_and_name_unknown_ones() -> None:
    secrets = [
        SecretValue("trunk.pbx.ha1", "0123abcd", "Trunk pbx: ha1"),
        SecretValue("device.x.password", "-it's secret", "Device x: password"),
        SecretValue("device.y.ha1", None, "Device y: ha1 (the API returned none)"),
        SecretValue("deviceFleet.devices.credentials", {"b": {"ha1": "2"}, "a": {"ha1": "1"}}, "fleet", is_object=True),
    ]
    hidden = secret_lines(secrets, "dev", show=False)
    assert hidden[0] == "pulumi config set --stack dev --secret trunk.pbx.ha1 '<hidden>'"
    assert not any("0123abcd" in line or "secret'" in line for line in hidden)
    assert hidden[2].endswith("'<unknown>'  # unknown: Device y: ha1 (the API returned none)")
    shown = secret_lines(secrets, "prod", show=True)
    assert shown[0] == "pulumi config set --stack prod --secret trunk.pbx.ha1 0123abcd"
    assert shown[1].startswith("pulumi config set --stack prod --secret -- device.x.password ")
    assert "'-it'\"'\"'s secret'" in shown[1]
    assert shown[3].endswith("""'{"a":{"ha1":"1"},"b":{"ha1":"2"}}'""")


def test_secrets_are_read_from_config_and_never_written() -> None:
    trunk = {
        "destinationTarget": "pbx.example.com",
        "destinationTransport": "udp",
        "destinationMatch": "^46",
        "userName": "u",
        "realm": "r",
        "ha1": "f" * 32,
        "type": "trunk",
    }
    device = {"deviceId": "d1", "authType": "credentials", "heartbeatStatus": "offline", "heartbeatExpiration": 0}
    tenant = Tenant(
        "acme.example",
        {"Trunk": [Found("Trunk", ("pbx",), trunk)], "Device": [Found("Device", ("d1",), device)]},
    )
    project = write_project(tenant, project="p", stack="dev", endpoint="http://127.0.0.1:1", fleet_threshold=200)
    program = project.files["__main__.py"]
    assert "f" * 32 not in "".join(project.files.values())
    assert "f" * 32 not in repr(project) + repr(tenant)  # nor in a repr (an assertion message, a log)
    assert 'ha1=config.require_secret("trunk.pbx.ha1")' in program
    # Server-set and computed fields are left out; a credentials device without an ha1 is an unknown secret.
    assert "\n    type=" not in program
    assert "heartbeat" not in program
    assert 'ha1=config.require_secret("device.d1.ha1")' in program
    assert [(s.key, s.value) for s in project.secrets] == [("device.d1.ha1", None), ("trunk.pbx.ha1", "f" * 32)]
    assert "iotcomms:token" not in project.files["Pulumi.dev.yaml"]


def test_source_is_what_ruff_format_makes_of_it(tmp_path: Path) -> None:
    values = [
        "plain",
        'with "double" quotes',
        "with 'single' quotes",
        'both \' " "',
        "back\\slash and\nnew line\ttab",
        "\x00\x7f\u2028 é 漢字 😀",
        1.5,
        1e-05,
        1e16,
        -3,
        True,
        None,
        {"nested": {"list": [1, 2, "x" * 70], "empty": {}, "none": []}},
        "漢" * 40,
    ]
    body = []
    for index, value in enumerate(values):
        body += lines(Call("Thing", (f"thing-{index}",), [("value", value), ("ref", Code("other.id"))]))
        body += lines(Call("config.require_secret", ("a.rather.long.configuration.key." * 3,)), 0, "x = ")
    source = tmp_path / "sample.py"
    source.write_text("\n".join(body) + "\n")
    subprocess.run([sys.executable, "-m", "ruff", "format", "--isolated", "--check", str(source)], check=True)


def test_bridges_refer_to_their_mappers_by_distinct_variables() -> None:
    target = {"protocol": "scaip"}
    mapper = {"name": "M", "alarmHandling": "drop", "targetEndpoint": target}
    bridge = {"name": "B", "protocol": "scaip", "protocolMode": "dtmf", "destinationMatch": "^4"}
    tenant = Tenant(
        "acme.example",
        {
            "AlarmEventMapper": [
                Found("AlarmEventMapper", ("arc-1",), {**mapper, "id": "arc-1"}),
                Found("AlarmEventMapper", ("arc.1",), {**mapper, "id": "arc.1"}),
            ],
            "AlarmBridge": [
                Found(
                    "AlarmBridge",
                    ("b1",),
                    {**bridge, "alarmEventMapperId": "arc-1", "defaultHeartbeatInterval": 300000},
                ),
                Found("AlarmBridge", ("b2",), {**bridge, "alarmEventMapperId": "arc.1"}),
                Found("AlarmBridge", ("b3",), {**bridge, "alarmEventMapperId": "elsewhere"}),
            ],
        },
    )
    program = write_project(tenant, project="p", stack="dev", endpoint="http://e", fleet_threshold=200).files[
        "__main__.py"
    ]
    assert "mapper_arc_1 = AlarmEventMapper(" in program
    [other] = [line.split(" = ")[0] for line in program.splitlines() if line.startswith("mapper_arc_1_")]
    assert "alarm_event_mapper_id=mapper_arc_1.alarm_event_mapper_id" in program
    assert f"alarm_event_mapper_id={other}.alarm_event_mapper_id" in program
    assert 'alarm_event_mapper_id="elsewhere"' in program
    # The documented server default (300000) is left out; the service's wire id is the resource's input.
    assert "default_heartbeat_interval" not in program
    assert '    id="' not in program
    assert 'alarm_bridge_id="b1"' in program


def test_what_the_resources_will_refuse_is_noted_and_still_declared() -> None:
    tenant = Tenant(
        "acme.example",
        {
            "IvrFallback": [Found("IvrFallback", ("4612",), {"command": {"action": {"type": "hangup"}}, "ttl": 1})],
            "Device": [Found("Device", ("d",), {"deviceId": "d", "authType": "deviceid", "description": "x" * 201})],
        },
    )
    project = write_project(tenant, project="p", stack="dev", endpoint="http://e", fleet_threshold=200)
    assert [n for n in project.notes if "will refuse" in n] == [
        "IvrFallback 4612: mode: required (`pulumi preview` will refuse it)",
        "Device d: description: String should have at most 200 characters (`pulumi preview` will refuse it)",
    ]
    assert project.declared == {"IvrFallback": 1, "Device": 1}
