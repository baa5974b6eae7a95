"""Handlers of the provisioning API (``/provisioning/...``), one module per collection.

Each module exports ``HANDLERS`` (operation name → handler); :mod:`pulumi_iotcomms.emulator.app` joins
them with the hybrid and cache handlers into the one route table.
"""

__all__: list[str] = []
