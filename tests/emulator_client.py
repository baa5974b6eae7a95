"""A plain httpx client for tests that talk to the emulator directly (API calls and admin controls)."""

from __future__ import annotations

import ssl
from types import TracebackType
from typing import Any

import httpx

DOMAIN = "acme.example"
TOKEN = "test-token-acme"
OTHER_DOMAIN = "other.example"
OTHER_TOKEN = "test-token-other"

# Building an SSL context costs ~30 ms, and tests make a client each; the emulator is plain HTTP anyway.
_SSL = ssl.create_default_context()


class EmulatorClient:
    """Calls the emulator as ``DOMAIN`` by default; ``admin`` helpers use ``/_emulator``."""

    def __init__(self, url: str, token: str = TOKEN) -> None:
        self.url = url
        self.token = token
        self.http = httpx.Client(base_url=url, timeout=10, verify=_SSL)

    def call(self, method: str, path: str, *, token: str | None = None, auth: bool = True, **kw: Any) -> httpx.Response:
        """One API request; ``path`` includes the base path, e.g. ``/provisioning/device/acme.example``."""
        headers = dict(kw.pop("headers", {}) or {})
        if auth:
            headers.setdefault("Authorization", f"Bearer {token or self.token}")
        return self.http.request(method, path, headers=headers, **kw)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        """A request that must succeed; returns the JSON body."""
        resp = self.call(method, path, **kw)
        assert resp.status_code == 200, (resp.status_code, resp.text)
        return resp.json()

    def fail(self, method: str, path: str, status: int, field: str | None = None, **kw: Any) -> str:
        """A request that must fail with ``status`` and the error body; returns the reason.

        With ``field``, the reason must start with ``"<field>:"``.
        """
        resp = self.call(method, path, **kw)
        assert resp.status_code == status, (resp.status_code, resp.text)
        body = resp.json()
        assert body["success"] is False, body
        assert isinstance(body["reason"], str), body
        if field is not None:
            assert body["reason"].startswith(f"{field}:"), body["reason"]
        return str(body["reason"])

    # admin
    def reset(self) -> None:
        self.http.post("/_emulator/reset").raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        return list(self.http.get("/_emulator/requests").json()["requests"])

    def clear_requests(self) -> None:
        self.http.delete("/_emulator/requests").raise_for_status()

    def faults(self, **config: Any) -> dict[str, Any]:
        resp = self.http.put("/_emulator/faults", json=config)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def set_bulk_pace(self, rows_per_second: float) -> float:
        """Make bulk jobs apply ``rows_per_second`` rows a second (0 or less: as fast as possible); returns the
        pace as set. A reset restores the default."""
        resp = self.http.put("/_emulator/bulk", json={"rowsPerSecond": rows_per_second})
        assert resp.status_code == 200, resp.text
        return float(resp.json()["rowsPerSecond"])

    def reject_bulk_rows(self, reasons: dict[str, str]) -> None:
        """Make bulk jobs refuse the rows of these device ids with ``deviceId: <reason>`` (a reset clears it)."""
        resp = self.http.put("/_emulator/bulk", json={"rejectDeviceIds": reasons})
        assert resp.status_code == 200, resp.text

    def set_clock_offset(self, seconds: float) -> float:
        """Shift the clock that expires cache entries by ``seconds`` (a reset sets it back to 0); returns the
        emulator's shifted time."""
        resp = self.http.put("/_emulator/clock", json={"offsetSeconds": seconds})
        assert resp.status_code == 200, resp.text
        return float(resp.json()["now"])

    def objects(self) -> dict[str, Any]:
        return dict(self.http.get("/_emulator/objects").json()["objects"])

    def set_host(self, site_id: str, host_id: str, domain: str = DOMAIN, **fields: Any) -> dict[str, Any]:
        """Give a commissioned host ``activeCalls``/``state`` (as if calls happened)."""
        resp = self.http.put(f"/_emulator/hosts/{domain}/{site_id}/{host_id}", json=fields)
        assert resp.status_code == 200, resp.text
        return dict(resp.json()["host"])

    def set_calls(
        self, site_id: str, host_id: str, active_calls: int, drain_per_read: int = 1, domain: str = DOMAIN
    ) -> dict[str, Any]:
        """Give a host ``active_calls`` that, once it is drained, end ``drain_per_read`` per site listing."""
        body = {"activeCalls": active_calls, "drainPerRead": drain_per_read}
        resp = self.http.put(f"/_emulator/hosts/{domain}/{site_id}/{host_id}/calls", json=body)
        assert resp.status_code == 200, resp.text
        return dict(resp.json()["host"])

    def seed_siprec(self, number: str, domain: str = DOMAIN) -> None:
        """Put ``number`` in the SIPREC fallback cache."""
        self.http.put(f"/_emulator/siprecfallback/{domain}/{number}").raise_for_status()

    def set_statistics(
        self,
        buckets: list[dict[str, Any]],
        stat_type: str = "cdr_siprec",
        bucketsize: str = "day",
        domain: str = DOMAIN,
    ) -> list[dict[str, Any]]:
        """Set the buckets ``GET /provisioning/statistics/{domain}/{type}/{bucketsize}`` answers; returns them
        as stored."""
        resp = self.http.put(f"/_emulator/statistics/{domain}/{stat_type}/{bucketsize}", json={"statistics": buckets})
        assert resp.status_code == 200, resp.text
        return list(resp.json()["statistics"])

    def add_sip_logs(self, items: list[dict[str, Any]], domain: str = DOMAIN) -> int:
        """Add items for ``POST /provisioning/logs/{domain}/sip`` to answer; returns how many the domain has."""
        resp = self.http.post(f"/_emulator/siplogs/{domain}", json={"logItems": items})
        assert resp.status_code == 200, resp.text
        return int(resp.json()["count"])

    def raise_alarm(self, site_id: str, domain: str = DOMAIN, **fields: Any) -> dict[str, Any]:
        """A site of ``domain`` raises a service alarm (``fields``: wire names, e.g. ``error="lowMemory"``);
        returns ``{"alarm": ..., "delivery": ...}``."""
        resp = self.http.post("/_emulator/alarms", json={"domain": domain, "siteId": site_id, **fields})
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def sip_event(self, event: dict[str, Any], domain: str = DOMAIN) -> dict[str, Any]:
        """The platform emits a SIP event of ``domain``; returns its delivery."""
        resp = self.http.post("/_emulator/sipevents", json={"domain": domain, "event": event})
        assert resp.status_code == 200, resp.text
        return dict(resp.json()["delivery"])

    def deliveries(self, wait: float = 15.0) -> list[dict[str, Any]]:
        """Every event delivery, oldest first, once none is pending (or ``wait`` seconds passed)."""
        resp = self.http.get("/_emulator/deliveries", params={"wait": wait}, timeout=wait + 10)
        assert resp.status_code == 200, resp.text
        return list(resp.json()["deliveries"])

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> EmulatorClient:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
