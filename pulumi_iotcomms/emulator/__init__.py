"""A local emulator of the iotcomms.io provisioning, hybrid-admin and cache APIs.

Run it with ``iotcomms-emulator`` or ``python -m pulumi_iotcomms.emulator``; embed it in tests with
:class:`EmulatorServer`. Needs the ``emulator`` extra (Starlette and uvicorn).
"""

from .app import build_app
from .core import Emulator
from .faults import FaultConfig
from .server import EmulatorServer
from .store import Store

__all__ = ["Emulator", "EmulatorServer", "FaultConfig", "Store", "build_app"]
