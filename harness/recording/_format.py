"""The cassette file: YAML a reviewer can read, and a vcrpy serializer for it.

One file holds a format version, metadata (when, against what and with which SDKs it was recorded)
and the interactions. Bodies are stored as what they are, so a diff in a pull request shows what
changed:

```yaml
body: {json: {...}}        # JSON, as structured YAML
body: {sse: ["event: ...\\ndata: {...}", ...]}   # a stream, one entry per event as it arrived
body: {text: "..."}        # any other text
body: {base64: "..."}      # bytes that are not UTF-8
```

vcrpy hands the serializer ``{"version", "interactions": [{"request", "response"}], "metadata"?}``
with bodies as strings; `serialize` and `deserialize` convert between that and the file.
A broken file raises `CassetteFormatError` with the line at fault.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any
from urllib.parse import urlsplit

from harness.recording._errors import CassetteFormatError
from harness.recording._yaml import MAX_DEPTH, Place, described, dump_yaml, load_document, load_yaml, short

FORMAT_VERSION = 1
_HEADER = "# harness cassette: recorded provider answers. Regenerate with --record-mode; edit with care.\n"

# --- bodies -------------------------------------------------------------------------------------


def body_to_file(raw: str | bytes | None, *, events: list[str] | None = None) -> dict[str, Any] | None:
    """A body as vcrpy holds it -> its form in the file."""
    if events is not None:
        # Each event without the blank line that ends every event: it is put back on loading.
        return {"sse": [event.rstrip("\r\n") for event in events]}
    if raw is None or raw in ("", b""):
        return None
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw).decode("ascii")}
    else:
        text = raw
    try:
        value = json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return {"text": text}
    # What the loader would refuse is kept as the text it is: NaN and infinities, nesting past its bound.
    return {"json": value} if _depth(value) <= _BODY_DEPTH else {"text": text}


#: How deep a ``json:`` body may nest: the loader's bound, less the levels above a body in the file.
_BODY_DEPTH = MAX_DEPTH - 8


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def body_from_file(body: Any, at: Place) -> tuple[bytes | None, list[str] | None]:
    """A body's form in the file -> (bytes, SSE events or None)."""
    if body is None:
        return None, None
    if not isinstance(body, dict) or len(body) != 1:
        raise at.fault("a body is one of {json: ...}, {sse: [...]}, {text: ...}, {base64: ...}")
    ((kind, value),) = body.items()
    at = at.at(kind)
    if kind == "json":
        _check_json(value, at)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), None
    if kind == "sse":
        if not isinstance(value, list) or not all(isinstance(e, str) for e in value):
            raise at.fault("a list of events, each a string")
        events = [event + "\n\n" for event in value]
        return "".join(events).encode("utf-8"), events
    if kind == "text" and isinstance(value, str):
        return value.encode("utf-8"), None
    if kind == "base64" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True), None
        except ValueError as exc:
            raise at.fault(f"not base64 ({exc})") from None
    if kind in ("text", "base64"):
        raise at.fault(f"expected text, got {described(value)}")
    raise at.fault(f"unknown body form {kind!r} (json, sse, text or base64)")


def _check_json(value: Any, at: Place) -> None:
    """What JSON can say: bytes (``!!binary``) and NaN or infinity cannot be sent back as JSON."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json(item, at.at(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, at.at(i))
    elif isinstance(value, float) and not math.isfinite(value):
        raise at.fault(f"{value} is not a JSON number")
    elif not isinstance(value, str | int | float | None):
        raise at.fault(f"{type(value).__name__} is not a JSON value")


def split_events(text: str) -> list[str]:
    """SSE text -> its events, each with the blank line that ends it."""
    events: list[str] = []
    normalized = text.replace("\r\n", "\n")
    for block in normalized.split("\n\n"):
        if block.strip():
            events.append(block + "\n\n")
    return events


# --- the vcrpy serializer interface -----------------------------------------------------------


def serialize(data: dict[str, Any]) -> str:
    """vcrpy's cassette dict -> the file's text."""
    interactions = []
    for interaction in data.get("interactions", ()):
        request, response = interaction["request"], interaction["response"]
        body = response.get("body") or {}
        interactions.append(
            {
                "request": {
                    "method": request["method"],
                    "uri": request["uri"],
                    "headers": request.get("headers") or {},
                    "body": body_to_file(request.get("body")),
                },
                "response": {
                    "status": response["status"],
                    "headers": response.get("headers") or {},
                    "body": body_to_file(body.get("string"), events=body.get("events")),
                },
            }
        )
    document: dict[str, Any] = {"version": FORMAT_VERSION}
    if data.get("metadata"):
        document["metadata"] = data["metadata"]
    document["interactions"] = interactions
    return _HEADER + dump_yaml(document)


def deserialize(text: str) -> dict[str, Any]:
    """The file's text -> vcrpy's cassette dict; a broken file raises `CassetteFormatError`.

    Every part replay reads is checked here, at load, and named with its line: nothing in the file
    can fail later as a ``KeyError`` in matching or an httpx2 error at replay.
    """
    document, lines = load_document(text)
    root = Place(lines)
    if not isinstance(document, dict) or "interactions" not in document:
        raise CassetteFormatError(
            "not a cassette: expected a mapping with 'version' and 'interactions'", line=root.line or 1
        )
    if document.get("version") != FORMAT_VERSION:
        raise root.at("version").fault(
            f"cassette format version {document.get('version')!r}; this harness reads version {FORMAT_VERSION}"
        )
    items = document["interactions"]
    if not isinstance(items, list):
        raise root.at("interactions").fault(f"expected a list of interactions, got {described(items)}")
    metadata = document.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise root.at("metadata").fault(f"expected a mapping, got {described(metadata)}")
    place = root.at("interactions")
    data: dict[str, Any] = {
        "version": 1,
        "interactions": [_read_interaction(x, place.at(i)) for i, x in enumerate(items)],
    }
    if metadata:
        data["metadata"] = metadata
    return data


# --- an interaction, checked ----------------------------------------------------------------------

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_COMPRESSED = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd")  # gzip, zstd: what a body stored still encoded starts with


def _interaction_from_file(interaction: Any, where: str) -> dict[str, Any]:
    """An interaction as the file has it -> vcrpy's form; ``where`` names it in errors (without lines)."""
    return _read_interaction(interaction, Place({}, (where,)))


def _read_interaction(interaction: Any, at: Place) -> dict[str, Any]:
    request = _mapping(_field(_mapping(interaction, at), "request", at), at.at("request"))
    response = _mapping(_field(interaction, "response", at), at.at("response"))
    at_request, at_response = at.at("request"), at.at("response")
    method = _field(request, "method", at_request)
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise at_request.at("method").fault(f"expected an HTTP method such as POST, got {described(method)}")
    uri = _field(request, "uri", at_request)
    _check_url(uri, at_request.at("uri"))
    status = _status(_field(response, "status", at_response), at_response.at("status"))
    request_body, _ = body_from_file(request.get("body"), at_request.at("body"))
    headers = _headers(response, at_response)
    response_body, events = _response_body(response.get("body"), headers, at_response.at("body"))
    body: dict[str, Any] = {"string": response_body or b""}
    if events is not None:
        body["events"] = events
    return {
        "request": {"method": method, "uri": uri, "body": request_body, "headers": _headers(request, at_request)},
        "response": {"status": status, "headers": headers, "body": body},
    }


def _field(mapping: Any, key: str, at: Place) -> Any:
    if key not in mapping:
        raise at.fault(f"missing {key!r} (an interaction has request.method, request.uri, response.status)")
    return mapping[key]


def _mapping(value: Any, at: Place) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise at.fault(f"expected a mapping, got {described(value)}")
    return value


def _check_url(uri: Any, at: Place) -> None:
    problem = None if isinstance(uri, str) else "not text"
    if problem is None:
        try:
            parts = urlsplit(uri)
            parts.port  # noqa: B018 - raises for a port that is not one
        except ValueError as exc:
            problem = str(exc)
        else:
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problem = "expected http(s)://host/path"
    if problem is not None:
        raise at.fault(f"not a URL ({problem}): {short(uri)}")


def _status(value: Any, at: Place) -> dict[str, Any]:
    status = _mapping(value, at)
    code = status.get("code")
    if type(code) is not int or not 100 <= code <= 999:  # any three digits, as HTTP's grammar has them
        problem = f"{at}: expected {{code: <int>, message: <text>}}, code from 100 to 999; got {described(code)}"
        raise CassetteFormatError(problem, line=at.at("code").line)
    message = status.get("message")
    if message is not None and not isinstance(message, str):
        raise at.at("message").fault(f"expected the reason as text, got {described(message)}")
    return status


def _headers(part: dict[str, Any], at: Place) -> dict[str, list[str]]:
    """Names and values httpx2 can send: a name is an HTTP token, a value ASCII text without line breaks."""
    at = at.at("headers")
    headers = part.get("headers") or {}
    if not isinstance(headers, dict):
        raise at.fault("headers are a mapping of name to a list of values")
    checked: dict[str, list[str]] = {}
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        if not _TOKEN.fullmatch(name):
            raise at.at(name).fault("not a header name")
        if not values:
            raise at.at(name).fault("a header has one value or more")
        for i, item in enumerate(values):
            if not isinstance(item, str) or not item.isascii() or any(c in item for c in "\r\n\0"):
                place = at.at(name).at(i) if isinstance(value, list) else at.at(name)
                raise place.fault(f"a header value is ASCII text on one line, got {described(item)}")
        checked[name] = values
    return checked


def _response_body(body: Any, headers: dict[str, list[str]], at: Place) -> tuple[bytes | None, list[str] | None]:
    """The body, checked against its headers: what replay sends must be what the client read."""
    raw, events = body_from_file(body, at)
    form = next(iter(body)) if isinstance(body, dict) else None
    stream = any(v.lower().startswith("text/event-stream") for v in _header(headers, "content-type"))
    if form == "sse" and _header(headers, "content-type") and not stream:
        raise at.fault("an sse body under another content-type than text/event-stream would not replay as events")
    if form == "json" and stream:
        raise at.fault("a json body under content-type: text/event-stream would replay as no events")
    encoding = ", ".join(_header(headers, "content-encoding"))
    if form == "base64" and raw and encoding:
        from harness.recording._cassette import decode_body  # it imports this module

        try:
            raw = decode_body(raw, encoding)
        except Exception as exc:  # any codec's failure: gzip, zlib, brotli, zstandard, or one not installed
            raise at.fault(f"not {encoding!r} data ({type(exc).__name__}: {exc})") from None
    elif form == "base64" and raw and raw.startswith(_COMPRESSED):
        raise at.fault("compressed bytes without a content-encoding header would replay still compressed")
    return raw, events


def _header(headers: dict[str, list[str]], name: str) -> list[str]:
    return [value for key, values in headers.items() if key.lower() == name for value in values]


__all__ = [
    "FORMAT_VERSION",
    "CassetteFormatError",
    "body_from_file",
    "body_to_file",
    "deserialize",
    "dump_yaml",
    "load_yaml",
    "serialize",
    "split_events",
]
