"""What the README tells a newcomer to run works: its emulator command is the one `make emulator` runs, its
curl examples succeed against an emulator started with that command, and the install section names
extras that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import tomllib

import pulumi_iotcomms
from pulumi_iotcomms.emulator import Emulator, EmulatorServer
from pulumi_iotcomms.emulator.__main__ import parse_args

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
DEFAULT_URL = "http://127.0.0.1:8787"


def _makefile_var(name: str) -> str:
    match = re.search(rf"^{name}\s*\??:?=\s*(.+?)\s*$", (REPO / "Makefile").read_text(), re.M)
    assert match, name
    return match.group(1)


def _emulator_command() -> list[str]:
    text = re.sub(r"\\\n\s*", " ", README)  # continuation lines
    [line] = [line for line in text.splitlines() if line.startswith(".venv/bin/iotcomms-emulator ")]
    return shlex.split(line)[1:]


def _makefile_command() -> list[str]:
    """The arguments ``make emulator`` starts the emulator with, Makefile variables filled in."""
    makefile = (REPO / "Makefile").read_text()
    match = re.search(r"iotcomms-emulator (.*?) >", re.sub(r"\\\n\s*", " ", makefile))
    assert match, "no iotcomms-emulator command in the Makefile"
    return shlex.split(re.sub(r"\$\((\w+)\)", lambda m: _makefile_var(m.group(1)), match.group(1)))


def _curl_commands() -> list[list[str]]:
    text = re.sub(r"\\\n\s*", " ", README)  # continuation lines
    return [shlex.split(line) for line in text.splitlines() if line.startswith("curl ")]


def _request(argv: list[str], base: str) -> httpx.Response:
    """Send what a ``curl -s [-X M] [-H h]... [-d body] URL`` line sends."""
    method, headers, data, url = "GET", {}, None, None
    args = iter(argv[1:])
    for arg in args:
        if arg == "-s":
            continue
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(": ")
            headers[name] = value
        elif arg == "-d":
            data = next(args)
            method = "POST" if method == "GET" else method
        else:
            assert url is None, f"unexpected curl argument {arg!r}"
            url = arg
    assert url is not None, argv
    assert url.startswith(DEFAULT_URL), url
    return httpx.request(method, base + url.removeprefix(DEFAULT_URL), headers=headers, content=data, timeout=10)


def test_the_emulator_command_is_the_one_make_emulator_runs() -> None:
    args = parse_args(_emulator_command())
    assert args == parse_args(_makefile_command())
    assert args.token == [(_makefile_var("EMULATOR_DOMAIN"), _makefile_var("EMULATOR_TOKEN"))]
    assert args.state == ".emulator.sqlite"


def test_the_curl_examples_work_against_that_emulator() -> None:
    args = parse_args([*_emulator_command(), "--port", "0"])
    commands = _curl_commands()
    assert len(commands) >= 3
    with EmulatorServer(Emulator(tokens=args.token), port=0) as server:
        answers: list[Any] = []
        for argv in commands:
            resp = _request(argv, server.url)
            assert resp.status_code == 200, (argv, resp.text)
            answers.append(resp.json())
    assert answers[0]["success"] is True
    assert answers[1]["description"] == "reception"
    assert [d["deviceId"] for d in answers[2]["devices"]] == ["desk-phone-1"]


def test_install_section_names_real_extras_and_the_project_urls() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    section = README.split("## Install it into your own project", 1)[1].split("\n## ", 1)[0]
    for extra in re.findall(r"pulumi-iotcomms\[(\w+)\]", section) + re.findall(r"`(\w+)` \(", section):
        assert extra in project["optional-dependencies"], extra
    released = re.search(r"^## \[(\d+\.\d+\.\d+)\] — (\d{4}-\d\d-\d\d)", (REPO / "CHANGELOG.md").read_text(), re.M)
    assert released, "no dated release in CHANGELOG.md"
    pins = set(re.findall(r"pulumi-iotcomms@v([\d.]+)", section))
    assert pins == {released.group(1)}, (pins, released.group(1))
    assert {"Homepage", "Repository", "Changelog"} <= set(project["urls"])
    # The code is ahead of the newest release: a released version is never installed from unreleased code.
    newest = tuple(int(n) for n in released.group(1).split("."))
    assert tuple(int(n) for n in re.findall(r"\d+", pulumi_iotcomms.__version__)[:3]) > newest
    assert "IOTCOMMS_LOG_LEVEL" in README
