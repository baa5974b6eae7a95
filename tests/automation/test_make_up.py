"""``make up`` in a fresh copy of the repository, with the engine on PATH, as a new user runs it.

The copy holds the files a clone would (``git ls-files``, untracked files not ignored included, so
the working tree is what is tested). ``make up`` creates its own virtualenv, starts the emulator and
deploys the quickstart on stack ``dev``, printing the outputs; ``pulumi destroy --stack dev`` then
leaves the emulator's store empty. The emulator gets a free port (the copy's ``Pulumi.dev.yaml`` and
``EMULATOR_PORT`` follow), so a user's own emulator on 8787 is left alone; ``PULUMI_HOME`` is the
test's own.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_iotcomms.testing.automation import engine_required
from tests._http_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = engine_required()


def _copy_checkout(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():  # a deleted but still indexed file is not in a clone of the tree
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture
def checkout(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], int]]:
    """A fresh copy of the repository, the environment to run make and pulumi in, the emulator port."""
    root = tmp_path / "clone"
    _copy_checkout(root)
    port = free_port()
    stack_file = root / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("127.0.0.1:8787", f"127.0.0.1:{port}"))
    env = {
        **os.environ,
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "EMULATOR_PORT": str(port),
    }
    for variable in ("VIRTUAL_ENV", "PYTHONPATH", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        env.pop(variable, None)
    try:
        yield root, env, port
    finally:
        subprocess.run(["make", "--no-print-directory", "emulator-stop"], cwd=root, env=env, check=False)


def _run(command: list[str], root: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{output[-4000:]}"
    return output


def test_make_up_then_destroy_in_a_fresh_copy(checkout: tuple[Path, dict[str, str], int]) -> None:
    root, env, port = checkout
    up = _run(["make", "--no-print-directory", "up", f"EMULATOR_PORT={port}"], root, env)
    assert f"listening on http://127.0.0.1:{port}" in up
    assert re.search(r"\+ +7 created", up), up[-3000:]  # six resources and the stack
    # `pulumi stack output --stack dev`, printed by make up: the ids, the passwords hidden.
    for output in ("trunk_id", "device_ids", "media_service_id"):
        assert output in up
    assert re.search(r"desk_phone_sip_password\s+\[secret\]", up), up[-3000:]
    store = root / ".emulator.sqlite"
    assert _documents(store) != []

    backend = {"PULUMI_BACKEND_URL": f"file://{root}/.pulumi", "PULUMI_CONFIG_PASSPHRASE": ""}
    destroy = _run(["pulumi", "destroy", "--stack", "dev", "--yes", "--non-interactive"], root, {**env, **backend})
    assert re.search(r"- +7 deleted", destroy), destroy[-3000:]
    assert _documents(store) == []


def _documents(store: Path) -> list[tuple[str, str]]:
    """The emulator's stored objects (API keys aside), read from its SQLite file."""
    with sqlite3.connect(store) as db:
        return [(coll, key) for coll, key in db.execute("SELECT coll, key FROM docs WHERE coll != 'apikey'")]
