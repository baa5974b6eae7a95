"""The project files a newcomer runs without this test suite: Pulumi.yaml/Pulumi.<stack>.yaml of the root
project and of every example, and ``make up`` on a machine without the Pulumi CLI.

The CLI is not installed here, so these check what the CLI would read: that every dev stack aims at
the emulator the Makefile starts, that its committed ``encryptionsalt`` opens with the empty
passphrase ``make up`` sets, and that ``main``/``virtualenv`` resolve to what exists.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.examples._projects import REPO, Project, project_dirs

PROJECTS = project_dirs()


def _makefile_var(name: str) -> str:
    match = re.search(rf"^{name}\s*\??:?=\s*(.+?)\s*$", (REPO / "Makefile").read_text(), re.M)
    assert match, f"{name} not set in the Makefile"
    return match.group(1)


@functools.cache
def _opens_with(passphrase: str, salt_state: str) -> bool:
    """Whether a passphrase secrets manager state (``encryptionsalt``) accepts ``passphrase``.

    The format of Pulumi's passphrase provider: ``v1:<b64 salt>:v1:<b64 nonce>:<b64 AES-256-GCM("pulumi")>``,
    the key being PBKDF2-HMAC-SHA256(passphrase, salt, 1,000,000 rounds, 32 bytes).
    """
    version, salt, rest = salt_state.split(":", 2)
    tag, nonce, sealed = rest.split(":")
    assert (version, tag) == ("v1", "v1")
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), base64.b64decode(salt), 1_000_000, 32)
    try:
        return AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(sealed), None) == b"pulumi"
    except InvalidTag:
        return False


@pytest.mark.parametrize("directory", PROJECTS)
def test_project_layout(directory: str) -> None:
    project = Project(REPO / directory)
    settings = project.settings
    assert settings["runtime"]["name"] == "python"
    # The virtualenv is relative to Pulumi.yaml; examples and root use the repo's .venv. No project sets
    # `main`: dynamic providers would resolve the virtualenv against it (pulumi/pulumi#7061).
    assert "main" not in settings
    assert (project.directory / settings["runtime"]["options"]["virtualenv"]).resolve() == REPO / ".venv"
    assert (project.program / "__main__.py").is_file()
    if directory != ".":
        assert project.program == project.directory
        for name in ("requirements.txt", "README.md", "Pulumi.dev.yaml"):
            assert (project.directory / name).is_file(), f"{directory}/{name} is missing"


def test_project_names_are_distinct() -> None:
    names = [Project(REPO / d).name for d in PROJECTS]
    assert len(set(names)) == len(names)


def test_root_project_runs_the_quickstart_with_the_same_program_config() -> None:
    root, quickstart = Project(REPO), Project(REPO / "examples" / "quickstart")
    assert "examples/quickstart/__main__.py" in (root.program / "__main__.py").read_text()
    assert root.program_config("dev") == quickstart.program_config("dev")


@pytest.mark.parametrize("directory", PROJECTS)
def test_dev_stack_aims_at_the_emulator_make_up_starts(directory: str) -> None:
    stack: dict[str, Any] = Project(REPO / directory).stack_file("dev")
    config = stack["config"]
    assert config["iotcomms:endpoint"] == f"http://127.0.0.1:{_makefile_var('EMULATOR_PORT')}"
    assert config["iotcomms:domain"] == _makefile_var("EMULATOR_DOMAIN")
    assert config["iotcomms:token"] == _makefile_var("EMULATOR_TOKEN")
    # `make up` runs with PULUMI_CONFIG_PASSPHRASE empty: the committed salt must open with it, or the
    # CLI would refuse the stack ("incorrect passphrase").
    assert _opens_with("", stack["encryptionsalt"])
    assert not _opens_with("not-the-passphrase", stack["encryptionsalt"])


@pytest.mark.parametrize("directory", PROJECTS)
def test_dev_stack_credentials_of_other_systems_are_those_make_emulator_gives(directory: str) -> None:
    config = Project(REPO / directory).stack_config("dev")
    systems = _makefile_var("EMULATOR_SYSTEMS") if "EMULATOR_SYSTEMS" in (REPO / "Makefile").read_text() else ""
    if "provd:username" in config:
        assert f"--provd-user {config['provd:username']}={config['provd:password']}" in systems
    if "alvaria:clientId" in config:
        assert f"--alvaria-client {config['alvaria:clientId']}={config['alvaria:clientSecret']}" in systems
        assert f"--alvaria-api-key {config['alvaria:apiKey']}" in systems


def test_prod_stack_keeps_secrets_out_of_the_repository() -> None:
    project = Project(REPO / "examples" / "multi-environment")
    prod, dev = project.stack_config("prod"), project.stack_config("dev")
    assert "iotcomms:endpoint" not in prod  # the real API, from the region
    for key in ("iotcomms:token", f"{project.name}:callbackSecret"):
        assert set(prod[key]) == {"secure"}, f"{key} must be a secure: value"
    assert "encryptionsalt" not in project.stack_file("prod")  # made by `pulumi stack init prod`
    differing = {k for k in dev.keys() & prod.keys() if dev[k] != prod[k]}
    for key in ("iotcomms:domain", "iotcomms:region", "iotcomms:token", f"{project.name}:phones"):
        assert key in differing


# -- make up without the Pulumi CLI ---------------------------------------------------------------------


def test_make_up_without_pulumi_prints_the_install_hint_and_changes_nothing(tmp_path: Path) -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    shims = tmp_path / "bin"
    shims.mkdir()
    for tool in ("make", "sh", "bash", "env"):
        found = shutil.which(tool)
        if found is not None:
            (shims / tool).symlink_to(found)
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("Makefile", "pyproject.toml", "Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(REPO / name, repo / name)
    before = sorted(p.name for p in repo.iterdir())

    # A clean environment: no MAKEFLAGS from an enclosing `make test`, no PULUMI_* of the caller.
    env = {"PATH": str(shims), "HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [str(shims / "make"), "up"], cwd=repo, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "needs the Pulumi CLI" in output
    assert "Install it" in output
    assert "https://www.pulumi.com/docs/install/" in output
    assert sorted(p.name for p in repo.iterdir()) == before  # no .venv, .pulumi, .emulator.*
    assert not (tmp_path / "home").exists()
