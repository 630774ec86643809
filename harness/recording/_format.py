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
import math
import re
from typing import Any
from urllib.parse import urlsplit

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
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value written twice is written out twice: the loader refuses aliases


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


def body_from_file(body: Any, at: _Place) -> tuple[bytes | None, list[str] | None]:
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
        raise at.fault(f"expected text, got {_kind(value)}")
    raise at.fault(f"unknown body form {kind!r} (json, sse, text or base64)")


def _check_json(value: Any, at: _Place) -> None:
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


def dump_yaml(document: Any) -> str:
    text: str = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return text


def deserialize(text: str) -> dict[str, Any]:
    """The file's text -> vcrpy's cassette dict; a broken file raises :class:`CassetteFormatError`.

    Every part replay reads is checked here, at load, and named with its line: nothing in the file
    can fail later as a ``KeyError`` in matching or an httpx2 error at replay.
    """
    document, lines = _load(text)
    root = _Place(lines)
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
        raise root.at("interactions").fault(f"expected a list of interactions, got {_kind(items)}")
    metadata = document.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise root.at("metadata").fault(f"expected a mapping, got {_kind(metadata)}")
    place = root.at("interactions")
    data: dict[str, Any] = {
        "version": 1,
        "interactions": [_read_interaction(x, place.at(i)) for i, x in enumerate(items)],
    }
    if metadata:
        data["metadata"] = metadata
    return data


def load_yaml(text: str) -> Any:
    """A document another tool wrote (see :func:`_load`): ``!!binary`` gives bytes, an alias a shared value.

    Sharing costs nothing to load; what reads the values must bound what writing them out costs.
    """
    return _load(text, foreign=True)[0]


# --- reading YAML with bounded work and every node's line ------------------------------------------

#: Deeper than any recorded answer or request nests; bounds the recursion that builds and checks values.
MAX_DEPTH = 200
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "str"))
_Path = tuple[str | int, ...]


def _load(text: str, *, foreign: bool = False) -> tuple[Any, dict[_Path, int]]:
    """The document in ``text`` and the 1-based line of each of its nodes, by path.

    Values are built from the composed nodes, not by PyYAML's constructor: a cassette holds JSON's
    values (in a ``foreign`` file, ``!!binary`` bytes too); a date, a set, a merge key, a tag of
    another kind, a duplicate key or a key that is not text is a fault. In a harness cassette an
    alias is a fault as well: the writer never makes one, and nested aliases expand a 2 KB file
    into a billion values.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses: it knows the position only
            line = text.count("\n", 0, exc.position) + 1
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        raise CassetteFormatError(f"invalid YAML: {problem}", line=line) from None
    lines: dict[_Path, int] = {}
    if node is None:
        return None, lines
    return _Builder(text, lines, foreign).value(node, (), 0), lines


class _Builder:
    def __init__(self, text: str, lines: dict[_Path, int], foreign: bool) -> None:
        self.text, self.lines, self.foreign = text, lines, foreign
        self.built: dict[int, Any] = {}  # by node: an alias is the node of its anchor
        self.constructor = yaml.constructor.SafeConstructor()

    def value(self, node: Any, path: _Path, depth: int) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        where = _Place(self.lines, path)
        if id(node) in self.built:
            if self.foreign:
                return self.built[id(node)]
            raise CassetteFormatError("a cassette has no YAML aliases (*name): write the value out", line=self._alias())
        if depth > MAX_DEPTH:  # an alias to an anchor around it, too
            raise where.fault(f"nested more than {MAX_DEPTH} levels deep")
        value = self.build(node, path, where, depth)
        self.built[id(node)] = value
        return value

    def build(self, node: Any, path: _Path, where: _Place, depth: int) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, where)
        if isinstance(node, yaml.SequenceNode) and node.tag == _TAG + "seq":
            return [self.value(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode) and node.tag == _TAG + "map":
            mapping: dict[str, Any] = {}
            for key, item in node.value:
                line = key.start_mark.line + 1
                if not isinstance(key, yaml.ScalarNode) or key.tag != _TAG + "str":
                    raise CassetteFormatError(f"{where}: a key is text, not {key.tag.removeprefix(_TAG)}", line=line)
                if key.value in mapping:
                    raise CassetteFormatError(f"{where}: {key.value!r} appears twice", line=line)
                self.lines[(*path, key.value)] = line
                mapping[key.value] = self.value(item, (*path, key.value), depth + 1)
            return mapping
        raise where.fault(f"YAML tag {node.tag.removeprefix(_TAG)!r} is not a cassette value (JSON's, or text)")

    def scalar(self, node: Any, where: _Place) -> Any:
        if node.tag == _TAG + "str":
            return node.value
        if node.tag not in _SCALAR_TAGS and not (self.foreign and node.tag == _TAG + "binary"):
            hint = "; quote it to keep it as text" if node.tag == _TAG + "timestamp" else ""
            raise where.fault(f"{node.value!r} is a YAML {node.tag.removeprefix(_TAG)}, not a cassette value{hint}")
        try:
            return self.constructor.yaml_constructors[node.tag](self.constructor, node)
        except (ValueError, KeyError, IndexError, yaml.YAMLError):  # an explicit tag on text it cannot be: !!int abc
            raise where.fault(f"{node.value!r} is not a YAML {node.tag.removeprefix(_TAG)}") from None

    def _alias(self) -> int | None:
        """The line of the first alias (the composed node only knows its anchor's)."""
        for event in yaml.parse(self.text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                return int(event.start_mark.line) + 1
        return None  # pragma: no cover - a shared node comes from an alias


class _Place:
    """A node of the file: its path, for messages, and its line."""

    def __init__(self, lines: dict[_Path, int], path: _Path = ()) -> None:
        self.lines, self.path = lines, path

    def at(self, step: str | int) -> _Place:
        return _Place(self.lines, (*self.path, step))

    @property
    def line(self) -> int | None:
        """The node's line, or its nearest ancestor's (a missing key is the mapping's fault)."""
        for end in range(len(self.path), -1, -1):
            if self.path[:end] in self.lines:
                return self.lines[self.path[:end]]
        return None

    def fault(self, problem: str) -> CassetteFormatError:
        return CassetteFormatError(f"{self}: {problem}" if self.path else problem, line=self.line)

    def __str__(self) -> str:
        steps = [f"[{s}]" if isinstance(s, int) else f".{s}" for s in self.path]
        return "".join(steps).removeprefix(".")


def _kind(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {_short(value)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- an interaction, checked ----------------------------------------------------------------------

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_COMPRESSED = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd")  # gzip, zstd: what a body stored still encoded starts with


def _interaction_from_file(interaction: Any, where: str) -> dict[str, Any]:
    """An interaction as the file has it -> vcrpy's form; ``where`` names it in errors (without lines)."""
    return _read_interaction(interaction, _Place({}, (where,)))


def _read_interaction(interaction: Any, at: _Place) -> dict[str, Any]:
    request = _mapping(_field(_mapping(interaction, at), "request", at), at.at("request"))
    response = _mapping(_field(interaction, "response", at), at.at("response"))
    at_request, at_response = at.at("request"), at.at("response")
    method = _field(request, "method", at_request)
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise at_request.at("method").fault(f"expected an HTTP method such as POST, got {_kind(method)}")
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


def _field(mapping: Any, key: str, at: _Place) -> Any:
    if key not in mapping:
        raise at.fault(f"missing {key!r} (an interaction has request.method, request.uri, response.status)")
    return mapping[key]


def _mapping(value: Any, at: _Place) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise at.fault(f"expected a mapping, got {_kind(value)}")
    return value


def _check_url(uri: Any, at: _Place) -> None:
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
        raise at.fault(f"not a URL ({problem}): {_short(uri)}")


def _status(value: Any, at: _Place) -> dict[str, Any]:
    status = _mapping(value, at)
    code = status.get("code")
    if type(code) is not int or not 100 <= code <= 599:
        problem = f"{at}: expected {{code: <int>, message: <text>}}, code from 100 to 599; got {_kind(code)}"
        raise CassetteFormatError(problem, line=at.at("code").line)
    message = status.get("message")
    if message is not None and not isinstance(message, str):
        raise at.at("message").fault(f"expected the reason as text, got {_kind(message)}")
    return status


def _headers(part: dict[str, Any], at: _Place) -> dict[str, list[str]]:
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
                raise place.fault(f"a header value is ASCII text on one line, got {_kind(item)}")
        checked[name] = values
    return checked


def _response_body(body: Any, headers: dict[str, list[str]], at: _Place) -> tuple[bytes | None, list[str] | None]:
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
