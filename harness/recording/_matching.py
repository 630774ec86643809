"""Which recorded request answers an incoming one: a canonical key, an index, and the nearest miss.

A request is matched on its method, its path with its query, and its body as canonical JSON (keys
sorted, no spacing). Headers are not matched (SDK versions, ``x-stainless-*`` and user agents change
with every upgrade), nor is the host: a cassette recorded through a base-URL override, a proxy or the
emulator replays against the default endpoint (or another Azure resource). Nor is what a base URL
puts before an API's route (``/chat/completions``, ``/responses``, ``/messages``): a version, Groq's
``/openai/v1``, OpenRouter's ``/api/v1``, the emulator's ``/<prefix>``, Azure OpenAI's deployment path, so
a cassette recorded against a local vLLM or the emulator replays against the server's own URL. Vertex
AI's project and location (Gemini and Claude alike) are not matched either, so a cassette recorded in one
project or region replays in another; nor is Azure OpenAI's ``api-version``.

Lookups go through `RequestIndex`, a dict from key to the recorded positions in order, so the
cost of a lookup does not grow with the cassette.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from harness.recording._redact import REDACTED, redact_uri

#: Query parameters never part of what is matched: a key, and Azure OpenAI's ``api-version``.
_SECRET_QUERY = frozenset({"key", "api-version"})
# Vertex AI's project form and its API-key (express) form name the same model.
_VERTEX_SCOPE = re.compile(r"/projects/[^/]+/locations/[^/]+(?=/publishers/)")
# The routes of the OpenAI and Anthropic wires: what comes before one is the base URL's own path.
_BASE_PATH = re.compile(r"^.*?(?=/(?:chat/completions|responses|messages)(?:/|$))")


def canonical_path(uri: str, secrets: Sequence[str] = ()) -> str:
    """The path and sorted query of ``uri``, without the host, keys or Vertex AI project and location."""
    parts = urlsplit(redact_uri(uri, secrets))
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _SECRET_QUERY)
    # (Azure's /openai/deployments/<deployment> is what its base URL puts before /chat/completions.)
    path = _BASE_PATH.sub("", _VERTEX_SCOPE.sub("", parts.path), count=1)
    return f"{path}?{urlencode(query)}" if query else path


def shown_path(uri: str) -> str:
    """The path and query of ``uri`` as a message shows it: keys redacted, nothing else left out."""
    parts = urlsplit(redact_uri(uri, ()))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def canonical_body(body: bytes | str | None, secrets: Sequence[str] = ()) -> str:
    """The body as canonical JSON text (raw text when it is not JSON); secret values read as redacted."""
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return text


def request_key(method: str, uri: str, body: bytes | str | None, secrets: Sequence[str] = ()) -> str:
    return f"{method.upper()} {canonical_path(uri, secrets)}\n{canonical_body(body, secrets)}"


class RequestIndex:
    """Recorded requests by key, each key's positions in recorded order."""

    def __init__(self) -> None:
        self._positions: dict[str, deque[int]] = {}

    def add(self, key: str, position: int) -> None:
        self._positions.setdefault(key, deque()).append(position)

    def positions(self, key: str) -> Iterable[int]:
        return self._positions.get(key, ())

    def __contains__(self, key: str) -> bool:
        return key in self._positions


# --- the nearest recorded request, for a miss -----------------------------------------------------


def differences(recorded: Any, incoming: Any, path: str = "", limit: int = 12) -> list[str]:
    """Field-level differences between two JSON values, as ``path: recorded -> incoming`` lines."""
    found: list[str] = []
    _diff(recorded, incoming, path or "$", found, limit)
    return found


def _diff(recorded: Any, incoming: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(recorded, dict) and isinstance(incoming, dict):
        for key in [*recorded, *(k for k in incoming if k not in recorded)]:
            where = f"{path}.{key}"
            if key not in incoming:
                found.append(f"{where}: recorded {_short(recorded[key])}, now missing")
            elif key not in recorded:
                found.append(f"{where}: not recorded, now {_short(incoming[key])}")
            else:
                _diff(recorded[key], incoming[key], where, found, limit)
            if len(found) >= limit:
                return
    elif isinstance(recorded, list) and isinstance(incoming, list):
        for i, (a, b) in enumerate(zip(recorded, incoming, strict=False)):
            _diff(a, b, f"{path}[{i}]", found, limit)
        if len(recorded) != len(incoming):
            found.append(f"{path}: recorded {len(recorded)} items, now {len(incoming)}")
    elif recorded != incoming or type(recorded) is not type(incoming):
        found.append(f"{path}: recorded {_short(recorded)}, now {_short(incoming)}")


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parsed(canonical: str) -> Any:
    try:
        return json.loads(canonical)
    except ValueError:
        return canonical


def nearest(key: str, recorded_keys: Sequence[str]) -> tuple[int, list[str]] | None:
    """The position of the recorded key nearest to ``key``, and how the two differ field by field.

    Requests to the same method and path come first; among them, the fewest differing fields wins.
    """
    if not recorded_keys:
        return None
    line, _, body = key.partition("\n")
    incoming = _parsed(body)
    best: tuple[tuple[int, int], int, list[str]] | None = None
    for position, candidate in enumerate(recorded_keys):
        candidate_line, _, candidate_body = candidate.partition("\n")
        diff = differences(_parsed(candidate_body), incoming, limit=50)
        if candidate_line != line:
            diff = [f"request line: recorded {candidate_line!r}, now {line!r}", *diff]
        rank = (0 if candidate_line == line else 1, len(diff))
        if best is None or rank < best[0]:
            best = (rank, position, diff)
    assert best is not None
    return best[1], best[2][:12]
