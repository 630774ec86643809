"""The cassette file: YAML a reviewer can read, and a vcrpy serializer for it.

One file holds a format version, metadata (when, against what and with which SDKs it was recorded)
and the interactions. Bodies are stored as what they are, so a diff in a pull request shows what
changed::

    body: {json: {...}}        # JSON, as structured YAML
    body: {sse: ["event: ...\\ndata: {...}", ...]}   # a stream, one entry per event as it arrived
    body: {text: "..."}        # any other text
    body: {base64: "..."}      # bytes that are not UTF-8

vcrpy hands the serializer ``{"version", "interactions": [{"request", "response"}], "metadata"?}``
with bodies as strings; :func:`serialize` and :func:`deserialize` convert between that and the file.
A broken file raises :class:`CassetteFormatError` with the line at fault.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import yaml

from harness.errors import HarnessError

FORMAT_VERSION = 1
_HEADER = "# harness cassette: recorded provider answers. Regenerate with --record-mode; edit with care.\n"

try:  # libyaml when present: several times faster on large cassettes
    _Loader: Any = yaml.CSafeLoader
    _BaseDumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Loader = yaml.SafeLoader
    _BaseDumper = yaml.SafeDumper


class CassetteFormatError(HarnessError, ValueError):
    """A cassette file that cannot be read: names the file (when known), the line and the problem."""

    def __init__(self, problem: str, *, line: int | None = None, path: str | None = None) -> None:
        self.problem = problem
        self.line = line
        self.path = path
        where = path or "cassette"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {problem}")

    def at(self, path: str) -> CassetteFormatError:
        """The same error, naming ``path``."""
        return CassetteFormatError(self.problem, line=self.line, path=path)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    pass


def _represent_str(dumper: Any, text: str) -> Any:
    # Multi-line text (SSE events, long prompts) as literal blocks: readable, and diffs line by line.
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


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
        return {"json": json.loads(text)}
    except ValueError:
        return {"text": text}


def body_from_file(body: Any, where: str) -> tuple[bytes | None, list[str] | None]:
    """A body's form in the file -> (bytes, SSE events or None)."""
    if body is None:
        return None, None
    if not isinstance(body, dict) or len(body) != 1:
        raise CassetteFormatError(
            f"{where}: a body is one of {{json: ...}}, {{sse: [...]}}, {{text: ...}}, {{base64: ...}}"
        )
    ((kind, value),) = body.items()
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), None
    if kind == "sse":
        if not isinstance(value, list) or not all(isinstance(e, str) for e in value):
            raise CassetteFormatError(f"{where}.sse: a list of events, each a string")
        events = [event + "\n\n" for event in value]
        return "".join(events).encode("utf-8"), events
    if kind == "text" and isinstance(value, str):
        return value.encode("utf-8"), None
    if kind == "base64" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True), None
        except ValueError as exc:
            raise CassetteFormatError(f"{where}.base64: not base64 ({exc})") from None
    raise CassetteFormatError(f"{where}: unknown body form {kind!r} (json, sse, text or base64)")


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


def dump_yaml(document: Any) -> str:
    text: str = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return text


def deserialize(text: str) -> dict[str, Any]:
    """The file's text -> vcrpy's cassette dict; a broken file raises :class:`CassetteFormatError`."""
    document = load_yaml(text)
    if not isinstance(document, dict) or "interactions" not in document:
        raise CassetteFormatError("not a cassette: expected a mapping with 'interactions'", line=1)
    if document.get("version") != FORMAT_VERSION:
        raise CassetteFormatError(
            f"cassette format version {document.get('version')!r}; this harness reads version {FORMAT_VERSION}",
            line=_line_of(text, ["version"]),
        )
    interactions = []
    for i, interaction in enumerate(document["interactions"] or ()):
        try:
            interactions.append(_interaction_from_file(interaction, f"interactions[{i}]"))
        except CassetteFormatError as error:
            raise CassetteFormatError(error.problem, line=_line_of(text, ["interactions", i])) from None
    data: dict[str, Any] = {"version": 1, "interactions": interactions}
    if document.get("metadata"):
        data["metadata"] = document["metadata"]
    return data


def load_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise CassetteFormatError(f"invalid YAML: {problem}", line=mark.line + 1 if mark else None) from None


def _interaction_from_file(interaction: Any, where: str) -> dict[str, Any]:
    try:
        request, response = interaction["request"], interaction["response"]
        method, uri, status = request["method"], request["uri"], response["status"]
    except (KeyError, TypeError) as exc:
        raise CassetteFormatError(
            f"{where}: missing {exc} (an interaction has request.method, request.uri, response.status)"
        ) from None
    if not isinstance(status, dict) or not isinstance(status.get("code"), int):
        raise CassetteFormatError(f"{where}.response.status: expected {{code: <int>, message: <text>}}")
    request_body, _ = body_from_file(request.get("body"), f"{where}.request.body")
    response_body, events = body_from_file(response.get("body"), f"{where}.response.body")
    body: dict[str, Any] = {"string": response_body or b""}
    if events is not None:
        body["events"] = events
    return {
        "request": {"method": method, "uri": uri, "body": request_body, "headers": _headers(request, where)},
        "response": {"status": status, "headers": _headers(response, where), "body": body},
    }


def _headers(part: dict[str, Any], where: str) -> dict[str, list[str]]:
    headers = part.get("headers") or {}
    if not isinstance(headers, dict):
        raise CassetteFormatError(f"{where}: headers are a mapping of name to a list of values")
    return {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in headers.items()}


def _line_of(text: str, path: list[str | int]) -> int | None:
    """The 1-based line where the node at ``path`` starts, found by composing the YAML again."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    for step in path:
        if node is None:
            return None
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
    return None if node is None else int(node.start_mark.line) + 1
