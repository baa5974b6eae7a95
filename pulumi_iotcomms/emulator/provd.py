"""``/provd/...``: the XiVO provd server's configure and plugin install services, with OIP monitors.

Served by the same emulator process when ``Emulator.provd`` is enabled (always: the routes exist; with
``--provd-user USER=PASS`` they require HTTP digest or basic auth). State is in memory (not in ``--state``):
the configure parameters and the installable/installed lists start as the docs' samples, and a reset
restores them.

Operations in progress (install, upgrade, update) are monitors at ``<service>/<n>`` whose status follows the
documented grammar ``[label|]state[;current[/end]](sub_oips)*`` and advances one step every
``step_seconds`` (install and upgrade: four download steps, then the install step; update: three steps).
Their effect (a package installed, the installable list refreshed) lands when they succeed, whether or not
anyone polls. Test controls, under ``/_emulator/provd`` (admin only), ``GET`` or ``PUT`` with any of:

- ``stepSeconds``: the pace (default 0.1; 0: done at once);
- ``failInstall``: ``{"<package id>": "download" | "install"}``: installs and upgrades of the package fail
  in that sub-operation;
- ``optionalServices``: which of ``"update"``/``"upgrade"`` the install service offers (default both);
- ``catalogue``: ``{"<package id>": {...}}``: the packages an update of the installable list finds
  (default: the docs' installable sample plus a few more plugins);
- ``authScheme``: ``"digest"`` (default) or ``"basic"``: the challenge a 401 carries (both are accepted).

``GET`` also answers ``monitors`` (the paths of the monitors not deleted yet), ``installed``,
``installable`` and ``config``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._http import Problem, endpoint, json_body

if TYPE_CHECKING:
    from .core import Emulator

__all__ = [
    "DEFAULT_STEP_SECONDS",
    "MEDIA_TYPE",
    "REALM",
    "ProvdState",
    "family_of",
    "provd_routes",
]

MEDIA_TYPE = "application/vnd.proformatique.provd+json"
REALM = "provd"
#: The default pace of operations in progress: an install takes about half a second.
DEFAULT_STEP_SECONDS = 0.1
_DOWNLOAD_STEPS = 4
_UPDATE_STEPS = 3
_SERVICE = "/provd/pg_mgr/install"
_OPTIONAL = ("upgrade", "update")  # in the order the docs list their links

_AASTRA_CAPABILITIES: dict[str, Any] = {
    "Aastra, 6730i, 3.3.1.5089": {"sip.lines": 6},
    "Aastra, 6731i, 3.3.1.2235": {"sip.lines": 6, "switchboard": True},
    "Aastra, 6735i, 3.3.1.5089": {"sip.lines": 9},
    "Aastra, 6737i, 3.3.1.5089": {"sip.lines": 9},
    "Aastra, 6739i, 3.3.1.2235": {"sip.lines": 9},
    "Aastra, 6753i, 3.3.1.2235": {"sip.lines": 9},
    "Aastra, 6755i, 3.3.1.2235": {"sip.lines": 9, "switchboard": True},
    "Aastra, 6757i, 3.3.1.2235": {"sip.lines": 9, "switchboard": True},
    "Aastra, 9143i, 3.3.1.2235": {"sip.lines": 9},
    "Aastra, 9480i, 3.3.1.2235": {"sip.lines": 9},
}
_AASTRA_DESCRIPTION = (
    "Plugin for Aastra 6730i, 6731i, 6735i, 6737i, 6739i, 6753i, 6755i, 6757i, 6757i CT, 9143i, 9480i, "
    "9480i CT in version 3.3.1 SP2."
)

#: The docs' "List Installable Packages" sample.
INSTALLABLE_SAMPLE: dict[str, dict[str, Any]] = {
    "null": {
        "capabilities": {"*, *, *": {"sip.lines": 0}},
        "description": "Plugin that offers no configuration service and rejects TFTP/HTTP requests.",
        "dsize": 1073,
        "sha1sum": "90b2fb6c2b135a9d539488b6a85779dd95e0e876",
        "version": "1.0",
    },
    "xivo-aastra-3.3.1-SP2": {
        "capabilities": _AASTRA_CAPABILITIES,
        "description": _AASTRA_DESCRIPTION,
        "dsize": 9397,
        "sha1sum": "68dbed6afa87cf624a89166bdc6bdf7413cb84df",
        "version": "1.1",
    },
}
#: The docs' "List Installed Packages" sample.
INSTALLED_SAMPLE: dict[str, dict[str, Any]] = {
    "xivo-aastra-3.3.1-SP2": {
        "capabilities": _AASTRA_CAPABILITIES,
        "description": _AASTRA_DESCRIPTION,
        "version": "1.1",
    }
}


def _plugin(vendor: str, model: str, firmware: str, dsize: int, version: str = "1.0") -> dict[str, Any]:
    return {
        "capabilities": {f"{vendor}, {model}, {firmware}": {"sip.lines": 12}},
        "description": f"Plugin for {vendor} {model} in version {firmware}.",
        "dsize": dsize,
        "sha1sum": hashlib.sha1(f"{vendor}-{model}-{firmware}".encode()).hexdigest(),  # noqa: S324 -- a sample
        "version": version,
    }


#: What an update of the installable list finds by default: the sample and a few more plugins.
CATALOGUE: dict[str, dict[str, Any]] = {
    **INSTALLABLE_SAMPLE,
    "xivo-polycom-4.0.4": _plugin("Polycom", "SPIP670", "4.0.4.2906", 24680),
    "xivo-polycom-4.0.9": _plugin("Polycom", "SPIP670", "4.0.9.0225", 25600, "1.2"),
    "xivo-cisco-spa-7.5.5": _plugin("Cisco", "SPA508G", "7.5.5", 8192),
}

#: The docs' "Get the Configuration" sample: ``(id, description, value)``.
CONFIG_SAMPLE: tuple[tuple[str, str, Any], ...] = (
    ("plugin_server", "The plugins repository URL", "http://provd.xivo.solutions/plugins/1/stable"),
    ("http_proxy", 'The proxy for HTTP requests. Format is "http://[user:password@]host:port"', None),
    ("ftp_proxy", 'The proxy for FTP requests. Format is "http://[user:password@]host:port"', None),
    ("https_proxy", 'The proxy for HTTPS requests. Format is "host:port"', None),
    ("locale", "The current locale. Example: fr_FR", None),
    ("NAT", "Set to 1 if all the devices are behind a NAT.", 0),
)

_FAMILY = re.compile(r"^(.+?)-(\d[A-Za-z0-9._-]*)$")


def family_of(package_id: str) -> str:
    """A plugin's family: its id without the trailing firmware version (``xivo-polycom-4.0.4`` ->
    ``xivo-polycom``); an id without a version is its own family."""
    match = _FAMILY.match(package_id)
    return match.group(1) if match else package_id


@dataclass
class _Oip:
    """One operation in progress: what it does, when it started, and where it fails (if it does)."""

    kind: str
    package: str | None
    started: float
    dsize: int = 0
    fail_in: str | None = None


@dataclass
class ProvdState:
    """Everything the emulated provd server knows (see the module docstring).

    Args:
        users: ``user -> password`` accepted; empty: no auth required.
    """

    users: dict[str, str] = field(default_factory=dict)
    step_seconds: float = DEFAULT_STEP_SECONDS
    fail_install: dict[str, str] = field(default_factory=dict)
    optional_services: tuple[str, ...] = _OPTIONAL
    auth_scheme: str = "digest"
    catalogue: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(CATALOGUE))
    config: dict[str, Any] = field(default_factory=lambda: {k: v for k, _, v in CONFIG_SAMPLE})
    installable: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(INSTALLABLE_SAMPLE))
    installed: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(INSTALLED_SAMPLE))
    monitors: dict[str, _Oip] = field(default_factory=dict)
    operations: list[_Oip] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    counter: int = 0
    clock: Callable[[], float] = time.monotonic

    def reset(self) -> None:
        """Back to the docs' samples and the default controls; the users stay."""
        fresh = ProvdState(users=self.users, clock=self.clock)
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    # -- operations in progress --------------------------------------------------------------------

    def start(self, kind: str, package: str | None) -> str:
        """Start an operation; returns its monitor's path."""
        self.counter += 1
        path = f"{_SERVICE}/{kind}/{self.counter}"
        dsize = int(self.installable.get(package or "", {}).get("dsize") or 1000)
        fail_in = self.fail_install.get(package or "") if kind in ("install", "upgrade") else None
        oip = _Oip(kind, package, self.clock(), dsize, fail_in)
        self.monitors[path] = oip
        self.operations.append(oip)
        self.settle()
        return path

    def _step(self, oip: _Oip) -> int:
        if self.step_seconds <= 0:
            return 1_000_000
        return int((self.clock() - oip.started) / self.step_seconds)

    def status(self, oip: _Oip) -> str:
        """The monitor's status string now (the documented grammar)."""
        k = self._step(oip)
        if oip.kind == "update":
            n = _UPDATE_STEPS
            return f"update|success;{n}/{n}" if k >= n else f"update|progress;{k}/{n}"
        d, label = oip.dsize, oip.kind
        if oip.fail_in == "download" and k >= 2:
            return f"{label}|fail(download|fail;{d // 2}/{d})(install|waiting)"
        if k < _DOWNLOAD_STEPS:
            return f"{label}|progress(download|progress;{d * k // _DOWNLOAD_STEPS}/{d})(install|waiting)"
        if k == _DOWNLOAD_STEPS:
            return f"{label}|progress(download|success;{d}/{d})(install|progress)"
        if oip.fail_in is not None:
            return f"{label}|fail(download|success;{d}/{d})(install|fail)"
        return f"{label}|success(download|success;{d}/{d})(install|success)"

    def settle(self) -> None:
        """Apply the effect of every operation that has succeeded by now, once each; deleting its monitor
        does not cancel an operation (as the docs say), so this walks the operations, not the monitors."""
        running = []
        for oip in self.operations:
            state = self.status(oip).partition("(")[0].partition(";")[0].rpartition("|")[2]
            if state == "success":
                self._apply(oip)
            elif state != "fail":
                running.append(oip)
        self.operations = running

    def _apply(self, oip: _Oip) -> None:
        if oip.kind == "update":
            self.installable = copy.deepcopy(self.catalogue)
            return
        package = oip.package or ""
        source = self.installable.get(package)
        if source is None:  # no longer installable (a later update dropped it): nothing to install
            return
        if oip.kind == "upgrade" and package not in self.installed:
            # The new version of an installed family replaces its installed member(s).
            for other in [p for p in self.installed if family_of(p) == family_of(package)]:
                del self.installed[other]
        self.installed[package] = {k: copy.deepcopy(v) for k, v in source.items() if k not in ("dsize", "sha1sum")}

    # -- auth --------------------------------------------------------------------------------------

    def challenge(self, *, stale: bool = False) -> dict[str, str]:
        """The ``WWW-Authenticate`` header of a 401."""
        if self.auth_scheme == "basic":
            return {"WWW-Authenticate": f'Basic realm="{REALM}"'}
        nonce = secrets.token_hex(16)
        if len(self.nonces) >= 10_000:  # bounded: forgotten nonces are answered as stale, and clients ask again
            self.nonces.clear()
        self.nonces.add(nonce)
        extra = ", stale=true" if stale else ""
        return {"WWW-Authenticate": f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5{extra}'}

    def authenticate(self, request: Request) -> None:
        """Pass when no users are configured or the request carries valid basic or digest credentials;
        else a 401 challenge."""
        if not self.users:
            return
        header = request.headers.get("authorization", "")
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(rest.strip(), validate=True).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                user, password = "", ""
            expected = self.users.get(user)
            if expected is not None and hmac.compare_digest(expected.encode(), password.encode()):
                return
            raise Problem(401, "wrong user name or password", self.challenge())
        if scheme.lower() == "digest":
            params = {
                m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(rest)
            }
            ok, stale = self._digest_ok(request, params)
            if ok:
                return
            raise Problem(401, "stale nonce" if stale else "wrong user name or password", self.challenge(stale=stale))
        raise Problem(401, "authentication required", self.challenge())

    def _digest_ok(self, request: Request, p: dict[str, str]) -> tuple[bool, bool]:
        password = self.users.get(p.get("username", ""))
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string", b"")
        target = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        if password is None or p.get("uri") != target or p.get("algorithm", "MD5").upper() != "MD5":
            return False, False

        def h(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 -- the digest scheme's hash

        ha1 = h(f"{p['username']}:{p.get('realm', '')}:{password}")
        ha2 = h(f"{request.method}:{target}")
        nonce = p.get("nonce", "")
        if p.get("qop") == "auth":
            expected = h(f"{ha1}:{nonce}:{p.get('nc', '')}:{p.get('cnonce', '')}:auth:{ha2}")
        else:
            expected = h(f"{ha1}:{nonce}:{ha2}")
        if p.get("realm") != REALM or not hmac.compare_digest(expected, p.get("response", "")):
            return False, False
        # Right credentials on a nonce we did not issue (or no longer know): stale, ask again.
        return (True, False) if nonce in self.nonces else (False, True)


_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')


def _answer(body: Any = None, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    return Response(content, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def _provd_body(request: Request) -> Any:
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind not in (MEDIA_TYPE, "application/json"):
        raise Problem(415, f"Content-Type must be {MEDIA_TYPE}")
    return await json_body(request)


def _package_id(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"]:
        raise Problem(400, 'id: required, a package id such as {"id": "xivo-polycom-4.0.4"}')
    return str(body["id"])


def _links(rel_hrefs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"href": href, "rel": rel} for rel, href in rel_hrefs]


def provd_routes(emu: Emulator, admin_prefix: str) -> list[Route]:
    """The ``/provd/...`` routes of ``emu`` (and ``<admin_prefix>/provd`` when admin is enabled)."""
    state = emu.provd

    def api(run: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Any:
            state.authenticate(request)
            state.settle()
            return await run(request)

        return endpoint(guarded)

    async def configure(request: Request) -> Any:
        params = [
            {
                "description": description,
                "id": pid,
                "links": _links([("srv.configure.param", f"/provd/configure/{pid}")]),
                "value": state.config.get(pid),
            }
            for pid, description, _ in CONFIG_SAMPLE
        ]
        return _answer({"params": params})

    async def param(request: Request) -> Any:
        pid = request.path_params["param"]
        if pid not in state.config:
            raise Problem(404, f"no configuration parameter {pid!r}")
        if request.method == "GET":
            return _answer({"param": {"value": state.config[pid]}})
        body = await _provd_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("param"), dict) or "value" not in body["param"]:
            raise Problem(400, 'param.value: required, as in {"param": {"value": ...}}')
        value = body["param"]["value"]
        state.config[pid] = _checked_value(pid, value)
        return _answer(status=204)

    async def install_service(request: Request) -> Any:
        rels = [
            "install",
            "uninstall",
            "installed",
            "installable",
            *[s for s in _OPTIONAL if s in state.optional_services],
        ]
        return _answer({"links": _links([(f"srv.install.{r}", f"{_SERVICE}/{r}") for r in rels])})

    async def listing(request: Request) -> Any:
        which = request.url.path.rpartition("/")[2]
        return _answer({"pkgs": state.installed if which == "installed" else state.installable})

    async def install(request: Request) -> Any:
        package = _package_id(await _provd_body(request))
        if package not in state.installable:
            raise Problem(400, f"id: {package!r} is not an installable package (update the installable list?)")
        return _answer(status=201, headers={"Location": state.start("install", package)})

    async def uninstall(request: Request) -> Any:
        package = _package_id(await _provd_body(request))
        if package not in state.installed:
            raise Problem(400, f"id: {package!r} is not installed")
        del state.installed[package]
        return _answer(status=204)

    async def upgrade(request: Request) -> Any:
        if "upgrade" not in state.optional_services:
            raise Problem(404, "this installation service offers no upgrade")
        package = _package_id(await _provd_body(request))
        family = [p for p in state.installed if family_of(p) == family_of(package)]
        if package not in state.installable or not family:
            raise Problem(400, f"id: {package!r} is not installable, or no package of its family is installed")
        return _answer(status=201, headers={"Location": state.start("upgrade", package)})

    async def update(request: Request) -> Any:
        if "update" not in state.optional_services:
            raise Problem(404, "this installation service offers no update")
        await _provd_body(request)
        return _answer(status=201, headers={"Location": state.start("update", None)})

    async def monitor(request: Request) -> Any:
        path = f"{_SERVICE}/{request.path_params['kind']}/{request.path_params['n']}"
        oip = state.monitors.get(path)
        if oip is None:
            raise Problem(404, f"no operation in progress at {path}")
        if request.method == "DELETE":
            del state.monitors[path]
            return _answer(status=204)
        return _answer({"status": state.status(oip)})

    async def admin(request: Request) -> Any:
        if request.method == "PUT":
            _configure(state, await json_body(request))
        return {
            "success": True,
            "stepSeconds": state.step_seconds,
            "failInstall": state.fail_install,
            "optionalServices": list(state.optional_services),
            "authScheme": state.auth_scheme,
            "monitors": sorted(state.monitors),
            "installed": sorted(state.installed),
            "installable": sorted(state.installable),
            "config": state.config,
        }

    routes = [
        Route("/provd/configure", api(configure), methods=["GET"]),
        Route("/provd/configure/{param}", api(param), methods=["GET", "PUT"]),
        Route(_SERVICE, api(install_service), methods=["GET"]),
        Route(f"{_SERVICE}/installable", api(listing), methods=["GET"]),
        Route(f"{_SERVICE}/installed", api(listing), methods=["GET"]),
        Route(f"{_SERVICE}/install", api(install), methods=["POST"]),
        Route(f"{_SERVICE}/uninstall", api(uninstall), methods=["POST"]),
        Route(f"{_SERVICE}/upgrade", api(upgrade), methods=["POST"]),
        Route(f"{_SERVICE}/update", api(update), methods=["POST"]),
        Route(f"{_SERVICE}/{{kind:str}}/{{n:int}}", api(monitor), methods=["GET", "DELETE"]),
    ]
    if emu.admin:
        routes.append(Route(f"{admin_prefix}/provd", endpoint(admin), methods=["GET", "PUT"]))
    return routes


def _checked_value(pid: str, value: Any) -> Any:
    """A parameter's new value: a string, a number or null; ``NAT`` takes 0 or 1 (400 otherwise)."""
    if isinstance(value, bool) or not (value is None or isinstance(value, str | int | float)):
        raise Problem(400, f"param.value: {pid} takes a string, a number or null")
    if isinstance(value, float) and not math.isfinite(value):
        raise Problem(400, f"param.value: {pid} takes a finite number")
    if pid == "NAT" and value not in (0, 1):
        raise Problem(400, "param.value: NAT takes 0 or 1")
    return value


def _configure(state: ProvdState, body: Any) -> None:
    known = {"stepSeconds", "failInstall", "optionalServices", "catalogue", "authScheme"}
    if not isinstance(body, dict) or not set(body) <= known:
        raise Problem(400, f"(body): expected an object with any of {sorted(known)}")
    pace = body.get("stepSeconds", state.step_seconds)
    if isinstance(pace, bool) or not isinstance(pace, int | float) or not math.isfinite(pace) or pace < 0:
        raise Problem(400, "stepSeconds: must be a number >= 0")
    fail = body.get("failInstall", state.fail_install)
    if not isinstance(fail, dict) or not all(v in ("download", "install") for v in fail.values()):
        raise Problem(400, 'failInstall: expected {"<package id>": "download" | "install"}')
    optional = body.get("optionalServices", list(state.optional_services))
    if not isinstance(optional, list) or not set(optional) <= set(_OPTIONAL):
        raise Problem(400, 'optionalServices: expected a list of "update" and/or "upgrade"')
    catalogue = body.get("catalogue", state.catalogue)
    if not isinstance(catalogue, dict) or not all(isinstance(v, dict) for v in catalogue.values()):
        raise Problem(400, 'catalogue: expected {"<package id>": {"version": ..., ...}}')
    scheme = body.get("authScheme", state.auth_scheme)
    if scheme not in ("digest", "basic"):
        raise Problem(400, 'authScheme: "digest" or "basic"')
    state.step_seconds, state.fail_install, state.auth_scheme = float(pace), dict(fail), scheme
    state.optional_services, state.catalogue = tuple(optional), copy.deepcopy(catalogue)
