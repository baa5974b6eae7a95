"""``iotcomms-export`` on the command line: bad arguments and unreachable or refusing endpoints give one
line and a non-zero exit (never a traceback, never a credential); a good run prints the next steps with
the secrets hidden unless ``--show-secrets``."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_iotcomms.export import main
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.export._tenant import MAPPER_PASSWORD, seed

EXE = [sys.executable, "-c", "import sys; from pulumi_iotcomms.export import main; sys.exit(main())"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a user runs it."""
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env={**base, **(env or {})}, timeout=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    return lines[-1]


def test_missing_credentials_and_bad_arguments_are_one_line(tmp_path: Path) -> None:
    base = ["--endpoint", "http://127.0.0.1:1", "--domain", DOMAIN, "--out", str(tmp_path)]
    result = run(*base)
    assert result.returncode == 2
    assert "no credentials: set $IOTCOMMS_TOKEN or $IOTCOMMS_PRIVATE_KEY" in one_line(result)
    result = run(*base, "--token-env", "MY_TOKEN")
    assert result.returncode == 2
    assert "no credentials: set $MY_TOKEN" in one_line(result)
    result = run(*base, "--include", "Trunk", "Gadget", env={"IOTCOMMS_TOKEN": TOKEN})
    assert result.returncode == 2
    assert "unknown kind 'Gadget'; allowed: NotificationSettings" in one_line(result)
    result = run(*base, "--fleet-threshold", "-1", env={"IOTCOMMS_TOKEN": TOKEN})
    assert result.returncode == 2
    assert "--fleet-threshold: must be 0 or more" in one_line(result)
    result = run(*base, "--private-key-file", str(tmp_path / "missing.pem"))
    assert result.returncode == 2
    assert "--private-key-file: cannot read" in one_line(result)
    result = run("--domain", DOMAIN, "--out", str(tmp_path), env={"IOTCOMMS_TOKEN": TOKEN})
    assert result.returncode == 2
    assert "--endpoint" in one_line(result)


def test_unreachable_and_invalid_endpoints_are_one_line(tmp_path: Path) -> None:
    env = {"IOTCOMMS_TOKEN": TOKEN}
    result = run("--endpoint", f"http://127.0.0.1:{free_port()}", "--domain", DOMAIN, "--out", str(tmp_path), env=env)
    assert result.returncode == 1
    assert one_line(result).startswith("iotcomms-export: error: ")
    assert TOKEN not in result.stderr + result.stdout
    result = run("--endpoint", "ftp://example.com", "--domain", DOMAIN, "--out", str(tmp_path), env=env)
    assert result.returncode == 1
    assert "invalid API base URL 'ftp://example.com'" in one_line(result)
    assert not any(tmp_path.iterdir())


def test_rejected_credentials_are_one_line(emulator: EmulatorClient, tmp_path: Path) -> None:
    env = {"IOTCOMMS_TOKEN": "not-the-token"}
    result = run("--endpoint", emulator.url, "--domain", DOMAIN, "--out", str(tmp_path / "p"), env=env)
    assert result.returncode == 1
    assert "401" in one_line(result)
    assert "not-the-token" not in result.stderr + result.stdout


def test_a_run_prints_the_next_steps_with_secrets_hidden_unless_asked(
    emulator: EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(emulator, fleet_devices=60)
    monkeypatch.setenv("EXPORT_TOKEN", TOKEN)
    base = ["--endpoint", emulator.url, "--domain", DOMAIN, "--token-env", "EXPORT_TOKEN", "--fleet-threshold", "50"]
    assert main([*base, "--out", str(tmp_path / "p")]) == 0
    printed = capsys.readouterr().out
    assert "1 DeviceFleet" in printed
    assert "alarmEventMapper.arc.targetEndpoint.sipAuthPassword '<hidden>'" in printed
    assert MAPPER_PASSWORD not in printed
    assert TOKEN not in printed
    assert "run again with --show-secrets" in printed
    assert main([*base, "--out", str(tmp_path / "p"), "--show-secrets", "--include", "alarmeventmapper"]) == 0
    printed = capsys.readouterr().out
    assert f"alarmEventMapper.arc.targetEndpoint.sipAuthPassword {MAPPER_PASSWORD}" in printed
    assert "Exported acme.example" in printed
    assert "2 AlarmEventMapper" in printed
    assert "Trunk" not in printed


def test_an_unusable_private_key_is_one_line(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("not a key")
    result = run(
        "--endpoint",
        "http://127.0.0.1:1",
        "--domain",
        DOMAIN,
        "--out",
        str(tmp_path / "p"),
        "--private-key-file",
        str(key),
    )
    assert result.returncode == 1
    assert one_line(result) == "iotcomms-export: error: the private key is not a valid unencrypted PEM private key"


def test_the_console_script_is_main() -> None:
    import importlib

    import tomllib

    scripts = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, name = scripts["iotcomms-export"].partition(":")
    assert getattr(importlib.import_module(module), name) is main
