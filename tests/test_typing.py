"""A user's program type-checks against the generated classes: each example passes ``mypy``; an enum
value misspelled, a nested key misspelled, or a nested value of the wrong type is reported at its line,
naming the argument holding it (``tools/generate.py`` writes the ``Literal`` enums and the nested
``TypedDict`` inputs this relies on)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from mypy import api

from pulumi_iotcomms.resources._registry import REGISTRY

REPO = Path(__file__).resolve().parents[1]
# A cache shared by the runs of this module (the Pulumi SDK is large to analyse cold).
CACHE = REPO / ".mypy_cache" / "user-programs"

BAD = {
    "enum": ('Device("d", device_id="d-1", auth_type="credential")', "auth_type"),
    "nested_key": (
        'AlarmEventMapper("m", name="m", alarm_handling="drop", target_endpoint={"dest_adr": "sip:a@b.c"})',
        "target_endpoint",
    ),
    "nested_type": (
        'SiteHost("h", site_id="s", host_id="h", network_interfaces=["10.0.0.1"], network_prefix_length="24")',
        "network_prefix_length",
    ),
    "nested_value": ('Device("u", device_id="u-1", auth_type="userid", authorized={"register": "yes"})', "authorized"),
    "missing": ('SiteHost("h", host_id="h")', "site_id"),
}


def _mypy(paths: list[Path]) -> tuple[str, int]:
    out, err, status = api.run(
        [
            *map(str, paths),
            "--config-file",
            "",
            "--cache-dir",
            str(CACHE),
            "--no-error-summary",
            "--hide-error-context",
            "--show-column-numbers",
        ]
    )
    return out + err, status


def test_every_example_program_type_checks(tmp_path: Path) -> None:
    programs = []
    # One run over all of them: their files are all __main__.py, so each gets a name of its own.
    for main in sorted((REPO / "examples").glob("*/__main__.py")):
        programs.append(tmp_path / f"example_{main.parent.name.replace('-', '_')}.py")
        shutil.copy(main, programs[-1])
    for item in REGISTRY:  # the examples in the docstrings and reference pages too
        path = tmp_path / f"docs_{item.module}.py"
        names = ", ".join(sorted({"AlarmEventMapper", item.name} if not item.package else {"AlarmEventMapper"}))
        prelude = f"import pulumi\n\nfrom pulumi_iotcomms import {names}\n"
        if item.package:
            prelude += f"from {item.namespace} import {item.name}\n"
        prelude += "\nconfig = pulumi.Config()\n"
        if "mapper." in item.example:
            prelude += 'mapper = AlarmEventMapper("m", name="m", alarm_handling="drop", target_endpoint={})\n'
        path.write_text(prelude + item.example + "\n")
        programs.append(path)
    assert len(programs) == len(list((REPO / "examples").glob("*/__main__.py"))) + len(REGISTRY) >= 5 + len(REGISTRY)
    output, status = _mypy(programs)
    assert status == 0, output


def test_wrong_programs_are_reported_at_their_line(tmp_path: Path) -> None:
    paths = []
    for name, (line, _) in BAD.items():
        path = tmp_path / f"bad_{name}.py"
        path.write_text(f"from pulumi_iotcomms import AlarmEventMapper, Device, SiteHost\n\n{line}\n")
        paths.append(path)
    output, status = _mypy(paths)
    assert status == 1, output
    for name, (_, culprit) in BAD.items():
        errors = [line for line in output.splitlines() if f"bad_{name}.py:3:" in line]
        assert errors, f"no error reported for {name}:\n{output}"
        # mypy names the argument (a nested mistake: the argument holding it, with its ...Args type).
        assert any(re.search(rf'(Argument|argument) "{culprit}"', line) for line in errors), errors
