"""Python source for generated programs, already in the shape ``ruff format`` gives it (default settings).

A value is rendered on one line when the line fits in :data:`LINE_LENGTH` columns; otherwise its
brackets are exploded, one item per line with a trailing comma (which ``ruff format`` keeps as a "magic
trailing comma"). Strings use double quotes unless the text holds more double than single quotes, as
ruff prefers. So the export needs no formatter at run time and writes the same bytes everywhere.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["LINE_LENGTH", "Call", "Code", "lines", "literal", "width"]

LINE_LENGTH = 88
"""``ruff format``'s default line length: the generated project carries no formatter settings."""
_INDENT = "    "


@dataclass(frozen=True)
class Code:
    """A Python expression written as is (a name, an attribute, a call without brackets to split)."""

    text: str


@dataclass(frozen=True)
class Call:
    """A call: ``func(*args, **kwargs)``, split over lines like a collection when it does not fit."""

    func: str
    args: Sequence[Any] = ()
    kwargs: Sequence[tuple[str, Any]] = ()


def width(text: str) -> int:
    """Columns ``text`` takes, as ruff counts them (East Asian wide and fullwidth characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _string(text: str) -> str:
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + quote)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif not ch.isprintable() or unicodedata.category(ch) in ("Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return quote + "".join(out) + quote


def literal(value: Any) -> str:
    """``value`` (JSON data, :class:`Code`, :class:`Call`) as one line of Python."""
    if isinstance(value, Code):
        return value.text
    if isinstance(value, Call):
        parts = [literal(a) for a in value.args] + [f"{k}={literal(v)}" for k, v in value.kwargs]
        return f"{value.func}({', '.join(parts)})"
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("JSON has no NaN or Infinity")
        return repr(value).replace("e+", "e")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def _items(value: Any) -> tuple[str, str, list[tuple[str, Any]]] | None:
    """The brackets and ``(prefix, item)`` pairs of a value that can be split over lines."""
    if isinstance(value, Call):
        items = [("", a) for a in value.args] + [(f"{k}=", v) for k, v in value.kwargs]
        return (f"{value.func}(", ")", items) if items else None
    if isinstance(value, Mapping) and value:
        return "{", "}", [(f"{literal(k)}: ", v) for k, v in value.items()]
    if isinstance(value, (list, tuple)) and value:
        return "[", "]", [("", v) for v in value]
    return None


def lines(value: Any, indent: int = 0, head: str = "", tail: str = "") -> list[str]:
    """``head + value + tail`` as lines at ``indent`` levels: one line when it fits, else exploded."""
    pad = _INDENT * indent
    flat = f"{pad}{head}{literal(value)}{tail}"
    split = _items(value)
    if split is None or width(flat) <= LINE_LENGTH:
        return [flat]
    opening, closing, items = split
    out = [f"{pad}{head}{opening}"]
    for prefix, item in items:
        out += lines(item, indent + 1, prefix, ",")
    out.append(f"{pad}{closing}{tail}")
    return out
