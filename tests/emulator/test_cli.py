"""The ``iotcomms-emulator`` command: one line on start, --state across restarts, --admin, bad arguments."""

from __future__ import annotations

import json
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests._aws import Aws
from tests._http_server import ScriptedServer
from tests.emulator_client import EmulatorClient

MODULE = [sys.executable, "-m", "pulumi_iotcomms.emulator"]
SCRIPT = [str(Path(sys.executable).with_name("iotcomms-emulator"))]
LINE = re.compile(r"^iotcomms emulator listening on (http://127\.0\.0\.1:(\d+))\n$")
DEVICES = "/provisioning/device/cli.example"


@contextmanager
def running(command: list[str], *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start the emulator; yields the process and the URL from its one line of output."""
    proc = subprocess.Popen([*command, "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            assert sel.select(timeout=20), "no output within 20 s"
        line = proc.stdout.readline()  # type: ignore[union-attr]
        match = LINE.match(line)
        assert match, (line, proc.stderr.read() if proc.poll() is not None else "")  # type: ignore[union-attr]
        assert int(match.group(2)) > 0
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> str:
    """Stop with ``sig``; returns what the process printed after its first line."""
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=10)
    return out


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_state_survives_a_restart(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    state = str(tmp_path / "state.sqlite")
    keys = ["--token", "cli.example=tok", "--token", "other.example=tok2", "--public-key", f"cli.example={pem}"]
    with running(MODULE, "--state", state, *keys, "--admin") as (proc, url), EmulatorClient(url, "tok") as client:
        client.ok("PUT", DEVICES, json={"deviceId": "d1", "authType": "deviceid", "description": "kept"})
        token = jwt.encode({"exp": int(time.time()) + 60}, key, algorithm="RS256")
        assert client.call("GET", DEVICES, token=token).status_code == 200
        assert client.call("GET", DEVICES, token="tok2").status_code == 403
        generated = client.ok("POST", "/provisioning/apiKey/cli.example", json={"key": ""})["token"]
        assert client.objects()["cli.example"]["device"]["d1"]["description"] == "kept"
        assert stop(proc, signal.SIGKILL) == ""  # every write is committed as it happens
    with running(SCRIPT, "--state", state, "--token", "cli.example=tok") as (proc, url), EmulatorClient(url) as client:
        assert client.ok("GET", f"{DEVICES}/d1", token=generated)["description"] == "kept"
        assert client.http.get("/_emulator/objects").status_code == 404  # no --admin
        assert client.call("OPTIONS", DEVICES, auth=False).status_code == 200
        assert stop(proc, signal.SIGINT) == ""
        assert proc.returncode == 0


def test_without_state_nothing_is_kept_and_admin_is_off(tmp_path: Path) -> None:
    with running(MODULE, "--token", "cli.example=tok") as (_, url), EmulatorClient(url, "tok") as client:
        client.ok("PUT", DEVICES, json={"deviceId": "d1", "authType": "deviceid"})
        assert client.http.post("/_emulator/reset").status_code == 404
        assert client.call("GET", DEVICES, token="nope").status_code == 401
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--token", "no-equals-sign"], "--token: expected DOMAIN=VALUE"),
        (["--token", "=tok"], "--token: expected DOMAIN=VALUE"),
        (["--public-key", "cli.example"], "--public-key: expected DOMAIN=VALUE"),
        (["--public-key", "cli.example=/does/not/exist.pem"], "--public-key cli.example=/does/not/exist.pem"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_clear_message(args: list[str], message: str) -> None:
    done = subprocess.run([*MODULE, "--port", "0", *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr, done.stderr


def test_aws_endpoint_and_loopback_flags_deliver_events(aws: Aws) -> None:
    """``--aws-endpoint`` sends SNS events to that server; ``--allow-loopback-http`` lets callbacks reach a local
    receiver (without it they are refused)."""
    topic = aws.topic("cli-alarms")
    queue = aws.subscribed_queue(topic, "cli-alarms-q")
    flags = ("--admin", "--token", "cli.example=t", "--aws-endpoint", aws.url, "--allow-loopback-http")
    with (
        running(MODULE, *flags) as (_proc, url),
        EmulatorClient(url, token="t") as client,
        ScriptedServer() as receiver,
    ):
        settings = "/provisioning/notificationsettings/cli.example"
        client.ok("PUT", settings, json={"alarmTopic": topic})
        alarm = client.raise_alarm("north", domain="cli.example", error="lowMemory")["alarm"]
        assert aws.messages(queue) == [alarm]
        client.ok("PUT", settings, json={"useHttpEvents": True, "alarmEventsRestEndpoint": receiver.url})
        client.raise_alarm("north", domain="cli.example", error="lowMemory")
        assert client.deliveries()[-1]["status"] == "delivered"
        assert [json.loads(r.body)["error"] for r in receiver.requests] == ["lowMemory"]
    with (
        running(MODULE, "--admin", "--token", "cli.example=t") as (_proc, url),
        EmulatorClient(url, token="t") as client,
    ):
        client.ok("PUT", settings, json={"useHttpEvents": True, "alarmEventsRestEndpoint": "http://127.0.0.1:9/x"})
        client.raise_alarm("north", domain="cli.example", error="lowMemory")
        [delivery] = client.deliveries()
        assert delivery["status"] == "failed"
        assert "--allow-loopback-http" in delivery["error"]


def test_a_port_in_use_is_one_clear_line() -> None:
    with running(MODULE, "--token", "cli.example=tok") as (_, url):
        port = url.rsplit(":", 1)[1]
        done = subprocess.run([*MODULE, "--port", port], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}: the address is already in use" in done.stderr
    assert "--port 0" in done.stderr


def test_without_credentials_it_says_how_to_get_them() -> None:
    with running(MODULE) as (proc, url), EmulatorClient(url, "tok") as client:
        assert client.call("GET", DEVICES).status_code == 401
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert "no --token or --public-key given" in err
    assert "--token DOMAIN=TOKEN" in err


def test_access_log_to_stderr_or_a_file(tmp_path: Path) -> None:
    with running(MODULE, "--token", "cli.example=tok") as (proc, url), EmulatorClient(url, "tok") as client:
        client.ok("PUT", DEVICES, json={"deviceId": "d1", "authType": "deviceid"})
        client.call("GET", f"{DEVICES}/d1?x=secret-query", token="wrong")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    lines = [line for line in err.splitlines() if " ms" in line]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ PUT /provisioning/device/cli\.example 200 \d+\.\d ms", lines[0]
    )
    assert re.fullmatch(r"\S+ GET /provisioning/device/cli\.example/d1 401 \d+\.\d ms", lines[1]), lines
    assert "secret-query" not in err

    log = tmp_path / "access.log"
    with running(MODULE, "--token", "cli.example=tok", "--log", str(log)) as (proc, url), EmulatorClient(url) as client:
        client.call("POST", f"{DEVICES}/d1", token="tok")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert " ms" not in err
    assert re.search(r" POST /provisioning/device/cli\.example/d1 405 \d+\.\d ms\n$", log.read_text())


def test_an_unwritable_log_file_is_one_clear_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [*MODULE, "--port", "0", "--log", str(tmp_path / "missing" / "x.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"iotcomms-emulator: --log {tmp_path / 'missing' / 'x.log'}: No such file")
