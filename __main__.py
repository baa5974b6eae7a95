"""The root project's program (``make up``): the quickstart, ``examples/quickstart/__main__.py``.

The root ``Pulumi.yaml`` does not say ``main: examples/quickstart``: with ``main`` set, the Pulumi CLI
starts dynamic providers in the ``main`` directory and resolves the relative ``virtualenv`` there
(pulumi/pulumi#7061), so every resource of this package would fail to load. Running the quickstart
from here keeps ``virtualenv: .venv`` right for the program and its providers alike.
"""

import runpy
from pathlib import Path

# resolve(): this file may be reached through a symlink (the tests' copy of the project).
runpy.run_path(str(Path(__file__).resolve().parent / "examples" / "quickstart" / "__main__.py"), run_name="__main__")
