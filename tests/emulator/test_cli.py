"""The ``iotcomms-emulator`` command: one line on start, --state across restarts, --admin, bad arguments."""

from __future__ import annotations

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
