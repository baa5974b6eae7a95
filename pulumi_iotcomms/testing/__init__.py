"""Test a configuration against the emulator, without an iotcomms.io account (the ``testing`` extra).

``pip install 'pulumi-iotcomms[testing]'`` registers a pytest plugin (:mod:`.plugin`) with the fixtures
``iotcomms_emulator`` and ``iotcomms_stack``; a test then reads::

    def test_second_preview_is_empty(iotcomms_stack):
        stack = iotcomms_stack("path/to/project")      # or a function declaring resources
        stack.up()
        assert_no_changes(stack.preview())

Stacks run through the real engine (the Pulumi CLI, via the Automation API) when a ``pulumi`` is on
``PATH``, through the engine-protocol harness (:mod:`.harness`) otherwise; every result says which
(``result.engine``). ``IOTCOMMS_TEST_ENGINE=harness|pulumi`` chooses.
"""

from .assertions import assert_changes, assert_no_changes, assert_no_writes, assert_requests, assert_tenant_empty
from .emulator import EmulatorClient, EmulatorOptions, RunningEmulator, start_emulator
from .harness import UNKNOWN, ForeignProvider, Secret
from .stack import ENGINE_VARIABLE, Engine, StackError, StackResult, TestStack, choose_engine

__all__ = [
    "ENGINE_VARIABLE",
    "UNKNOWN",
    "EmulatorClient",
    "EmulatorOptions",
    "Engine",
    "ForeignProvider",
    "RunningEmulator",
    "Secret",
    "StackError",
    "StackResult",
    "TestStack",
    "assert_changes",
    "assert_no_changes",
    "assert_no_writes",
    "assert_requests",
    "assert_tenant_empty",
    "choose_engine",
    "start_emulator",
]
