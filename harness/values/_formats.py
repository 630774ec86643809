"""String formats: a generator for each format JSON Schema and the providers name."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Callable
from uuid import UUID

from harness.values._sources import Source
from harness.values._vocabulary import _esc

# Each makes strings valid for the format and accepted by the pydantic type that emits it
# (datetime, date, time, timedelta, UUID, IPv4Address, AnyUrl/HttpUrl, ...).

_TLDS = ("com", "org", "net", "io", "dev")
_LABEL = "abcdefghijklmnopqrstuvwxyz0123456789"
_SEGMENT = _LABEL + "-._~"


def _label(src: Source, longest: int = 10) -> str:
    n = src.integer(1, longest)
    chars = [_LABEL[src.index(len(_LABEL))] for _ in range(n)]
    if n > 2 and src.index(4) == 3:
        chars[src.integer(1, n - 2)] = "-"
    return "".join(chars)


def _hostname(src: Source) -> str:
    return ".".join([*(_label(src) for _ in range(src.integer(1, 3))), src.choice(_TLDS)])


def _idn_hostname(src: Source) -> str:
    if src.index(3) == 2:
        return f"{src.choice(('bücher', 'münchen', 'пример', 'δοκιμή'))}.{src.choice(_TLDS)}"
    return _hostname(src)


def _email(src: Source) -> str:
    local = _label(src, 12).replace("-", src.choice(("-", ".", "+", "_")))
    return f"{local}@{_hostname(src)}"


def _name_email(src: Source) -> str:
    return f"{_label(src).capitalize()} <{_email(src)}>"


def _segment(src: Source) -> str:
    chars = [_SEGMENT[src.index(len(_SEGMENT))] for _ in range(src.integer(1, 8))]
    if src.index(6) == 5:
        chars.append("%C3%A9")  # a percent-encoded é
    return "".join(chars)


def _uri(src: Source) -> str:
    host = _hostname(src) if src.index(5) < 4 else _ipv4(src)
    port = f":{src.integer(1, 65535)}" if src.index(4) == 3 else ""
    path = "".join("/" + _segment(src) for _ in range(src.integer(0, 3)))
    query = f"?{_segment(src)}={_segment(src)}" if src.index(3) == 2 else ""
    fragment = f"#{_segment(src)}" if src.index(4) == 3 else ""
    return f"{src.choice(('https', 'http'))}://{host}{port}{path}{query}{fragment}"


def _uri_reference(src: Source) -> str:
    kind = src.index(3)
    if kind == 0:
        return _uri(src)
    path = "/".join(_segment(src) for _ in range(src.integer(1, 3)))
    return f"/{path}" if kind == 1 else f"{path}?{_segment(src)}"


def _year(src: Source) -> int:
    return src.integer(1970, 2038) if src.index(3) < 2 else src.integer(1, 9999)


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _date(src: Source) -> str:
    if src.index(6) == 5:  # 29 February
        year = src.choice((1972, 2000, 2024, 2096, 2400))
        return f"{year:04d}-02-29"
    year, month = _year(src), src.integer(1, 12)
    return f"{year:04d}-{month:02d}-{src.integer(1, _days_in(year, month)):02d}"


def _time(src: Source) -> str:
    text = f"{src.integer(0, 23):02d}:{src.integer(0, 59):02d}:{src.integer(0, 59):02d}"
    digits = src.index(3)  # none, milliseconds or microseconds
    if digits:
        width = 3 * digits
        text += f".{src.integer(0, 10**width - 1):0{width}d}"
    kind = src.index(3)
    if kind == 0:
        return text + "Z"
    sign = "-" if src.boolean() else "+"
    minutes = src.choice((0, 30, 45, 59)) if kind == 2 else 0
    return f"{text}{sign}{src.integer(0, 23):02d}:{minutes:02d}"


def _date_time(src: Source) -> str:
    return f"{_date(src)}T{_time(src)}"


def _duration(src: Source) -> str:
    """RFC 3339's duration grammar (units in a run, no fractions), which pydantic's timedelta reads too."""

    def number() -> int:
        return src.integer(0, 99) if src.index(4) < 3 else src.integer(0, 9999)

    def run(units: str) -> str:
        start = src.index(len(units))
        stop = src.integer(start + 1, len(units))
        return "".join(f"{number()}{u}" for u in units[start:stop])

    kind = src.index(3)
    if kind == 2:
        return f"P{number()}W"
    if kind == 1:
        return "PT" + run("HMS")
    text = "P" + _date_run(src, number)
    if src.index(3) == 2:
        text += "T" + run("HMS")
    return text


def _date_run(src: Source, number: Callable[[], int]) -> str:
    # dur-date is D, M[D] or Y[M[D]]: a run ending anywhere but starting at Y, M or D; simplest "0D"
    start = ("D", "M", "Y")[src.index(3)]
    units = {"D": "D", "M": "MD", "Y": "YMD"}[start]
    stop = src.integer(1, len(units))
    return "".join(f"{number()}{u}" for u in units[:stop])


def _uuid(version: int) -> Callable[[Source], str]:
    def make(src: Source) -> str:
        n = src.index(2**128)
        n = (n & ~(0xF << 76)) | (version << 76)  # version nibble
        n = (n & ~(0xC << 60)) | (0x8 << 60)  # RFC 4122 variant
        return str(UUID(int=n))

    return make


def _ipv4(src: Source) -> str:
    return ".".join(str(src.integer(0, 255)) for _ in range(4))


def _ipv6(src: Source) -> str:
    kind = src.index(3)
    if kind == 0:
        return str(ipaddress.IPv6Address(src.integer(0, 0xFFFF)))  # "::", "::1", ...
    if kind == 1:
        return str(ipaddress.IPv6Address(src.index(2**128)))
    return str(ipaddress.IPv6Address((0xFFFF << 32) | src.integer(0, 2**32 - 1)))  # IPv4-mapped


def _ip_any(src: Source) -> str:
    return _ipv6(src) if src.boolean() else _ipv4(src)


def _network(version: int, interface: bool) -> Callable[[Source], str]:
    bits = 32 if version == 4 else 128

    def make(src: Source) -> str:
        prefix = src.integer(0, bits)
        address = src.index(2**bits)
        if interface:
            if version == 4:
                return str(ipaddress.IPv4Interface((address, prefix)))
            return str(ipaddress.IPv6Interface((address, prefix)))
        mask = ((1 << bits) - 1) ^ ((1 << (bits - prefix)) - 1)
        if version == 4:
            return str(ipaddress.IPv4Network((address & mask, prefix)))
        return str(ipaddress.IPv6Network((address & mask, prefix)))

    return make


def _network_any(interface: bool) -> Callable[[Source], str]:
    v4, v6 = _network(4, interface), _network(6, interface)
    return lambda src: v6(src) if src.boolean() else v4(src)


def _json_pointer(src: Source) -> str:
    tokens = ["".join(src.choice("ab~/0") for _ in range(src.integer(0, 3))) for _ in range(src.integer(0, 3))]
    return "".join("/" + _esc(t) for t in tokens)


def _relative_json_pointer(src: Source) -> str:
    return f"{src.integer(0, 3)}{'#' if src.index(3) == 2 else _json_pointer(src)}"


def _base64(urlsafe: bool) -> Callable[[Source], str]:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return lambda src: encode(bytes(src.integer(0, 255) for _ in range(src.integer(0, 12)))).decode("ascii")


_REGEXES = ("", ".*", "^[a-z]+$", "\\d{2,4}", "(ab|cd)*", "[^\\s]+")

_FORMATS: dict[str, Callable[[Source], str]] = {
    "date-time": _date_time,
    "date": _date,
    "time": _time,
    "duration": _duration,
    "email": _email,
    "idn-email": _email,
    "name-email": _name_email,
    "hostname": _hostname,
    "idn-hostname": _idn_hostname,
    "uri": _uri,
    "iri": _uri,
    "uri-reference": _uri_reference,
    "iri-reference": _uri_reference,
    "uuid": _uuid(4),
    **{f"uuid{v}": _uuid(v) for v in range(1, 9)},
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "ipvanyaddress": _ip_any,
    "ipv4network": _network(4, False),
    "ipv6network": _network(6, False),
    "ipvanynetwork": _network_any(False),
    "ipv4interface": _network(4, True),
    "ipv6interface": _network(6, True),
    "ipvanyinterface": _network_any(True),
    "json-pointer": _json_pointer,
    "relative-json-pointer": _relative_json_pointer,
    "regex": lambda src: src.choice(_REGEXES),
    "byte": _base64(False),
    "base64": _base64(False),
    "base64url": _base64(True),
}
# Formats any string satisfies (pydantic's bytes, SecretStr, Path; OpenAPI's password).
_PLAIN_FORMATS = frozenset({"binary", "password", "path", "text"})
