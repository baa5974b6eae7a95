"""Seeded fault injection and the request log, as one outermost ASGI middleware.

Each API request (not ``/_emulator/*``, not OPTIONS) draws once from a seeded RNG and gets at most one
fault: a random 5xx, a 429 with Retry-After, a dropped connection (closed without an answer), or, for
writes, apply-then-fail (the write commits, then the answer is replaced by a 502). Latency is drawn
separately. The same seed and the same request sequence give the same faults.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["FaultConfig", "FaultInjector", "FaultMiddleware", "RequestLog"]

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class FaultConfig:
    """Fault rates (0..1 each, drawn in this order) and their parameters."""

    seed: int = 0
    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503])
    rate_limit_rate: float = 0.0
    retry_after_s: float = 1.0
    drop_rate: float = 0.0
    apply_then_fail_rate: float = 0.0
    latency_ms: float = 0.0
    latency_rate: float = 1.0
    methods: list[str] | None = None
    """Only requests with these methods draw faults (all when None)."""
    skip: int = 0
    """The first ``skip`` requests that would draw get none (e.g. let a create's first read through)."""

    @classmethod
    def parse(cls, body: Any) -> FaultConfig:
        """Build from a JSON body; ValueError names the bad field."""
        if not isinstance(body, dict):
            raise ValueError("(body): must be a JSON object")
        known = set(cls.__dataclass_fields__)
        for key in body:
            if key not in known:
                raise ValueError(f"{key}: unknown fault setting (known: {', '.join(sorted(known))})")
        cfg = cls(**body)
        for name in ("error_rate", "rate_limit_rate", "drop_rate", "apply_then_fail_rate", "latency_rate"):
            value = getattr(cfg, name)
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"{name}: must be a number from 0 to 1")
        total = cfg.error_rate + cfg.rate_limit_rate + cfg.drop_rate + cfg.apply_then_fail_rate
        if total > 1:
            raise ValueError("error_rate: the fault rates add up to more than 1")
        if not cfg.error_statuses or any(not 500 <= int(s) <= 599 for s in cfg.error_statuses):
            raise ValueError("error_statuses: must be a non-empty list of 5xx codes")
        if cfg.latency_ms < 0 or cfg.retry_after_s < 0:
            raise ValueError("latency_ms: must not be negative")
        if cfg.methods is not None and (
            not isinstance(cfg.methods, list) or not all(isinstance(m, str) and m.isupper() for m in cfg.methods)
        ):
            raise ValueError("methods: must be a list of HTTP methods such as GET")
        if not isinstance(cfg.skip, int) or cfg.skip < 0:
            raise ValueError("skip: must be a non-negative integer")
        return cfg


class FaultInjector:
    """Draws faults from a seeded RNG and counts what it injected."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.configure(FaultConfig())

    def configure(self, cfg: FaultConfig) -> None:
        """Replace the configuration, reseed, and reset the counters."""
        with self._lock:
            self.config = cfg
            self._rng = random.Random(cfg.seed)
            self._skipped = 0
            self.injected: Counter[str] = Counter()

    def draw(self, method: str) -> tuple[str | None, float, int]:
        """Return ``(fault kind or None, latency seconds, error status)`` for one request."""
        with self._lock:
            cfg = self.config
            if cfg.methods is not None and method not in cfg.methods:
                return None, 0.0, 0
            if self._skipped < cfg.skip:
                self._skipped += 1
                return None, 0.0, 0
            r, r_latency, r_status = self._rng.random(), self._rng.random(), self._rng.random()
            latency = cfg.latency_ms / 1000 if cfg.latency_ms and r_latency < cfg.latency_rate else 0.0
            kind: str | None = None
            for name, rate in (
                ("error", cfg.error_rate),
                ("rate_limit", cfg.rate_limit_rate),
                ("drop", cfg.drop_rate),
                ("apply_then_fail", cfg.apply_then_fail_rate),
            ):
                if r < rate:
                    kind = name
                    break
                r -= rate
            if kind == "apply_then_fail" and method not in WRITES:
                kind = None
            status = cfg.error_statuses[int(r_status * len(cfg.error_statuses))]
            if kind:
                self.injected[kind] += 1
            if latency:
                self.injected["latency"] += 1
            return kind, latency, status

    def snapshot(self) -> dict[str, Any]:
        """Configuration and counters, for ``GET /_emulator/faults``."""
        with self._lock:
            return {"config": asdict(self.config), "injected": dict(self.injected)}


class RequestLog:
    """The last requests the API answered: method, path, query, status, body."""

    def __init__(self, size: int = 20000) -> None:
        self._lock = threading.Lock()
        self._items: deque[dict[str, Any]] = deque(maxlen=size)

    def add(self, item: dict[str, Any]) -> None:
        """Record one exchange."""
        with self._lock:
            self._items.append(item)

    def items(self) -> list[dict[str, Any]]:
        """Everything recorded, oldest first."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget everything recorded."""
        with self._lock:
            self._items.clear()


def _error_message(status: int, reason: str, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    body = json.dumps({"success": False, "reason": reason}).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]
    return [
        {"type": "http.response.start", "status": status, "headers": head},
        {"type": "http.response.body", "body": body},
    ]


def _drop_connection(send: Send) -> bool:
    # uvicorn's send is a bound method of the request cycle, which holds the socket's transport.
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    transport.abort()
    return True


class FaultMiddleware:
    """Outermost middleware: CORS preflight, fault injection and request logging."""

    def __init__(self, app: ASGIApp, injector: FaultInjector, log: RequestLog, admin_prefix: str) -> None:
        self.app = app
        self.injector = injector
        self.log = log
        self.admin_prefix = admin_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.admin_prefix):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        entry: dict[str, Any] = {
            "method": method,
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": None,
            "body": _loggable(body),
            "fault": None,
        }
        kind, latency, status = (None, 0.0, 0) if method == "OPTIONS" else self.injector.draw(method)
        entry["fault"] = kind
        if latency:
            await asyncio.sleep(latency)

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        if kind == "drop" and _drop_connection(send):
            entry["status"] = 0
            self.log.add(entry)
            return
        if kind in ("error", "rate_limit"):
            if kind == "rate_limit":
                status = 429
                headers = [(b"retry-after", _fmt(self.injector.config.retry_after_s).encode())]
                reason = "rate limit exceeded"
            else:
                headers, reason = [], "injected server error"
            for msg in _error_message(status, reason, headers):
                await send(msg)
            entry["status"] = status
            self.log.add(entry)
            return

        captured: dict[str, Any] = {}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
            if kind != "apply_then_fail":
                await send(message)

        await self.app(scope, replay, capture)
        entry["status"] = captured.get("status")
        if kind == "apply_then_fail":
            for msg in _error_message(502, "bad gateway", []):
                await send(msg)
            entry["applied_status"], entry["status"] = entry["status"], 502
        self.log.add(entry)


def _fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def _loggable(body: bytes) -> Any:
    if not body:
        return None
    if len(body) > 65536:
        return f"<{len(body)} bytes>"
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", "replace")
