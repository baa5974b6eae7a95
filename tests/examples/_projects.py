"""Pulumi project directories (the root project and ``examples/*``) as the CLI reads them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pulumi_iotcomms.testing.harness import Harness, Secret
from tests.emulator_client import EmulatorClient

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SECRET_KEY = re.compile(r"(password|secret|token|privatekey)$", re.IGNORECASE)


def project_dirs() -> list[str]:
    """``"."`` (the root project) and every ``examples/<name>`` with a Pulumi.yaml, repo-relative."""
    return [".", *sorted(f"examples/{p.parent.name}" for p in EXAMPLES.glob("*/Pulumi.yaml"))]


@dataclass(frozen=True)
class Project:
    """A Pulumi project: name, program directory (``main``), stack config files."""

    directory: Path

    @property
    def settings(self) -> dict[str, Any]:
        return dict(yaml.safe_load((self.directory / "Pulumi.yaml").read_text()))

    @property
    def name(self) -> str:
        return str(self.settings["name"])

    @property
    def program(self) -> Path:
        """The program directory: ``main`` relative to Pulumi.yaml (the harness needs it absolute)."""
        return (self.directory / str(self.settings.get("main", "."))).resolve()

    def stack_file(self, stack: str) -> dict[str, Any]:
        return dict(yaml.safe_load((self.directory / f"Pulumi.{stack}.yaml").read_text()))

    def stack_config(self, stack: str) -> dict[str, Any]:
        """``Pulumi.<stack>.yaml``'s config: namespaced keys, values as written (``{"secure": ...}`` kept)."""
        return dict(self.stack_file(stack).get("config") or {})

    def program_config(self, stack: str) -> dict[str, Any]:
        """This project's own keys, namespace stripped."""
        prefix = f"{self.name}:"
        return {k.removeprefix(prefix): v for k, v in self.stack_config(stack).items() if k.startswith(prefix)}

    def test_config(self, stack: str, emulator: EmulatorClient, domain: str, token: str) -> dict[str, Any]:
        """``stack``'s config with endpoint/domain/token aimed at ``domain`` of the emulator; ``secure:``
        values (placeholders in the repository) get test secrets, and so do plain values under
        secret-looking keys (the program reads them with ``require_secret``, as ``pulumi config set
        --secret`` would have stored them)."""
        config: dict[str, Any] = {}
        for key, value in self.stack_config(stack).items():
            secure = isinstance(value, dict) and set(value) == {"secure"}
            if secure:
                config[key] = Secret(f"test-{key.rsplit(':', 1)[-1]}")
            elif isinstance(value, str) and SECRET_KEY.search(key.rsplit(":", 1)[-1]):
                config[key] = Secret(value)
            else:
                config[key] = value
        config.update({"iotcomms:endpoint": emulator.url, "iotcomms:domain": domain, "iotcomms:token": Secret(token)})
        return config

    def harness(self, stack: str, state_dir: Path, emulator: EmulatorClient, domain: str, token: str) -> Harness:
        """A harness for ``stack`` with :meth:`test_config`."""
        config = self.test_config(stack, emulator, domain, token)
        return Harness(self.program, state_dir=state_dir, project=self.name, stack=stack, config=config)

    def secret_values(self, stack: str) -> list[str]:
        """Plain config values under secret-looking keys: they must never reach the state in plaintext."""
        return [
            value
            for key, value in self.stack_config(stack).items()
            if isinstance(value, str) and SECRET_KEY.search(key.rsplit(":", 1)[-1])
        ]
