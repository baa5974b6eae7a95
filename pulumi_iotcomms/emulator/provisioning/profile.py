"""The signed-in user's profile: ``/provisioning/currentuser/profile``, one per caller's domain."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api.profile import Profile, ProfileCreate

from .._http import Problem, json_body, validated
from ..auth import Caller
from ..core import Emulator, Handler

__all__ = ["HANDLERS"]


def _profile_or_404(emu: Emulator, caller: Caller) -> dict[str, Any]:
    doc = emu.store.get("profile", caller.domain, "")
    if doc is None:
        raise Problem(404, "profile: not created yet (POST /currentuser/profile)")
    return doc


async def _profile_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    return {"success": True, "profile": _profile_or_404(emu, caller)}


async def _profile_create(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    validated(ProfileCreate, body)
    if emu.store.get("profile", caller.domain, "") is not None:
        raise Problem(409, "profile: already exists (use PUT or PATCH)")
    emu.store.put("profile", caller.domain, "", body)
    return {"success": True}


async def _profile_put(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    _profile_or_404(emu, caller)
    validated(Profile, body)
    emu.store.put("profile", caller.domain, "", body)
    return {"success": True}


async def _profile_patch(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    validated(Profile, body)
    current = _profile_or_404(emu, caller)
    emu.store.put("profile", caller.domain, "", {**current, **body})
    return {"success": True}


HANDLERS: dict[str, Handler] = {
    "profile.get": _profile_get,
    "profile.create": _profile_create,
    "profile.put": _profile_put,
    "profile.patch": _profile_patch,
}
