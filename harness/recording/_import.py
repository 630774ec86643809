"""Cassettes written by other tools, converted to harness's format (and redacted on the way).

Three shapes are read:

- vcrpy's own, YAML or JSON: ``request.body`` text (or ``!!binary``), ``response.body: {string: ...}``.
  A body vcrpy stored still compressed (it does unless ``decode_compressed_response`` is set) is
  decoded, and its ``content-encoding`` header removed, so it can be read, and redacted;
- pydantic-ai's: vcrpy's, with a JSON body stored as structured ``parsed_body`` instead of ``body`` on
  the request, the response or both. A stream keeps vcrpy's ``body: {string: ...}``; a ``parsed_body``
  under ``text/event-stream`` is taken as the stream's text (a string) or its events (a list);
- harness's own, read back and written again (redacting with today's secrets).

A ``text/event-stream`` response is split into its events, as harness records streams.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from harness.recording._cassette import decode_body
from harness.recording._format import (
    FORMAT_VERSION,
    CassetteFormatError,
    _interaction_from_file,
    deserialize,
    load_yaml,
    serialize,
    split_events,
)
from harness.recording._redact import redact_document, secret_values
from harness.recording._yaml import line_of

_HARNESS_BODY_FORMS = frozenset({"json", "sse", "text", "base64"})
#: YAML aliases may make a file this many times its length written out, plus the allowance (characters).
_ALIAS_GROWTH = 10
_ALIAS_ALLOWANCE = 10_000_000
#: The most a compressed body may hold decoded (bytes): it is stored decoded, and read whole to redact it.
_MAX_BODY = 64 * 2**20
_EXPECTED = (
    "expected a vcrpy cassette (YAML or JSON): a mapping with 'interactions', a list of "
    "{request: {method, uri, headers, body}, response: {status: {code, message}, headers, body: {string}}}"
)


def import_cassette(source: str | Path, *, secrets: Sequence[str] | None = None) -> str:
    """The text of ``source`` as a harness cassette, redacted.

    ``secrets`` are the values to redact; by default, the keys in the environment
    (`harness.recording._redact.secret_values`). Bad content raises `CassetteFormatError`
    (and nothing else) naming the file, and the line of the interaction at fault where it is known.
    """
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteFormatError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=str(path)) from None
    try:
        data = _read(text, json_file=path.suffix.lower() == ".json")
        metadata = {**data.get("metadata", {}), "imported_from": path.name}
        metadata.setdefault("hosts", sorted({urlsplit(i["request"]["uri"]).netloc for i in data["interactions"]}))
        data["metadata"] = metadata
        return _loadable(serialize(redact_document(data, secret_values() if secrets is None else secrets)), text)
    except CassetteFormatError as error:
        raise error.at(str(path)) from None
    except RecursionError:
        raise CassetteFormatError("nested too deeply to convert", path=str(path)) from None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # the last net: a shape no check foresaw
        raise CassetteFormatError(f"cannot convert ({type(exc).__name__}: {exc})", path=str(path)) from exc


def _loadable(converted: str, source: str) -> str:
    """``converted``, once the cassette loader has read it: what it would refuse is refused here.

    The loader's checks (header names and values httpx2 can send, bodies that agree with their
    content type, ...) are the rules replay lives by; a cassette that breaks one is not written.
    """
    try:
        deserialize(converted)
    except CassetteFormatError as error:
        index = re.match(r"interactions\[(\d+)\]", error.problem)
        line = line_of(source, ["interactions", int(index.group(1))]) if index else None
        raise CassetteFormatError(f"{error.problem} (converted, the cassette would not load)", line=line) from None
    return converted


def _read(text: str, *, json_file: bool) -> dict[str, Any]:
    """The file's text -> vcrpy's cassette dict, whichever of the three shapes it is in, every part checked."""
    document = _parse(text, json_file=json_file)
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        raise CassetteFormatError(_EXPECTED)
    metadata = document.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise CassetteFormatError("metadata: expected a mapping", line=line_of(text, ["metadata"]))
    harness = _is_harness(document["interactions"])
    if harness and document.get("version") != FORMAT_VERSION:
        problem = f"cassette format version {document.get('version')!r}; this harness reads version {FORMAT_VERSION}"
        raise CassetteFormatError(problem, line=line_of(text, ["version"]))
    interactions = []
    for i, item in enumerate(document["interactions"]):
        where = f"interactions[{i}]"
        try:
            interactions.append(_interaction(_from_harness(item, where) if harness else item, where))
        except CassetteFormatError as error:
            raise CassetteFormatError(error.problem, line=line_of(text, ["interactions", i])) from None
    data: dict[str, Any] = {"version": 1, "interactions": interactions}
    if metadata:
        data["metadata"] = metadata
    return data


def _parse(text: str, *, json_file: bool) -> Any:
    """The document in ``text``, read with bounded work: YAML aliases may not multiply it without limit."""
    try:
        document = json.loads(text) if json_file else load_yaml(text)
    except CassetteFormatError:
        raise
    except json.JSONDecodeError as exc:
        raise CassetteFormatError(f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    except ValueError as exc:  # a value the syntax allows and Python refuses: a 5,000-digit number, a 13th month
        raise CassetteFormatError(f"invalid {'JSON' if json_file else 'YAML'}: {exc}") from None
    except RecursionError:
        raise CassetteFormatError("nested too deeply to read") from None
    if not json_file and "&" in text:  # no anchor, no alias
        # An alias shares one object, so loading is cheap; converting writes each use out in full.
        limit = _ALIAS_GROWTH * len(text) + _ALIAS_ALLOWANCE
        if _expanded_size(document, {}, set()) > limit:
            raise CassetteFormatError(
                f"YAML aliases expand this file beyond {limit:,} characters; write the repeated parts out"
            )
    return document


def _expanded_size(value: Any, sizes: dict[int, int], open_: set[int]) -> int:
    """About how many characters ``value`` takes written out, each alias in full (shared parts counted once)."""
    if isinstance(value, str | bytes):
        return len(value) + 1
    if not isinstance(value, dict | list):
        return 1
    key = id(value)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise CassetteFormatError("a YAML alias contains itself: the document has no end when written out")
    open_.add(key)
    parts = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    sizes[key] = 1 + sum(_expanded_size(part, sizes, open_) for part in parts)
    open_.discard(key)
    return sizes[key]


def _from_harness(item: Any, where: str) -> dict[str, Any]:
    """A harness interaction as the file has it -> vcrpy's form, as replay reads it."""
    try:
        return _interaction_from_file(item, where)
    except CassetteFormatError:
        raise
    except (TypeError, ValueError) as exc:  # a YAML value in a json body that JSON has not: a date, a set
        raise CassetteFormatError(f"{where}: a body cannot be read ({exc})") from None


def _is_harness(interactions: list[Any]) -> bool:
    # Only harness stores a body as a one-key mapping of its form; vcrpy's response body is {string: ...}.
    for interaction in interactions:
        if isinstance(interaction, dict):
            for part in (interaction.get("request"), interaction.get("response")):
                body = part.get("body") if isinstance(part, dict) else None
                if isinstance(body, dict) and len(body) == 1 and next(iter(body)) in _HARNESS_BODY_FORMS:
                    return True
    return False


def _interaction(item: Any, where: str) -> dict[str, Any]:
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("request"), dict)
        or not isinstance(item.get("response"), dict)
    ):
        raise CassetteFormatError(f"{where}: expected a mapping with 'request' and 'response' mappings")
    request, response = item["request"], item["response"]
    method, uri, status = request.get("method"), request.get("uri"), response.get("status")
    if not isinstance(method, str) or not isinstance(uri, str):
        raise CassetteFormatError(f"{where}.request: expected 'method' and 'uri' as text")
    try:
        urlsplit(uri)
    except ValueError as exc:  # an unclosed IPv6 bracket, a port out of range
        raise CassetteFormatError(f"{where}.request.uri: not a URL ({exc})") from None
    code = status.get("code") if isinstance(status, dict) else None
    if type(code) is not int or not 100 <= code <= 999:
        raise CassetteFormatError(f"{where}.response.status: expected {{code: <100 to 999>, message: <text>}}")
    request_headers = _headers(request, f"{where}.request")
    response_headers = _headers(response, f"{where}.response")
    body, events = _response_body(response, response_headers, f"{where}.response")
    body, response_headers = _without_encoding(body, response_headers, f"{where}.response")
    if events is None and _is_stream(response_headers) and body:
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
        except UnicodeDecodeError:
            pass  # not text, so not SSE whatever the header says: kept as bytes
        else:
            body, events = text, split_events(text)
    stored: dict[str, Any] = {"string": body}
    if events:
        stored["events"] = events
    return {
        "request": {
            "method": method,
            "uri": uri,
            "body": _request_body(request, f"{where}.request"),
            "headers": request_headers,
        },
        "response": {
            "status": {"code": code, "message": str(status.get("message") or "")},
            "headers": response_headers,
            "body": stored,
        },
    }


def _request_body(request: Mapping[str, Any], where: str) -> str | bytes | None:
    if request.get("parsed_body") is not None:
        return _json_text(request["parsed_body"], f"{where}.parsed_body")
    body = request.get("body")
    if isinstance(body, dict) and "string" in body:
        body = body["string"]
    if body is None or isinstance(body, str | bytes):
        return body
    raise CassetteFormatError(f"{where}.body: expected text, bytes or null (or a structured parsed_body)")


def _response_body(
    response: Mapping[str, Any], headers: Mapping[str, list[str]], where: str
) -> tuple[str | bytes, list[str] | None]:
    if response.get("parsed_body") is not None:
        parsed = response["parsed_body"]
        if _is_stream(headers) and isinstance(parsed, str):
            return parsed, None
        if _is_stream(headers) and isinstance(parsed, list) and all(isinstance(e, str) for e in parsed):
            events = [event.rstrip("\r\n") + "\n\n" for event in parsed]
            return "".join(events), events
        return _json_text(parsed, f"{where}.parsed_body"), None
    body = response.get("body")
    if body is None:
        return "", None
    if isinstance(body, dict) and "string" in body:
        string = body["string"]
        recorded = body.get("events")  # harness's own addition, when the dict came from a harness recorder
        if string is None:
            string = ""
        if isinstance(string, str | bytes) and (recorded is None or _is_text_list(recorded)):
            return string, recorded
    raise CassetteFormatError(
        f"{where}: expected body: {{string: <text or bytes>}} (vcrpy) or a structured parsed_body (pydantic-ai)"
    )


def _without_encoding(
    body: str | bytes, headers: dict[str, list[str]], where: str
) -> tuple[str | bytes, dict[str, list[str]]]:
    """The body as the client reads it, without ``content-encoding``: harness stores bodies decoded."""
    names = [name for name in headers if name.lower() == "content-encoding"]
    if not names:
        return body, headers
    encoding = ", ".join(value for name in names for value in headers[name])
    if isinstance(body, bytes) and body:
        try:
            for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
                if _decoded_size(body, coding) > _MAX_BODY:
                    raise CassetteFormatError(f"{where}.body: decodes to more than {_MAX_BODY:,} bytes")
                body = decode_body(body, coding)
        except CassetteFormatError:
            raise
        except Exception as exc:  # any codec's failure: gzip, zlib, brotli, zstandard, or one not installed
            raise CassetteFormatError(
                f"{where}.body: cannot decode content-encoding {encoding!r} ({type(exc).__name__}: {exc}); "
                "a body that cannot be read cannot be checked for secrets"
            ) from None
    # Text was stored decoded already: the header only told how it travelled.
    return body, {name: values for name, values in headers.items() if name not in names}


def _json_text(value: Any, where: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as exc:  # YAML has dates, sets and bytes; JSON has none of them
        raise CassetteFormatError(f"{where}: not JSON ({exc})") from None


def _decoded_size(raw: bytes, coding: str) -> int:
    """How long ``raw`` is decoded, counted only up to just past `_MAX_BODY` (a few kB can hold GBs)."""
    limit = _MAX_BODY + 1
    if coding == "br":
        import brotli

        return len(brotli.Decompressor().process(raw, output_buffer_limit=limit))
    if coding == "zstd":
        import zstandard

        return len(zstandard.ZstdDecompressor().stream_reader(raw).read(limit))
    if coding not in ("gzip", "deflate"):
        return len(raw)
    size = 0
    while raw and size < limit:  # gzip members one after another, as gzip.decompress reads them
        try:
            inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)  # a gzip or zlib header
            size += len(inflater.decompress(raw, limit - size))
        except zlib.error:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
            size += len(inflater.decompress(raw, limit - size))
        raw = inflater.unused_data
    return size


def _headers(part: Mapping[str, Any], where: str) -> dict[str, list[str]]:
    headers = part.get("headers") or {}
    if not isinstance(headers, dict):
        raise CassetteFormatError(f"{where}.headers: expected a mapping of name to a list of values")
    return {
        str(name): [str(v) for v in (value if isinstance(value, list) else [value])] for name, value in headers.items()
    }


def _is_stream(headers: Mapping[str, list[str]]) -> bool:
    return any(
        name.lower() == "content-type" and any(v.lower().startswith("text/event-stream") for v in values)
        for name, values in headers.items()
    )


def _is_text_list(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
