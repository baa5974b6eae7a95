"""Pulumi dynamic providers for iotcomms.io, with a local emulator of its APIs."""

__all__: list[str] = []
