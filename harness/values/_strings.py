"""Strings and plain values: the character pools, and keys for comparing JSON values."""

from __future__ import annotations

from typing import Any

from harness.values._sources import Source

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ASCII = _LOWER + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_NON_ASCII = "éüßçñøåÆœΩλπΣЖяЩ中文字日本語한국עבعربي😀🎉🚀🤖🧪\u0301\u200b\u00a0\u3000"
_POOLS = (_LOWER, _ASCII, _ASCII + _NON_ASCII, _NON_ASCII + " \t\n")
_PADS = "  \t\n\u00a0"


def _plain(src: Source, lo: int, hi: int) -> str:
    n = src.integer(lo, min(hi, lo + 16))
    if n == 0:
        return ""
    chars = _chars(src, n)
    pad = src.index(12) - 8  # one string in four: 1 leading, 2 trailing, 3 both whitespace
    if pad > 0 and pad & 1:
        chars[0] = src.choice(_PADS)
    if pad > 0 and pad & 2:
        chars[-1] = src.choice(_PADS)
    return "".join(chars)


def _chars(src: Source, n: int) -> list[str]:
    pool = _POOLS[src.index(len(_POOLS))]
    size = len(pool)
    return [pool[src.index(size)] for _ in range(n)]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _key(value: Any) -> Any:
    """A hashable form under JSON equality: ``1 == 1.0``, ``true != 1``."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("o", frozenset((k, _key(v)) for k, v in value.items()))
    return ("?", repr(value))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
