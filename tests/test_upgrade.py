"""Upgrading the package never disturbs a stack.

For every ``tests/fixtures/release-*`` folder (a stack deployed by that release's own code, see its
``README.md`` and ``make_fixture.py``), the current code must: load the state (its pickled providers
name our classes by module path), preview and refresh it with no changes, ``up`` it without a single
write and with the same exported secrets, and destroy it leaving the server as it was before the stack.

Each test starts from a fresh copy of the fixture: the state, and an emulator serving the copied SQLite
store with the release's tokens.
"""

from __future__ import annotations

import base64
import json
import pickle
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider

from pulumi_iotcomms.emulator import Emulator, EmulatorServer, Store
from pulumi_iotcomms.testing.harness import Harness, OperationResult, ResourceState, Secret, StackState
from pulumi_iotcomms.testing.harness.props import reveal
from tests.emulator_client import EmulatorClient

FIXTURES = Path(__file__).parent / "fixtures"
RELEASES = sorted(FIXTURES.glob("release-*"))
SETTINGS = ("notificationsettings", "siprecservice")
"""Per-domain settings collections: the object can never be deleted, so an empty one means "none"."""


@dataclass
class Upgrade:
    """A release's stack, copied, with the current code's harness and an emulator serving its store."""

    folder: Path
    meta: dict[str, Any]
    harness: Harness
    client: EmulatorClient

    @property
    def program(self) -> Path:
        return self.folder / str(self.meta["program"])

    def load(self, name: str) -> Any:
        return json.loads((self.folder / name).read_text())


def _config(raw: dict[str, Any], endpoint: str) -> dict[str, Any]:
    """``config.json`` (``{"secret": value}`` marks a secret) as harness config aimed at ``endpoint``."""
    config: dict[str, Any] = {"iotcomms:endpoint": endpoint}
    for key, value in raw.items():
        secret = isinstance(value, dict) and set(value) == {"secret"}
        config[key] = Secret(value["secret"]) if secret else value
    return config


@pytest.fixture(params=RELEASES, ids=[path.name for path in RELEASES])
def upgrade(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Upgrade]:
    """The fixture of one release, copied to ``tmp_path``, its emulator running."""
    folder = tmp_path / request.param.name
    shutil.copytree(request.param, folder, ignore=shutil.ignore_patterns("__pycache__", "*-wal", "*-shm"))
    meta = json.loads((folder / "fixture.json").read_text())
    tokens = [(str(domain), str(token)) for domain, token in meta["tokens"]]
    emulator = Emulator(store=Store(str(folder / "emulator.sqlite")), admin=True, tokens=tokens)
    with EmulatorServer(emulator) as server, EmulatorClient(server.url) as client:
        harness = Harness(
            state_dir=folder,
            project=str(meta["project"]),
            stack=str(meta["stack"]),
            config=_config(json.loads((folder / "config.json").read_text()), server.url),
        )
        yield Upgrade(folder, meta, harness, client)


def _text(value: Any) -> str:
    """Canonical JSON, so comparisons see types too (``3000`` is not ``3000.0``) and diffs show lines."""
    return json.dumps(value, indent=2, sort_keys=True)


def _settled(objects: dict[str, Any]) -> dict[str, Any]:
    """Server objects with empty settings objects (the same as none: GET answers ``{}`` for both) left out."""
    out: dict[str, Any] = {}
    for domain, collections in objects.items():
        for coll, docs in collections.items():
            kept = {key: doc for key, doc in docs.items() if not (coll in SETTINGS and doc == {})}
            if kept:
                out.setdefault(domain, {})[coll] = kept
    return out


def _changed(before: ResourceState, after: ResourceState | None) -> dict[str, Any]:
    """What differs between two states of a resource: ``{inputs|outputs: {key: [old, new]}}``."""
    if after is None:
        return {"dropped": True}
    out: dict[str, Any] = {}
    for part in ("inputs", "outputs"):
        old, new = reveal(getattr(before, part)), reveal(getattr(after, part))
        diff = {k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if k != "__provider"}
        diff = {k: pair for k, pair in diff.items() if _text(pair[0]) != _text(pair[1])}
        if diff:
            out[part] = diff
    return out


def _explain(result: OperationResult, before: StackState, after: StackState | None = None) -> dict[str, Any]:
    """Every non-``same`` step with its changed/replaced keys and, when given, the state differences."""
    by_urn = after.resources if after is not None else {}
    out: dict[str, Any] = {}
    for step in result.steps:
        if step.kind == "same":
            continue
        detail: dict[str, Any] = {"kind": step.kind, "changed": step.changed_keys, "replace": step.replace_keys}
        if after is not None and step.urn in before.resources:
            detail.update(_changed(before.resources[step.urn], by_urn.get(step.urn)))
        out[step.name] = detail
    return out


def _writes(client: EmulatorClient) -> list[tuple[str, str, Any]]:
    return [(r["method"], r["path"], r.get("body")) for r in client.requests() if r["method"] != "GET"]


def test_state_loads(upgrade: Upgrade) -> None:
    state = upgrade.harness.state
    outputs = upgrade.meta["outputs"]
    assert reveal(state.outputs) == outputs
    ids = {key.removesuffix("_id"): value for key, value in outputs.items() if key.endswith("_id")}
    assert {res.name: res.id for res in state.resources.values()} == ids
    assert state.pending_deletes == []
    for res in state.resources.values():
        blob = base64.b64decode(reveal(res.outputs["__provider"]))
        provider = pickle.loads(blob)  # what the provider host does (via dill) with the current code
        assert isinstance(provider, ResourceProvider), res.name
        assert type(provider).__name__ == f"{res.type.rsplit(':', 1)[-1]}Provider", res.name
    # The current emulator serves the release's SQLite store as it was.
    assert _text(upgrade.client.objects()) == _text(upgrade.load("server-after-up.json"))


def test_preview_shows_no_changes(upgrade: Upgrade) -> None:
    before = upgrade.harness.state
    result = upgrade.harness.preview(upgrade.program)
    assert _explain(result, before) == {}
    assert _writes(upgrade.client) == []


def test_refresh_shows_no_changes(upgrade: Upgrade) -> None:
    before = upgrade.harness.state
    result = upgrade.harness.refresh()
    assert _explain(result, before, upgrade.harness.state) == {}
    assert _writes(upgrade.client) == []


def test_up_writes_nothing_and_keeps_exported_secrets(upgrade: Upgrade) -> None:
    before = upgrade.harness.state
    result = upgrade.harness.up(upgrade.program)
    expected = upgrade.meta["outputs"]
    actual = result.plain_outputs
    changed_outputs = {
        key: [expected.get(key), actual.get(key)]
        for key in sorted(expected.keys() | actual.keys())
        if expected.get(key) != actual.get(key)
    }
    found = {
        "changes": _explain(result, before, upgrade.harness.state),
        "writes": _writes(upgrade.client),
        "changed outputs": changed_outputs,
    }
    assert found == {"changes": {}, "writes": [], "changed outputs": {}}
    assert isinstance(result.outputs["phone_password"], Secret)
    assert upgrade.harness.preview().changes == {}


def test_destroy_restores_the_server(upgrade: Upgrade) -> None:
    upgrade.harness.destroy()
    assert upgrade.harness.state.resources == {}
    assert _text(_settled(upgrade.client.objects())) == _text(_settled(upgrade.load("server-before.json")))


def test_up_then_destroy_restores_the_server(upgrade: Upgrade) -> None:
    """The state the current code rewrote on its first ``up`` destroys cleanly too."""
    upgrade.harness.up(upgrade.program)
    upgrade.harness.destroy()
    assert upgrade.harness.state.resources == {}
    assert _text(_settled(upgrade.client.objects())) == _text(_settled(upgrade.load("server-before.json")))
