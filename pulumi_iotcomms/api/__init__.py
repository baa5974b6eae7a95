"""Typed REST operations of the iotcomms.io APIs, one module per collection, and their wire schemas.

No Pulumi here. :mod:`.contract` holds every route and every decision where the docs are silent;
each collection module holds its pydantic model (snake_case names, camelCase wire aliases, field
behaviour as metadata) and its operations class (e.g. :class:`.device.DeviceApi`).
"""

from .contract import DECISIONS, ROUTES, Route, route

__all__ = ["DECISIONS", "ROUTES", "Route", "route"]
