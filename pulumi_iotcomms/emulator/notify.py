"""Event delivery: the emulated platform's alarms and SIP events, sent where the domain's notification
settings say (contract.DECISIONS ``notify.*``).

- ``useHttpEvents`` true: an HTTP ``POST`` of the event's JSON body to ``alarmEventsRestEndpoint`` (alarms)
  or ``sipEventsRestEndpoint`` (SIP events), signed with the first ``restAuthentication`` object the
  receiver accepts, retried on 5xx and network errors (three retries) within ``httpTimeout`` ms.
- otherwise: an SNS ``Publish`` of the body to ``alarmTopic`` / ``sipEventsTopic`` through boto3, against
  the ``--aws-endpoint`` URL (a moto or LocalStack server) or real AWS when none is given, retried three times.

Deliveries run on one background thread, in the order the events happened (an alarm's ``Set`` reaches a
receiver before its ``Clear``), so a slow or failing receiver never delays or fails an API request. Each
delivery is recorded (``GET /_emulator/deliveries``) and every failure is logged to the
``pulumi_iotcomms.emulator.notify`` logger.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import jwt

__all__ = ["CALLBACK_TOKEN_SECONDS", "HTTP_TIMEOUT_MS", "RETRY_DELAYS", "Delivery", "EventKind", "Notifier", "route"]

log = logging.getLogger(__name__)

EventKind = Literal["alarm", "sipEvent"]
#: The total callback time when the settings give no ``httpTimeout``.
HTTP_TIMEOUT_MS = 10_000
#: Pauses before the three retries of a delivery.
RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0)
#: Lifetime of the JWTs that sign callbacks.
CALLBACK_TOKEN_SECONDS = 300

_DESTINATIONS: dict[EventKind, tuple[str, str]] = {
    "alarm": ("alarmEventsRestEndpoint", "alarmTopic"),
    "sipEvent": ("sipEventsRestEndpoint", "sipEventsTopic"),
}


class _Permanent(Exception):
    """A failure a retry cannot fix (refused authentication, a 4xx answer, a forbidden URL)."""


@dataclass
class Delivery:
    """One event on its way to a receiver.

    ``channel`` is ``http``, ``sns`` or ``none`` (the settings name no destination for this kind of event);
    ``status`` goes ``pending`` -> ``delivered`` or ``failed`` (``undeliverable`` when the channel is
    ``none``). ``auth`` is the index of the ``restAuthentication`` object the receiver accepted.
    """

    id: int
    domain: str
    kind: EventKind
    channel: Literal["http", "sns", "none"]
    target: str | None
    body: dict[str, Any]
    status: Literal["pending", "delivered", "failed", "undeliverable"] = "pending"
    attempts: int = 0
    error: str | None = None
    auth: int | None = None
    settings: dict[str, Any] = field(default_factory=dict, repr=False)

    def snapshot(self) -> dict[str, Any]:
        """The delivery as ``GET /_emulator/deliveries`` shows it (the settings, holding secrets, left out)."""
        return {
            "id": self.id,
            "domain": self.domain,
            "kind": self.kind,
            "channel": self.channel,
            "target": self.target,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "auth": self.auth,
            "body": self.body,
        }


def route(settings: Mapping[str, Any], kind: EventKind) -> tuple[Literal["http", "sns", "none"], str | None]:
    """Where an event of ``kind`` goes under ``settings``: ``(channel, URL or topic ARN)``."""
    endpoint_key, topic_key = _DESTINATIONS[kind]
    if settings.get("useHttpEvents") is True:
        url = settings.get(endpoint_key)
        return ("http", url) if isinstance(url, str) and url else ("none", None)
    topic = settings.get(topic_key)
    return ("sns", topic) if isinstance(topic, str) and topic else ("none", None)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _callback_headers(domain: str, auth: Mapping[str, Any], now: float) -> dict[str, str]:
    """The headers one ``restAuthentication`` object puts on a callback: its ``requestHeaders``, and a bearer
    JWT (``sub``, ``scope``, ``domain``) signed with its ``secret`` (RS256: a PEM private key; HS256: the shared
    secret) when it has one."""
    headers = {str(k): str(v) for k, v in (auth.get("requestHeaders") or {}).items()}
    secret = auth.get("secret")
    if not secret:
        return headers
    algorithm = auth.get("type") or "HS256"
    if algorithm not in ("RS256", "HS256"):
        raise _Permanent(f"type: {algorithm!r} is not a signing type the emulator supports (RS256, HS256)")
    claims = {"iss": "iotcomms.io", "domain": domain, "iat": int(now), "exp": int(now) + CALLBACK_TOKEN_SECONDS}
    claims.update({k: auth[k] for k in ("sub", "scope") if auth.get(k)})
    try:
        token = jwt.encode(claims, secret, algorithm=algorithm)
    except (ValueError, TypeError, jwt.PyJWTError):
        raise _Permanent(f"secret: cannot sign {algorithm} with it (RS256 needs a PEM private key)") from None
    headers["Authorization"] = f"Bearer {token}"
    return headers


class Notifier:
    """Delivers events on a background thread (started by the first event) and records each delivery.

    Args:
        aws_endpoint: the SNS endpoint URL (moto, LocalStack); None: AWS itself, by boto3's usual
            configuration (region from the topic's ARN, credentials from the environment).
        allow_loopback_http: accept ``http://`` callback URLs to loopback hosts (tests); otherwise a
            callback URL must be ``https://``.
        retry_delays: pauses before each retry.
    """

    def __init__(
        self,
        *,
        aws_endpoint: str | None = None,
        allow_loopback_http: bool = False,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.aws_endpoint = aws_endpoint
        self.allow_loopback_http = allow_loopback_http
        self.retry_delays = tuple(retry_delays)
        self._lock = threading.Lock()
        self._records: list[Delivery] = []
        self._next_id = 1
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._sns: dict[str, Any] = {}
        self._idle = threading.Condition(self._lock)
        self._busy = 0

    # -- submitting and observing ---------------------------------------------------------------------

    def submit(self, domain: str, settings: Mapping[str, Any], kind: EventKind, body: Mapping[str, Any]) -> Delivery:
        """Queue ``body`` for delivery as ``settings`` (the domain's, as they are now) say; never blocks."""
        channel, target = route(settings, kind)
        with self._lock:
            delivery = Delivery(self._next_id, domain, kind, channel, target, dict(body), settings=dict(settings))
            self._next_id += 1
            self._records.append(delivery)
            if channel == "none":
                delivery.status = "undeliverable"
                delivery.error = f"the notification settings of {domain} name no destination for {kind} events"
                log.warning("%s event of %s not delivered: %s", kind, domain, delivery.error)
                return delivery
            self._busy += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="iotcomms-notify", daemon=True)
                self._thread.start()
        self._queue.put(delivery)
        return delivery

    def deliveries(self) -> list[dict[str, Any]]:
        """Every delivery so far, oldest first."""
        with self._lock:
            return [d.snapshot() for d in self._records]

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no delivery is pending; False when ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def clear(self) -> None:
        """Forget the recorded deliveries (those still pending are still attempted, unrecorded)."""
        with self._lock:
            self._records = []

    def close(self) -> None:
        """Stop the delivery thread after the deliveries already queued."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)

    # -- the delivery thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        while (delivery := self._queue.get()) is not None:
            try:
                self._deliver(delivery)
            except Exception as exc:  # a delivery bug must not stop every later delivery
                log.exception("delivery %d failed unexpectedly", delivery.id)
                self._finish(delivery, "failed", f"unexpected error: {type(exc).__name__}")

    def _finish(self, delivery: Delivery, status: Literal["delivered", "failed"], error: str | None) -> None:
        with self._idle:
            delivery.status, delivery.error = status, error
            self._busy -= 1
            self._idle.notify_all()
        if status == "failed":
            log.warning(
                "%s event %d of %s to %s failed after %d attempt(s): %s",
                delivery.kind,
                delivery.id,
                delivery.domain,
                delivery.target,
                delivery.attempts,
                error,
            )

    def _deliver(self, delivery: Delivery) -> None:
        send = self._post if delivery.channel == "http" else self._publish
        budget_ms = delivery.settings.get("httpTimeout") if delivery.channel == "http" else None
        budget = (budget_ms if isinstance(budget_ms, int) and budget_ms > 0 else HTTP_TIMEOUT_MS) / 1000
        deadline = time.monotonic() + budget
        error = ""
        for attempt in range(1 + len(self.retry_delays)):
            if attempt:
                delay = self.retry_delays[attempt - 1]
                if delivery.channel == "http" and time.monotonic() + delay >= deadline:
                    break  # httpTimeout is the total time, retries included
                time.sleep(delay)
            delivery.attempts = attempt + 1
            try:
                send(delivery, max(0.1, deadline - time.monotonic()))
            except _Permanent as exc:
                self._finish(delivery, "failed", str(exc))
                return
            except Exception as exc:  # network errors, 5xx, SNS faults: retried
                error = str(exc) or type(exc).__name__
                continue
            self._finish(delivery, "delivered", None)
            return
        self._finish(delivery, "failed", error)

    def _post(self, delivery: Delivery, timeout: float) -> None:
        url = delivery.target or ""
        parts = urlsplit(url)
        if parts.scheme == "http":
            if not (self.allow_loopback_http and _is_loopback(parts.hostname or "")):
                raise _Permanent(
                    f"{url}: callbacks are sent by HTTPS only (http:// to a loopback host needs the "
                    "emulator's --allow-loopback-http flag)"
                )
        elif parts.scheme != "https" or not parts.hostname:
            raise _Permanent(f"{url}: not an https:// URL")
        auths = [a for a in delivery.settings.get("restAuthentication") or [] if isinstance(a, Mapping)] or [{}]
        payload = json.dumps(delivery.body).encode()
        refused = ""
        for index, auth in enumerate(auths):
            try:
                headers = _callback_headers(delivery.domain, auth, time.time())
            except _Permanent as exc:
                refused = f"restAuthentication[{index}].{exc}"
                continue
            headers["Content-Type"] = "application/json"
            answer = httpx.post(url, content=payload, headers=headers, timeout=timeout, follow_redirects=False)
            if answer.status_code in (401, 403):
                refused = f"HTTP {answer.status_code} with restAuthentication[{index}]"
                continue  # the next authentication object, as the service does
            if answer.status_code >= 500:
                raise RuntimeError(f"HTTP {answer.status_code}")
            if answer.status_code >= 300:
                raise _Permanent(f"HTTP {answer.status_code}")
            delivery.auth = index if delivery.settings.get("restAuthentication") else None
            return
        raise _Permanent(f"every authentication was refused ({refused})")

    def _publish(self, delivery: Delivery, timeout: float) -> None:
        del timeout
        arn = delivery.target or ""
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "sns":
            raise _Permanent(f"{arn}: not an SNS topic ARN")
        self._sns_client(parts[3]).publish(TopicArn=arn, Message=json.dumps(delivery.body))

    def _sns_client(self, region: str) -> Any:
        client = self._sns.get(region)
        if client is None:
            import boto3  # only a deployment that publishes to SNS needs it

            client = boto3.client("sns", region_name=region or None, endpoint_url=self.aws_endpoint)
            self._sns[region] = client
        return client
