"""Running ``pytest`` in a user's project directory, as the user would: this interpreter's environment (where
``pulumi-iotcomms[testing]`` is installed), the plugin loaded from its ``pytest11`` entry point, none of this
repository's settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

__all__ = ["ENGINES", "plugin_registered", "run_pytest"]

ENGINES = [
    "harness",
    pytest.param("pulumi", marks=pytest.mark.skipif(shutil.which("pulumi") is None, reason="no `pulumi` on PATH")),
]


def plugin_registered() -> bool:
    """Whether the installed package registers the plugin (``pytest11: iotcomms``)."""
    return any(ep.name == "iotcomms" for ep in metadata.entry_points(group="pytest11"))


def run_pytest(root: Path, engine: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest -q -s`` in ``root`` with ``IOTCOMMS_TEST_ENGINE=engine``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["IOTCOMMS_TEST_ENGINE"] = engine
    load = [] if plugin_registered() else ["-p", "pulumi_iotcomms.testing.plugin"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *load, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
