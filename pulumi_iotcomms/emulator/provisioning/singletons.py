"""Per-domain settings objects: ``/notificationsettings/{domain}`` and ``/siprecservice/{domain}``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api._schema import WireModel
from pulumi_iotcomms.api.notificationsettings import NotificationSettings
from pulumi_iotcomms.api.siprecservice import SiprecService

from .._http import json_body, validated
from ..auth import Caller
from ..core import Emulator, Handler

__all__ = ["HANDLERS"]


def _handlers(name: str, model: type[WireModel]) -> dict[str, Handler]:
    async def get(emu: Emulator, request: Request, caller: Caller) -> Any:
        return emu.store.get(name, request.path_params["domain"], "") or {}

    async def put(emu: Emulator, request: Request, caller: Caller) -> Any:
        body = await json_body(request)
        validated(model, body)
        emu.store.put(name, request.path_params["domain"], "", body)
        return {"success": True}

    return {f"{name}.get": get, f"{name}.put": put}


HANDLERS: dict[str, Handler] = {
    **_handlers("notificationsettings", NotificationSettings),
    **_handlers("siprecservice", SiprecService),
}
