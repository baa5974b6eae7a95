"""Client for the SDK's real dynamic-provider host (``python -u -m pulumi.dynamic``).

:class:`ProviderHost` starts the host process, reads the gRPC port it prints on stdout,
and speaks the ``pulumirpc.ResourceProvider`` protocol to it the way the engine's
``sdk/go/common/resource/plugin/provider_plugin.go`` does:

* ``Handshake`` (the Python host answers UNIMPLEMENTED, which the engine tolerates),
  ``GetPluginInfo``, then ``Configure`` with the *whole* stack config, namespaces kept
  (``iotcomms:token``), secret values wrapped as secrets in ``args`` and the legacy
  ``variables`` map keyed ``pulumi-python:config:<key>`` -- what ``deploy.Target.
  GetPackageConfig`` + ``provider.Configure`` send for the ``pulumi-python`` package.
* Every later call strips secrets when the host said ``acceptSecrets: false`` (it does)
  and re-applies secretness to the results with ``annotateSecrets``; unknowns are only
  sent when ``allow_unknowns`` (preview), otherwise dropped.
* ``Diff``/``Update`` get old *outputs* as ``olds`` plus ``oldInputs``; ``Read`` gets
  old outputs as ``properties`` plus ``inputs``; ``Delete`` gets outputs plus ``oldInputs``.
* A failed call's status is read as grpc-go reads it (``internal/status.NewWithProto``): a
  ``grpc-status-details-bin`` trailer whose ``google.rpc.Status`` has the call's code replaces the
  status (its message included); one with another code makes the call fail with ``INTERNAL``
  ("grpc-status-details-bin mismatch"). A ``Create``/``Update``/``Read`` failing with an
  ``ErrorResourceInitFailed`` detail is a partial failure (``parseError`` in
  ``pkg/resource/plugin/provider_plugin.go``): :class:`PartialFailureError`, whose message is the
  engine's ``InitError`` (the reasons; the provider's own message is not shown).

The channel takes what the engine's client takes (:data:`CHANNEL_OPTIONS`: 16 MiB of metadata,
400 MiB messages). Every call carries a gRPC deadline (``call_timeout``); the process is killed on
:meth:`ProviderHost.close`. All calls are recorded in :attr:`ProviderHost.calls`.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, TypeVar

import grpc  # type: ignore[import-untyped, unused-ignore]
from google.protobuf import empty_pb2  # type: ignore[import-untyped, unused-ignore]
from google.rpc import status_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from .props import (
    PropertyMap,
    Secret,
    annotate_secrets,
    from_struct,
    go_property_string,
    reveal,
    to_struct,
)

__all__ = [
    "CHANNEL_OPTIONS",
    "DYNAMIC_PACKAGE",
    "INIT_FAILED_TYPE",
    "STATUS_DETAILS_KEY",
    "CheckFailedError",
    "CheckOutcome",
    "ConfigValue",
    "DiffChanges",
    "DiffOutcome",
    "HarnessError",
    "HostStartupError",
    "PartialFailureError",
    "ProviderCall",
    "ProviderError",
    "ProviderHost",
    "ReadOutcome",
    "RpcStatus",
    "default_pythonpath",
    "init_error_message",
    "rpc_status",
    "urn_name_and_type",
]

DYNAMIC_PACKAGE = "pulumi-python"
"""The package name of the Python dynamic provider (its default provider's package)."""

ConfigValue = str | Secret
"""A stack config value: a string, or a :class:`Secret` wrapping a string."""

T = TypeVar("T")


class HarnessError(Exception):
    """Base class for errors raised by the harness."""


class ProviderError(HarnessError):
    """A provider gRPC call failed; ``message`` is the provider's own error text."""

    def __init__(self, method: str, urn: str, message: str, details: str = "") -> None:
        """Build from the failing method, the resource URN and the provider's message."""
        self.method = method
        self.urn = urn
        self.message = message
        self.details = details or message
        super().__init__(f"{method} failed for {urn}: {message}")


def init_error_message(reasons: Sequence[str]) -> str:
    """The engine's message for a partial failure: ``plugin.InitError.Error()``, the reasons listed
    by ``hashicorp/go-multierror`` (``1 error occurred:\n\t* <reason>\n\n``), or ``resource init failed``."""
    if not reasons:
        return "resource init failed"
    count = "1 error" if len(reasons) == 1 else f"{len(reasons)} errors"
    points = "\n\t".join(f"* {reason}" for reason in reasons)
    return f"{count} occurred:\n\t{points}\n\n"


class PartialFailureError(ProviderError):
    """``Create``/``Update``/``Read`` failed with an ``ErrorResourceInitFailed`` detail: the resource
    exists as ``id`` with ``outputs`` (deserialized like a successful call's, secrets re-annotated), and
    did not become what was asked for, for ``reasons`` (its init errors). ``inputs`` are the detail's
    (``None`` when it has none; the engine ignores them for Create and Update). ``message`` is the engine's
    (:func:`init_error_message`); ``details`` keep the provider's traceback."""

    def __init__(
        self,
        method: str,
        urn: str,
        id_: str,
        outputs: PropertyMap,
        inputs: PropertyMap | None,
        reasons: Sequence[str],
        details: str = "",
    ) -> None:
        """Build from the failing method, the resource URN and the ``ErrorResourceInitFailed`` detail."""
        self.id = id_
        self.outputs = outputs
        self.inputs = inputs
        self.reasons = list(reasons)
        super().__init__(method, urn, init_error_message(self.reasons), details)


class CheckFailedError(ProviderError):
    """``Check`` returned failures; ``failures`` holds ``(property, reason)`` pairs.

    The message is what the engine prints for them (``issueCheckFailures`` in
    ``pkg/resource/deploy/step_generator.go``, formats from ``sdk/go/common/diag/errors.go``),
    one line per failure: ``<type> resource '<name>': property <property> value <value> has a
    problem: <reason>``, where ``<value>`` is ``inputs[property]`` (the resource's inputs as the
    program gave them; secrets redacted, a nested path -- not a key -- shows ``{<nil>}``), or
    ``<type> resource '<name>' has a problem: <reason>`` when the failure names no property.
    """

    def __init__(self, urn: str, failures: Sequence[tuple[str, str]], inputs: Mapping[str, Any] | None = None) -> None:
        """Build from the failures reported by ``Check`` and the inputs the engine shows."""
        self.failures = list(failures)
        name, typ = urn_name_and_type(urn)
        shown = inputs or {}
        lines = [
            f"{typ} resource '{name}': property {prop} value {go_property_string(shown.get(prop))} "
            f"has a problem: {reason}"
            if prop
            else f"{typ} resource '{name}' has a problem: {reason}"
            for prop, reason in self.failures
        ]
        text = "\n".join(lines)
        self.method = "Check"
        self.urn = urn
        self.message = text
        self.details = text
        HarnessError.__init__(self, text)


class HostStartupError(HarnessError):
    """The provider host process could not be started or did not become ready."""


@dataclass
class ProviderCall:
    """One recorded gRPC call to the provider host, with the (secret-stripped) payload."""

    method: str
    urn: str
    request: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class CheckOutcome:
    """Result of ``Check``: validated inputs and ``(property, reason)`` failures."""

    inputs: PropertyMap
    failures: list[tuple[str, str]]


DiffChanges = Literal["none", "some", "unknown"]


@dataclass
class DiffOutcome:
    """Result of ``Diff`` as the engine's ``plugin.DiffResult``."""

    changes: DiffChanges
    replaces: list[str] = field(default_factory=list)
    stables: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class ReadOutcome:
    """Result of ``Read``: empty ``id`` means the resource no longer exists."""

    id: str
    outputs: PropertyMap
    inputs: PropertyMap | None
    init_errors: list[str] = field(default_factory=list)
    """The reasons of a partial failure (the resource read, but unhealthy); empty otherwise."""


def urn_name_and_type(urn: str) -> tuple[str, str]:
    """``(URN.Name(), URN.Type())`` of ``urn:pulumi:stack::project::[parent$]type::name``
    (a name may itself contain ``::``)."""
    parts = urn.split("::", 3)
    if len(parts) < 4:
        return urn, ""
    return parts[3], parts[2].split("$")[-1]


CHANNEL_OPTIONS = (
    # grpc-go's client takes a header (and trailer) list of up to 16 MiB (defaultClientMaxHeaderListSize);
    # grpc-core's default is 8 KiB (16 KiB hard), which would refuse a partial failure's state.
    ("grpc.max_metadata_size", 16 << 20),
    ("grpc.absolute_max_metadata_size", 16 << 20),
    # the engine's plugin clients take messages of up to 400 MiB (rpcutil.GrpcChannelOptions); grpc-core 4 MiB
    ("grpc.max_receive_message_length", 400 << 20),
)
"""Options of the channel to the provider host: the limits of the engine's gRPC client."""

STATUS_DETAILS_KEY = "grpc-status-details-bin"
"""The trailer carrying a ``google.rpc.Status`` with error details."""

INIT_FAILED_TYPE = "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"
"""``Any.type_url`` of the partial-failure detail."""


@dataclass
class RpcStatus:
    """A failed call's status as the engine's gRPC client (grpc-go) sees it."""

    code: Any
    """A ``grpc.StatusCode``."""
    message: str
    init_failed: provider_pb2.ErrorResourceInitFailed | None = None


def rpc_status(err: grpc.RpcError) -> RpcStatus:
    """``status.FromError`` of grpc-go: the ``grpc-status-details-bin`` trailer, when it decodes to a
    ``google.rpc.Status`` with the call's code, *is* the status (message and details); with another
    code the call fails with ``INTERNAL`` (``internal/status.NewWithProto``)."""
    code, message = err.code(), str(err.details() or "")
    trailers = [value for key, value in (err.trailing_metadata() or ()) if key == STATUS_DETAILS_KEY]
    if len(trailers) != 1:
        return RpcStatus(code, message)
    status = status_pb2.Status()
    try:
        status.ParseFromString(bytes(trailers[0]))
    except Exception:  # not a google.rpc.Status: grpc-go ignores it
        return RpcStatus(code, message)
    if status.code != code.value[0]:
        return RpcStatus(
            grpc.StatusCode.INTERNAL,
            f"grpc-status-details-bin mismatch: grpc-status={code.name}, grpc-message={message!r}, "
            f"grpc-status-details-bin code={status.code}",
        )
    for detail in status.details:
        if detail.type_url == INIT_FAILED_TYPE:
            init_failed = provider_pb2.ErrorResourceInitFailed()
            init_failed.ParseFromString(detail.value)
            return RpcStatus(code, status.message, init_failed)
    return RpcStatus(code, status.message)


def _last_line(details: str) -> str:
    """The provider's exception as Python prints it (``pkg.Error: message``, its further lines and
    notes), taken from the end of the traceback the SDK's host sends; the last line otherwise."""
    text = details.strip()
    _, header, last = text.rpartition("Traceback (most recent call last):")
    if header:
        lines = last.splitlines()
        # Frames are indented; the exception starts at the first line that is not.
        start = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith(" ")), None)
        if start is not None:
            return "\n".join(lines[start:]).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else details


class ProviderHost:
    """A running ``python -u -m pulumi.dynamic`` process and a gRPC client for it."""

    def __init__(
        self,
        *,
        config: Mapping[str, ConfigValue],
        project: str,
        env: Mapping[str, str] | None = None,
        pythonpath: Sequence[str | os.PathLike[str]] = (),
        cwd: str | os.PathLike[str] | None = None,
        call_timeout: float = 120.0,
        startup_timeout: float = 60.0,
        python: str = sys.executable,
    ) -> None:
        """Describe the host; nothing is started until :meth:`start` (or ``with``)."""
        self.config = dict(config)
        self.project = project
        self.env = dict(env or {})
        self.pythonpath = [str(p) for p in pythonpath]
        self.cwd = str(cwd) if cwd is not None else os.getcwd()
        self.call_timeout = call_timeout
        self.startup_timeout = startup_timeout
        self.python = python
        self.calls: list[ProviderCall] = []
        self.stdout_lines: list[str] = []
        self.accept_secrets = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: Any = None
        self._stub: provider_pb2_grpc.ResourceProviderStub | None = None
        self._stderr: IO[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._calls_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> ProviderHost:
        """Start the host."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the host."""
        self.close()

    @property
    def pid(self) -> int | None:
        """The host's process id (``None`` when not running)."""
        return self._proc.pid if self._proc is not None else None

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        paths = [*self.pythonpath, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        # What provider_plugin.go's NewProvider adds for every plugin it launches.
        env["PULUMI_PROJECT"] = self.project
        return env

    def start(self) -> None:
        """Launch the host, wait for its port, connect, and configure it."""
        if self._proc is not None:
            return
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._proc = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.dynamic"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=self._environment(),
            cwd=self.cwd,
        )
        ports: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read_stdout, args=(ports,), daemon=True)
        self._reader.start()
        try:
            try:
                line = ports.get(timeout=self.startup_timeout)
            except queue.Empty:
                raise HostStartupError(
                    f"provider host printed no port within {self.startup_timeout}s\n{self.stderr_text()}"
                ) from None
            if line is None or not line.strip().isdigit():
                raise HostStartupError(f"provider host did not print a port ({line!r})\n{self.stderr_text()}")
            self._channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}", options=CHANNEL_OPTIONS)
            grpc.channel_ready_future(self._channel).result(timeout=self.startup_timeout)
            self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
            self._handshake()
            self._configure()
        except BaseException:
            self.close()
            raise

    def _read_stdout(self, ports: queue.Queue[str | None]) -> None:
        proc = self._proc
        if proc is None or proc.stdout is None:
            ports.put(None)
            return
        first = True
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            if first:
                ports.put(line)
                first = False
            else:
                self.stdout_lines.append(line)
        if first:
            ports.put(None)

    def stderr_text(self) -> str:
        """Everything the host wrote to stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def close(self) -> None:
        """Close the channel, kill the process and reap it (idempotent)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
            self._stub = None
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if self._reader is not None:
                self._reader.join(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        self._reader = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # -- plumbing --------------------------------------------------------------------------

    def _call(self, method: str, urn: str, request: dict[str, Any], fn: Callable[[], T]) -> T:
        """Make one call; a failure raises :class:`ProviderError`, or :class:`PartialFailureError` for
        an ``ErrorResourceInitFailed`` detail on ``Create``/``Update``/``Read`` (its outputs and inputs
        deserialized, secrets not yet re-annotated)."""
        if self._stub is None:
            raise HarnessError("provider host is not running")
        record = ProviderCall(method=method, urn=urn, request=request)
        with self._calls_lock:
            self.calls.append(record)
        started = time.monotonic()
        try:
            return fn()
        except grpc.RpcError as err:
            status = rpc_status(err)
            details = str(err.details() or "")
            if status.code == grpc.StatusCode.DEADLINE_EXCEEDED:
                message = f"timed out after {self.call_timeout}s"
            else:
                message = _last_line(status.message) or str(status.code)
            init_failed = status.init_failed
            if init_failed is not None and method in ("Create", "Update", "Read"):
                partial = PartialFailureError(
                    method,
                    urn,
                    str(init_failed.id),
                    from_struct(init_failed.properties) if init_failed.HasField("properties") else {},
                    from_struct(init_failed.inputs) if init_failed.HasField("inputs") else None,
                    list(init_failed.reasons),
                    details,
                )
                record.error = partial.message
                raise partial from None
            record.error = message
            raise ProviderError(method, urn, message, details) from None
        finally:
            record.seconds = time.monotonic() - started

    def _wire(self, props: PropertyMap, *, keep_unknowns: bool) -> Any:
        return to_struct(props, keep_secrets=self.accept_secrets, keep_unknowns=keep_unknowns)

    def _logged(self, props: PropertyMap) -> PropertyMap:
        return props if self.accept_secrets else reveal(props)

    @property
    def stub(self) -> provider_pb2_grpc.ResourceProviderStub:
        """The raw gRPC stub (for tests poking the protocol directly)."""
        if self._stub is None:
            raise HarnessError("provider host is not running")
        return self._stub

    def _handshake(self) -> None:
        try:
            self.stub.Handshake(
                provider_pb2.ProviderHandshakeRequest(configure_with_urn=True, supports_views=True),
                timeout=self.call_timeout,
            )
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.UNIMPLEMENTED:  # engine falls back, as we do
                raise HostStartupError(f"Handshake failed: {err.details()}") from None
        self.stub.GetPluginInfo(empty_pb2.Empty(), timeout=self.call_timeout)

    def _configure(self) -> None:
        args: PropertyMap = dict(self.config)
        variables = {
            f"{DYNAMIC_PACKAGE}:config:{key}": str(value.value if isinstance(value, Secret) else value)
            for key, value in self.config.items()
        }
        request = provider_pb2.ConfigureRequest(
            variables=variables,
            args=to_struct(args, keep_secrets=True, keep_unknowns=True),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
        )
        resp = self._call(
            "Configure",
            "",
            {"args": reveal(args)},
            lambda: self.stub.Configure(request, timeout=self.call_timeout),
        )
        self.accept_secrets = bool(resp.acceptSecrets)

    # -- resource provider calls -------------------------------------------------------------

    def check(self, urn: str, olds: PropertyMap, news: PropertyMap, *, allow_unknowns: bool) -> CheckOutcome:
        """``Check(olds, news)``; unknowns are only sent when ``allow_unknowns``."""
        name, typ = urn_name_and_type(urn)
        request = provider_pb2.CheckRequest(
            urn=urn,
            name=name,
            type=typ,
            olds=self._wire(olds, keep_unknowns=allow_unknowns),
            news=self._wire(news, keep_unknowns=allow_unknowns),
        )
        resp = self._call(
            "Check",
            urn,
            {"olds": self._logged(olds), "news": self._logged(news)},
            lambda: self.stub.Check(request, timeout=self.call_timeout),
        )
        inputs = from_struct(resp.inputs) if resp.HasField("inputs") else {}
        if not self.accept_secrets:
            inputs = annotate_secrets(inputs, news)
        return CheckOutcome(inputs, [(f.property, f.reason) for f in resp.failures])

    def diff(
        self,
        urn: str,
        id_: str,
        old_inputs: PropertyMap,
        old_outputs: PropertyMap,
        new_inputs: PropertyMap,
        *,
        allow_unknowns: bool,
        ignore_changes: Sequence[str] = (),
    ) -> DiffOutcome:
        """``Diff``: ``olds`` are the old *outputs*, ``oldInputs`` the old inputs."""
        name, typ = urn_name_and_type(urn)
        request = provider_pb2.DiffRequest(
            id=id_,
            urn=urn,
            name=name,
            type=typ,
            olds=self._wire(old_outputs, keep_unknowns=allow_unknowns),
            news=self._wire(new_inputs, keep_unknowns=allow_unknowns),
            old_inputs=self._wire(old_inputs, keep_unknowns=allow_unknowns),
            ignoreChanges=list(ignore_changes),
        )
        resp = self._call(
            "Diff",
            urn,
            {
                "olds": self._logged(old_outputs),
                "news": self._logged(new_inputs),
                "old_inputs": self._logged(old_inputs),
            },
            lambda: self.stub.Diff(request, timeout=self.call_timeout),
        )
        changes: DiffChanges = {
            provider_pb2.DiffResponse.DIFF_NONE: "none",
            provider_pb2.DiffResponse.DIFF_SOME: "some",
        }.get(resp.changes, "unknown")  # type: ignore[assignment]
        return DiffOutcome(
            changes=changes,
            replaces=list(resp.replaces),
            stables=list(resp.stables),
            diffs=list(resp.diffs),
            delete_before_replace=bool(resp.deleteBeforeReplace),
        )

    def create(self, urn: str, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        """``Create``; returns the new id and the outputs (secrets re-annotated). A partial failure
        raises :class:`PartialFailureError` with its outputs re-annotated the same way -- or, without an
        id, the engine's "empty resource.ID" error (nothing exists to record)."""
        name, typ = urn_name_and_type(urn)
        request = provider_pb2.CreateRequest(
            urn=urn,
            name=name,
            type=typ,
            properties=self._wire(inputs, keep_unknowns=False),
        )
        try:
            resp = self._call(
                "Create",
                urn,
                {"properties": self._logged(inputs)},
                lambda: self.stub.Create(request, timeout=self.call_timeout),
            )
        except PartialFailureError as err:
            if not err.id:
                raise ProviderError("Create", urn, _empty_id_message(urn), err.details) from None
            if not self.accept_secrets:
                err.outputs = annotate_secrets(err.outputs, inputs)
            raise
        if not resp.id:
            raise ProviderError("Create", urn, _empty_id_message(urn))
        outputs = from_struct(resp.properties)
        if not self.accept_secrets:
            outputs = annotate_secrets(outputs, inputs)
        return str(resp.id), outputs

    def update(
        self,
        urn: str,
        id_: str,
        old_inputs: PropertyMap,
        old_outputs: PropertyMap,
        new_inputs: PropertyMap,
        *,
        ignore_changes: Sequence[str] = (),
    ) -> PropertyMap:
        """``Update``: ``olds`` are old outputs; returns new outputs. A partial failure raises
        :class:`PartialFailureError`, outputs re-annotated like a successful call's (its ``id`` is the
        provider's; the engine keeps the old one)."""
        name, typ = urn_name_and_type(urn)
        request = provider_pb2.UpdateRequest(
            id=id_,
            urn=urn,
            name=name,
            type=typ,
            olds=self._wire(old_outputs, keep_unknowns=False),
            news=self._wire(new_inputs, keep_unknowns=False),
            old_inputs=self._wire(old_inputs, keep_unknowns=False),
            ignoreChanges=list(ignore_changes),
        )
        try:
            resp = self._call(
                "Update",
                urn,
                {"olds": self._logged(old_outputs), "news": self._logged(new_inputs)},
                lambda: self.stub.Update(request, timeout=self.call_timeout),
            )
        except PartialFailureError as err:
            if not self.accept_secrets:
                err.outputs = annotate_secrets(err.outputs, new_inputs)
            raise
        outputs = from_struct(resp.properties)
        if not self.accept_secrets:
            outputs = annotate_secrets(outputs, new_inputs)
        return outputs

    def delete(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> None:
        """``Delete`` with the old outputs as ``properties`` and inputs as ``oldInputs``."""
        name, typ = urn_name_and_type(urn)
        request = provider_pb2.DeleteRequest(
            id=id_,
            urn=urn,
            name=name,
            type=typ,
            properties=self._wire(outputs, keep_unknowns=False),
            old_inputs=self._wire(inputs, keep_unknowns=False),
        )
        self._call(
            "Delete",
            urn,
            {"id": id_, "properties": self._logged(outputs)},
            lambda: self.stub.Delete(request, timeout=self.call_timeout),
        )

    def read(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> ReadOutcome:
        """``Read`` (refresh): prior outputs as ``properties``, prior inputs as ``inputs``. A partial
        failure is no error (``RefreshStep.Apply``): the detail's id, outputs and inputs are the read
        state and its reasons the outcome's ``init_errors``."""
        name, typ = urn_name_and_type(urn)
        request = provider_pb2.ReadRequest(
            id=id_,
            urn=urn,
            name=name,
            type=typ,
            properties=self._wire(outputs, keep_unknowns=False),
            inputs=self._wire(inputs, keep_unknowns=False),
        )
        init_errors: list[str] = []
        try:
            resp = self._call(
                "Read",
                urn,
                {"id": id_, "properties": self._logged(outputs), "inputs": self._logged(inputs)},
                lambda: self.stub.Read(request, timeout=self.call_timeout),
            )
            read_id = str(resp.id or "")
            new_outputs = from_struct(resp.properties)
            new_inputs = from_struct(resp.inputs) if resp.HasField("inputs") else None
        except PartialFailureError as err:
            read_id, new_outputs, new_inputs, init_errors = err.id, err.outputs, err.inputs, err.reasons
        if not self.accept_secrets:
            new_outputs = annotate_secrets(new_outputs, outputs)
            if new_inputs is not None:
                new_inputs = annotate_secrets(new_inputs, inputs)
        return ReadOutcome(read_id, new_outputs, new_inputs, init_errors)


def _empty_id_message(urn: str) -> str:
    """``provider.Create``'s error for a create (or partially failed one) without an id."""
    return f"plugin returned empty resource.ID from create '{urn}'"


def default_pythonpath(extra: Sequence[str | os.PathLike[str]] = ()) -> list[str]:
    """``sys.path`` entries outside the interpreter's own prefixes, plus ``extra``.

    That is what a test process added (the repo root via pytest's ``pythonpath``, the
    program directory...), i.e. what the host needs to import pickled-by-reference classes.
    """
    prefixes = {os.path.realpath(p) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}}
    result: list[str] = [str(Path(p)) for p in extra]
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        real = os.path.realpath(entry)
        if any(real == p or real.startswith(p + os.sep) for p in prefixes):
            continue
        if real not in result:
            result.append(real)
    return result
