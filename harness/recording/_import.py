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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from harness.recording._cassette import decode_body
from harness.recording._format import CassetteFormatError, deserialize, load_yaml, serialize, split_events
from harness.recording._redact import redact_document, secret_values

_HARNESS_BODY_FORMS = frozenset({"json", "sse", "text", "base64"})
_EXPECTED = (
    "expected a vcrpy cassette (YAML or JSON): a mapping with 'interactions', a list of "
    "{request: {method, uri, headers, body}, response: {status: {code, message}, headers, body: {string}}}"
)


def import_cassette(source: str | Path, *, secrets: Sequence[str] | None = None) -> str:
    """The text of ``source`` as a harness cassette, redacted.

    ``secrets`` are the values to redact; by default, the keys in the environment
    (:func:`~harness.recording._redact.secret_values`). Raises :class:`CassetteFormatError` naming the
    file, and the interaction at fault, when the file is not a cassette this can read.
    """
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteFormatError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=str(path)) from None
    try:
        data = _read(text, json_file=path.suffix.lower() == ".json")
    except CassetteFormatError as error:
        raise error.at(str(path)) from None
    metadata = dict(data.get("metadata") or {})
    metadata["imported_from"] = path.name
    metadata.setdefault("hosts", sorted({urlsplit(i["request"]["uri"]).netloc for i in data["interactions"]}))
    data["metadata"] = metadata
    return serialize(redact_document(data, secret_values() if secrets is None else secrets))


def _read(text: str, *, json_file: bool) -> dict[str, Any]:
    """The file's text -> vcrpy's cassette dict, whichever of the three shapes it is in."""
    if json_file:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CassetteFormatError(f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    else:
        document = load_yaml(text)
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        raise CassetteFormatError(_EXPECTED)
    if _is_harness(document["interactions"]):
        return deserialize(text)
    interactions = [_interaction(item, f"interactions[{i}]") for i, item in enumerate(document["interactions"])]
    data: dict[str, Any] = {"version": 1, "interactions": interactions}
    if isinstance(document.get("metadata"), dict):
        data["metadata"] = document["metadata"]
    return data


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
    if not isinstance(status, dict) or not isinstance(status.get("code"), int):
        raise CassetteFormatError(f"{where}.response.status: expected {{code: <int>, message: <text>}}")
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
            "status": {"code": status["code"], "message": str(status.get("message") or "")},
            "headers": response_headers,
            "body": stored,
        },
    }


def _request_body(request: Mapping[str, Any], where: str) -> str | bytes | None:
    if request.get("parsed_body") is not None:
        return json.dumps(request["parsed_body"], ensure_ascii=False)
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
        return json.dumps(parsed, ensure_ascii=False), None
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
            body = decode_body(body, encoding)
        except Exception as exc:  # any codec's failure: gzip, zlib, brotli, zstandard, or one not installed
            raise CassetteFormatError(
                f"{where}.body: cannot decode content-encoding {encoding!r} ({type(exc).__name__}: {exc}); "
                "a body that cannot be read cannot be checked for secrets"
            ) from None
    # Text was stored decoded already: the header only told how it travelled.
    return body, {name: values for name, values in headers.items() if name not in names}


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
