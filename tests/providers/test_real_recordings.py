"""Every real provider recording, through the real SDK client and harness, sync and async.

For each JSON file under ``tests/data/real-recordings/<folder>/`` the test builds one pydantic model per
tool the recorded request declared, serves the recorded answer from an ``httpx2.MockTransport`` to the
official SDK client, and asks harness for ``Iterable[Union[...]]`` of those models. The calls that come
back must be the tool calls of the recorded answer: same names, same order, same arguments. A call
with an argument its tool's schema forbids (``additionalProperties: false``) must instead be refused
with ``ToolArgumentsError`` (for a plain answer, every such call, in ``ToolCallsFailedError.errors``).
What the answer holds is read here from the raw JSON or SSE text, independently of harness' own parsing.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Union
from urllib.parse import urlsplit

import httpx2
import pydantic
import pytest

import harness
from harness.testing import sdk_client

RECORDINGS = Path(__file__).resolve().parent.parent / "data" / "real-recordings"
RECORDING_FILES = sorted(RECORDINGS.rglob("*.json"))
#: Folder -> harness spec prefix. The folder names are the spec prefixes.
FOLDERS = ("openai", "openai-responses", "anthropic", "google", "vertexai")
#: Folders the data set has today (all of them); losing one means the test data shrank.
REQUIRED_FOLDERS = FOLDERS
# The SDKs warn about retired model names found in old recordings; that is not what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

# --- reading a recording ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedCall:
    name: str
    arguments: dict[str, Any]
    #: The call id on the wire, None when the provider sent none (Gemini usually).
    id: str | None


@dataclass(frozen=True)
class Recording:
    path: Path
    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Recording:
        return cls(path, json.loads(path.read_text(encoding="utf-8")))

    @property
    def folder(self) -> str:
        return self.path.relative_to(RECORDINGS).parts[0]

    @property
    def request_body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.data["request"]["body"]
        return body

    @property
    def response(self) -> dict[str, Any]:
        response: dict[str, Any] = self.data["response"]
        return response

    @property
    def streamed(self) -> bool:
        return "text" in self.response

    @property
    def model(self) -> str:
        model = self.request_body.get("model")
        if isinstance(model, str) and model:
            return model
        # Gemini and Vertex AI name the model in the URI: .../models/<model>:generateContent
        found = re.search(r"/models/([^/:]+):", self.data["request"]["uri"])
        assert found, f"no model in the request body or URI of {self.path}"
        return found.group(1)

    @property
    def spec(self) -> str:
        return f"{self.folder}/{self.model}"

    @cached_property
    def events(self) -> list[dict[str, Any]]:
        """The JSON ``data:`` payloads of a streamed answer, in order."""
        events = []
        for line in self.response["text"].splitlines():
            if line.startswith("data:"):
                payload = line[len("data:") :].strip()
                if payload and payload != "[DONE]":
                    events.append(json.loads(payload))
        return events


def _decode_arguments(text: str) -> dict[str, Any]:
    arguments: dict[str, Any] = json.loads(text) if text else {}
    return arguments


def _openai_calls(rec: Recording) -> list[ExpectedCall]:
    if not rec.streamed:
        message = rec.response["body"]["choices"][0]["message"]
        return [
            ExpectedCall(c["function"]["name"], _decode_arguments(c["function"]["arguments"]), c.get("id"))
            for c in message.get("tool_calls") or ()
            if c.get("type", "function") == "function"
        ]
    # Fragments carry an index; id and name come once, the argument text comes in pieces.
    calls: dict[int, dict[str, Any]] = {}
    for event in rec.events:
        for choice in event.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            for fragment in (choice.get("delta") or {}).get("tool_calls") or ():
                call = calls.setdefault(fragment["index"], {"id": None, "name": "", "arguments": ""})
                call["id"] = fragment.get("id") or call["id"]
                function = fragment.get("function") or {}
                call["name"] += function.get("name") or ""
                call["arguments"] += function.get("arguments") or ""
    return [ExpectedCall(c["name"], _decode_arguments(c["arguments"]), c["id"]) for _, c in sorted(calls.items())]


def _openai_responses_calls(rec: Recording) -> list[ExpectedCall]:
    if rec.streamed:
        items = [e["item"] for e in rec.events if e.get("type") == "response.output_item.done"]
    else:
        items = rec.response["body"]["output"]
    return [
        ExpectedCall(item["name"], _decode_arguments(item["arguments"]), item.get("call_id"))
        for item in items
        if item.get("type") == "function_call"
    ]


def _anthropic_calls(rec: Recording) -> list[ExpectedCall]:
    # Only tool_use blocks are calls for the client; server_tool_use and results run at Anthropic.
    if not rec.streamed:
        return [
            ExpectedCall(block["name"], block["input"], block["id"])
            for block in rec.response["body"]["content"]
            if block["type"] == "tool_use"
        ]
    blocks: dict[int, dict[str, Any]] = {}
    for event in rec.events:
        if event["type"] == "content_block_start" and event["content_block"]["type"] == "tool_use":
            blocks[event["index"]] = {**event["content_block"], "json": ""}
        elif event["type"] == "content_block_delta" and event["index"] in blocks:  # not server_tool_use input
            blocks[event["index"]]["json"] += event["delta"].get("partial_json", "")
    return [ExpectedCall(b["name"], _decode_arguments(b["json"]), b["id"]) for _, b in sorted(blocks.items())]


def _gemini_parts(rec: Recording) -> list[dict[str, Any]]:
    # A streamed answer is a sequence of whole responses; their parts add up.
    chunks = rec.events if rec.streamed else [rec.response["body"]]
    parts: list[dict[str, Any]] = []
    for chunk in chunks:
        for candidate in (chunk.get("candidates") or ())[:1]:
            parts += (candidate.get("content") or {}).get("parts") or ()
    return parts


def _gemini_calls(rec: Recording) -> list[ExpectedCall]:
    calls = [part.get("functionCall") or part.get("function_call") for part in _gemini_parts(rec)]
    return [ExpectedCall(c["name"], c.get("args") or {}, c.get("id")) for c in calls if c]


EXPECTED_CALLS: dict[str, Callable[[Recording], list[ExpectedCall]]] = {
    "openai": _openai_calls,
    "openai-responses": _openai_responses_calls,
    "anthropic": _anthropic_calls,
    "google": _gemini_calls,
    "vertexai": _gemini_calls,
}


def expected_text(rec: Recording) -> str:
    """The visible text of the answer (no thoughts), for answers without calls."""
    body = rec.response.get("body") or {}
    if rec.folder == "openai":
        if rec.streamed:
            deltas = [c.get("delta") or {} for e in rec.events for c in e.get("choices") or () if c.get("index") == 0]
            return "".join(d.get("content") or "" for d in deltas)
        message = body["choices"][0]["message"]
        return str(message.get("content") or message.get("refusal") or "")
    if rec.folder == "openai-responses":
        if rec.streamed:
            return "".join(e["delta"] for e in rec.events if e.get("type") == "response.output_text.delta")
        return "".join(
            part.get("text", "")
            for item in body["output"]
            if item.get("type") == "message"
            for part in item.get("content") or ()
            if part.get("type") == "output_text"
        )
    if rec.folder == "anthropic":
        if rec.streamed:
            return "".join(
                e["delta"]["text"]
                for e in rec.events
                if e["type"] == "content_block_delta" and e["delta"]["type"] == "text_delta"
            )
        return "".join(block["text"] for block in body["content"] if block["type"] == "text")
    return "".join(part["text"] for part in _gemini_parts(rec) if "text" in part and not part.get("thought"))


# --- tools declared in a request body -> pydantic models -----------------------------------------

JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list[Any],
    "object": dict[str, Any],
    "null": type(None),
}


def declared_tools(folder: str, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, parameters JSON schema) of each client tool in a request body, in order."""
    tools = body.get("tools") or []
    if isinstance(tools, dict):  # one Gemini tool sent bare
        tools = [tools]
    declared: list[tuple[str, dict[str, Any]]] = []
    for tool in tools:
        if folder == "openai":
            if tool.get("type", "function") == "function":
                declared.append((tool["function"]["name"], tool["function"].get("parameters") or {}))
        elif folder == "openai-responses":
            if tool.get("type") == "function":
                declared.append((tool["name"], tool.get("parameters") or {}))
        elif folder == "anthropic":
            if tool.get("type", "custom") == "custom":  # others are server tools
                declared.append((tool["name"], tool.get("input_schema") or {}))
        else:
            for function in tool.get("functionDeclarations") or tool.get("function_declarations") or ():
                schema = (
                    function.get("parameters_json_schema")
                    or function.get("parametersJsonSchema")
                    or function.get("parameters")
                    or {}
                )
                declared.append((function["name"], schema))
    return declared


def python_type(schema: dict[str, Any]) -> Any:
    """Top-level field type; Gemini's ``parameters`` spell types in capitals and use ``nullable``."""
    kinds = schema.get("type")
    names = [str(k).lower() for k in (kinds if isinstance(kinds, list) else [kinds] if kinds else [])]
    if schema.get("nullable"):
        names.append("null")
    types = [JSON_TYPES.get(name, Any) for name in names]
    if not types or Any in types:
        return Any
    return Union[tuple(types)]  # noqa: UP007 - built from a runtime tuple


def build_model(name: str, schema: dict[str, Any]) -> type[pydantic.BaseModel]:
    """A model whose class name (harness' tool name) is ``name`` and whose fields follow ``schema``."""
    required = set(schema.get("required") or ())
    fields: dict[str, Any] = {}
    for index, (key, prop) in enumerate((schema.get("properties") or {}).items()):
        annotation = python_type(prop)
        default = ... if key in required else None
        if key not in required:
            annotation = annotation | None
        # A property that is no valid field name keeps its wire name as an alias.
        safe = key.isidentifier() and not key.startswith(("_", "model_")) and not hasattr(pydantic.BaseModel, key)
        fields[key if safe else f"field_{index}"] = (annotation, pydantic.Field(default, alias=key))
    # The schema's "no other keys" holds for the model too: an argument outside it must fail, not vanish.
    config = pydantic.ConfigDict(extra="forbid") if schema.get("additionalProperties") is False else None
    model: type[pydantic.BaseModel] = pydantic.create_model(name, __config__=config, **fields)
    return model


def undeclared_arguments(call: ExpectedCall, schema: dict[str, Any]) -> set[str]:
    """Argument names a call sent that its tool's schema declares none of and forbids."""
    if schema.get("additionalProperties") is not False:
        return set()
    return set(call.arguments) - set(schema.get("properties") or {})


# --- serving a recording and asking harness ------------------------------------------------------


def mock_transport(rec: Recording, seen: list[httpx2.Request]) -> httpx2.MockTransport:
    response = rec.response
    content = response["text"] if rec.streamed else json.dumps(response["body"])

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            response.get("status", 200), headers={"content-type": response["content_type"]}, content=content.encode()
        )

    return httpx2.MockTransport(handler)


@dataclass
class Outcome:
    """What harness handed back: the values, and (name, id) per call when the answer was not streamed."""

    values: list[pydantic.BaseModel]
    ids: list[tuple[str, str | None]] | None


MESSAGES = [{"role": "user", "content": "hi"}]


def _ask_sync(client: Any, response_model: Any, streamed: bool) -> Outcome:
    if streamed:
        return Outcome(list(client.create(messages=MESSAGES, response_model=response_model, stream=True)), None)
    values = client.create(messages=MESSAGES, response_model=response_model)
    response = client.create_with_response(messages=MESSAGES, response_model=response_model)
    return Outcome(values, [(call.name, call.id) for call in response.calls])


async def _ask_async(client: Any, response_model: Any, streamed: bool) -> Outcome:
    if streamed:
        stream = client.create(messages=MESSAGES, response_model=response_model, stream=True)
        return Outcome([value async for value in stream], None)
    values = await client.create(messages=MESSAGES, response_model=response_model)
    response = await client.create_with_response(messages=MESSAGES, response_model=response_model)
    return Outcome(values, [(call.name, call.id) for call in response.calls])


def ask(
    rec: Recording, models: dict[str, type[pydantic.BaseModel]], seen: list[httpx2.Request], *, is_async: bool
) -> Outcome:
    response_model: Any = Iterable[Union[tuple(models.values())]]  # type: ignore[misc]  # noqa: UP007

    async def in_loop() -> Outcome:
        # Built inside the loop: async clients belong to the loop that uses them.
        sdk = sdk_client(rec.folder, transport=mock_transport(rec, seen), async_client=True)
        return await _ask_async(
            harness.from_provider(rec.spec, client=sdk, async_client=True), response_model, rec.streamed
        )

    if is_async:
        return asyncio.run(in_loop())
    sdk = sdk_client(rec.folder, transport=mock_transport(rec, seen))
    return _ask_sync(harness.from_provider(rec.spec, client=sdk), response_model, rec.streamed)


def check_requests(rec: Recording, seen: list[httpx2.Request], models: dict[str, type[pydantic.BaseModel]]) -> None:
    """Each request went to the recorded endpoint and model, and declared exactly the models as tools."""
    assert seen, "the SDK sent no request"
    endpoint = urlsplit(rec.data["request"]["uri"]).path.rsplit("/", 1)[-1]
    for request in seen:
        assert request.method == "POST"
        assert request.url.path.rsplit("/", 1)[-1] == endpoint
        assert [name for name, _ in declared_tools(rec.folder, json.loads(request.content))] == list(models)


# --- tests ---------------------------------------------------------------------------------------


def _recording_id(path: Path) -> str:
    return path.relative_to(RECORDINGS).as_posix()


def test_recordings_found() -> None:
    assert RECORDING_FILES, f"no recordings under {RECORDINGS}"
    unknown = {Recording.load(p).folder for p in RECORDING_FILES} - set(FOLDERS)
    assert not unknown, f"folders without a provider: {unknown}"


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("path", RECORDING_FILES, ids=_recording_id)
def test_recording(path: Path, is_async: bool) -> None:
    rec = Recording.load(path)
    schemas = dict(declared_tools(rec.folder, rec.request_body))
    models = {name: build_model(name, schema) for name, schema in schemas.items()}
    assert models, "the recorded request declares no client tools"
    expected = EXPECTED_CALLS[rec.folder](rec)
    seen: list[httpx2.Request] = []

    rejected = [call for call in expected if undeclared_arguments(call, schemas[call.name])]
    if rejected:
        # Real models sometimes add an argument the declared schema forbids; harness must refuse the call.
        with pytest.raises(harness.ToolCallError) as refused:
            ask(rec, models, seen, is_async=is_async)
        # A plain answer reports every failing call at once; a stream stops at the first.
        error = refused.value
        failures = error.errors if isinstance(error, harness.ToolCallsFailedError) else [error]
        assert [(f.tool_name, f.call_id) for f in failures] == [(c.name, c.id) for c in rejected][: len(failures)]
        assert len(failures) == (1 if rec.streamed else len(rejected))
        for failure, call in zip(failures, rejected, strict=False):
            assert isinstance(failure, harness.ToolArgumentsError)
            raw = failure.raw_arguments
            assert (_decode_arguments(raw) if isinstance(raw, str) else raw) == call.arguments
            assert {e["type"] for e in failure.errors} == {"extra_forbidden"}
            assert {e["loc"][-1] for e in failure.errors} == undeclared_arguments(call, schemas[call.name])
        check_requests(rec, seen, models)
        return

    if not expected:
        text = expected_text(rec)
        with pytest.raises(harness.NoToolCallsError) as raised:
            ask(rec, models, seen, is_async=is_async)
        assert raised.value.text == text
        if text.strip():
            assert text.strip()[:200] in str(raised.value)
        check_requests(rec, seen, models)
        return

    outcome = ask(rec, models, seen, is_async=is_async)
    got = [(type(value).__name__, value.model_dump(by_alias=True, exclude_unset=True)) for value in outcome.values]
    assert got == [(call.name, call.arguments) for call in expected]
    assert all(type(value) is models[type(value).__name__] for value in outcome.values)
    if outcome.ids is not None:
        assert outcome.ids == [(call.name, call.id) for call in expected]
    check_requests(rec, seen, models)


def _recordings_by_folder() -> Iterator[tuple[str, list[Recording]]]:
    recordings = [Recording.load(p) for p in RECORDING_FILES]
    for folder in sorted({rec.folder for rec in recordings} | set(REQUIRED_FOLDERS)):
        yield folder, [rec for rec in recordings if rec.folder == folder]


def test_recordings_hold_calls() -> None:
    """Guard against the data shrinking: every folder has answers with calls, and some answer has several."""
    most_calls: dict[str, int] = {}
    for folder, recordings in _recordings_by_folder():
        counts = [len(EXPECTED_CALLS[folder](rec)) for rec in recordings]
        assert sum(1 for count in counts if count > 0) > 0, f"{folder}: no recording with tool calls"
        most_calls[folder] = max(counts, default=0)
    assert max(most_calls.values()) >= 2, f"no recording holds parallel calls: {most_calls}"
