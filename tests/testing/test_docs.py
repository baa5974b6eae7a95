"""docs/testing.md's complete example runs as the page says: examples/alarm-receiving-centre copied to ``infra/``,
the page's test file to ``tests/``, then ``pytest`` (through the harness, and the real engine when there is one)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.testing._pytest_run import ENGINES, run_pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "testing.md"


def example_test() -> str:
    """The Python block of the page's "complete example" section."""
    section = PAGE.read_text().split("## A complete example", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "no python block in the complete example"
    return match.group(1)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_pages_example_passes(tmp_path: Path, engine: str) -> None:
    root = tmp_path / "alarm-centre"
    shutil.copytree(REPO / "examples" / "alarm-receiving-centre", root / "infra")
    (root / "tests").mkdir()
    (root / "tests" / "test_alarm_receiving_centre.py").write_text(example_test())
    done = run_pytest(root, engine, "tests")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout, done.stdout
