"""The emulator's document store: JSON documents in memory, optionally written through to SQLite.

Documents are kept as JSON text so every read returns a private copy and persistence is a byte copy.
All access takes one lock; the server handles requests on one event loop, but tests and the bulk
worker may touch the store from other threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["Store"]

Doc = dict[str, Any]


class Store:
    """Collections of JSON documents, addressed by ``(collection, domain, key)``.

    Args:
        path: SQLite file to persist every write to; ``None`` keeps everything in memory.
    """

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.RLock()
        self._data: dict[tuple[str, str], dict[str, str]] = {}
        self._versions: dict[str, int] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS docs (coll TEXT, domain TEXT, key TEXT, body TEXT,"
                " PRIMARY KEY (coll, domain, key))"
            )
            for coll, domain, key, body in self._db.execute("SELECT coll, domain, key, body FROM docs"):
                self._data.setdefault((coll, domain), {})[key] = body

    def get(self, coll: str, domain: str, key: str) -> Doc | None:
        """Return a copy of the document, or None."""
        with self._lock:
            raw = self._data.get((coll, domain), {}).get(key)
        return None if raw is None else dict(json.loads(raw))

    def put(self, coll: str, domain: str, key: str, doc: Doc) -> None:
        """Create or replace a document."""
        raw = json.dumps(doc, separators=(",", ":"))
        with self._lock:
            self._data.setdefault((coll, domain), {})[key] = raw
            self._bump(coll)
            if self._db is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO docs (coll, domain, key, body) VALUES (?, ?, ?, ?)",
                    (coll, domain, key, raw),
                )

    def delete(self, coll: str, domain: str, key: str) -> bool:
        """Delete a document; True when it existed."""
        with self._lock:
            existed = self._data.get((coll, domain), {}).pop(key, None) is not None
            self._bump(coll)
            if existed and self._db is not None:
                self._db.execute("DELETE FROM docs WHERE coll = ? AND domain = ? AND key = ?", (coll, domain, key))
        return existed

    def keys(self, coll: str, domain: str, prefix: str = "") -> list[str]:
        """Sorted keys of a collection in a domain, optionally only those starting with ``prefix``."""
        with self._lock:
            return sorted(k for k in self._data.get((coll, domain), {}) if k.startswith(prefix))

    def page(
        self, coll: str, domain: str, *, after: str | None, limit: int, prefix: str = ""
    ) -> tuple[list[tuple[str, Doc]], str | None]:
        """One page of ``(key, doc)`` in key order after ``after``; the second item is the last key when
        more remain."""
        keys = [k for k in self.keys(coll, domain, prefix) if after is None or k > after]
        chosen = keys[:limit]
        items = [(k, doc) for k in chosen if (doc := self.get(coll, domain, k)) is not None]
        return items, (chosen[-1] if len(keys) > limit else None)

    def version(self, coll: str) -> int:
        """A number that changes whenever anything in ``coll`` changes (for caches)."""
        with self._lock:
            return self._versions.get(coll, 0)

    def _bump(self, coll: str) -> None:
        self._versions[coll] = self._versions.get(coll, 0) + 1

    def scan(self, coll: str | None = None) -> Iterator[tuple[str, str, str, Doc]]:
        """Every document (of ``coll``, or of all collections) as ``(collection, domain, key, doc)``."""
        with self._lock:
            snapshot = [
                (c, d, k, raw)
                for (c, d), docs in self._data.items()
                if coll is None or c == coll
                for k, raw in docs.items()
            ]
        for coll, domain, key, raw in snapshot:
            yield coll, domain, key, json.loads(raw)

    def clear(self) -> None:
        """Remove every document."""
        with self._lock:
            for c, _d in self._data:
                self._bump(c)
            self._data.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM docs")

    def close(self) -> None:
        """Close the SQLite file, if any."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
