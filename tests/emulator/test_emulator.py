"""The emulator over a real socket, through the real SDKs: answers, scripts, faults and rejections."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx2
import jsonschema
import openai
import pytest
from pydantic import BaseModel, Field

import harness
from harness.emulator import RunningEmulator, parse_script, serve
from harness.providers import get_provider
from harness.testing import sdk_client
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, GoogleSearch, Weather, dumps
from tests._seed import FIRST_PARTY_PREFIXES as PREFIXES
from tests.providers.test_read_request import RECORDING_FILES, _recording_id

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

SEED_SCRIPT = parse_script(
    [
        {
            "match": "weather in toronto and dallas",
            "calls": [
                {name: call.model_dump()}
                for name, call in zip(("Weather", "Weather", "GoogleSearch"), CALLS, strict=True)
            ],
        },
        {"match": "say hello", "text": "Hello from the emulator."},
        {"match": "rate limit me", "fault": "rate_limit=3"},
        {"match": "overload me", "fault": "overloaded"},
        {"match": "cut me", "fault": "cut_stream"},
        {"match": "stop early", "fault": "max_tokens"},
        {"match": "break the arguments", "fault": "malformed_arguments"},
        {"match": "take your time", "fault": {"name": "slow", "seconds": 0.3}},
    ],
    source="seed-script",
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    with serve(script=SEED_SCRIPT, seed=7) as running:
        yield running


def base_url(prefix: str, emulator: RunningEmulator) -> str:
    return f"{emulator.url}/v1" if prefix.startswith("openai") else emulator.url


def client(prefix: str, emulator: RunningEmulator, **kwargs: Any) -> harness.ParallelToolsClient:
    sdk = sdk_client(prefix, transport=httpx2.HTTPTransport(), base_url=base_url(prefix, emulator))
    built: harness.ParallelToolsClient = harness.from_provider(f"{prefix}/emulated-model", client=sdk, **kwargs)
    return built


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


class Booking(BaseModel):
    """Bounds, enums, nesting and optional fields every provider's schema keeps (the emulator answers from
    the schema sent: a constraint a provider only reads in the description is not kept by it either)."""

    guests: int = Field(ge=1, le=12)
    name: str
    when: datetime.date
    tags: list[Literal["quiet", "window", "terrace"]] = Field(default_factory=list, max_length=3)
    contact: Weather | None = None


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_generated_calls_validate_and_repeat_for_the_same_request(
    prefix: str, stream: bool, emulator: RunningEmulator
) -> None:
    parallel = client(prefix, emulator)
    response_model = Iterable[Booking | GoogleSearch]
    first = list(parallel.create(messages=ask("book a table"), response_model=response_model, stream=stream))
    again = list(parallel.create(messages=ask("book a table"), response_model=response_model, stream=stream))
    assert first and dumps(first) == dumps(again)
    assert all(isinstance(value, Booking | GoogleSearch) for value in first)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_script_gives_the_seed_answer(prefix: str, stream: bool, emulator: RunningEmulator) -> None:
    values = client(prefix, emulator).create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=stream)
    assert dumps(values) == dumps(CALLS)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_scripted_text_is_no_tool_calls(prefix: str, emulator: RunningEmulator) -> None:
    with pytest.raises(harness.NoToolCallsError, match="Hello from the emulator"):
        client(prefix, emulator).create(messages=ask("please say hello"), response_model=RESPONSE_MODEL)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_faults_reach_the_client_as_the_real_failures_do(prefix: str, stream: bool, emulator: RunningEmulator) -> None:
    parallel = client(prefix, emulator)

    def create(text: str) -> list[Any]:
        return list(parallel.create(messages=ask(text), response_model=RESPONSE_MODEL, stream=stream))

    with pytest.raises(Exception) as limited:
        create("rate limit me")
    assert _status(limited.value) == 429
    with pytest.raises(Exception) as overloaded:
        create("overload me")
    assert _status(overloaded.value) == (529 if prefix == "anthropic" else 503)
    with pytest.raises(harness.IncompleteResponseError):
        create("stop early, please")
    if stream:
        with pytest.raises(harness.IncompleteResponseError, match="ended before its finish event"):
            create("cut me")
    with pytest.raises(harness.ToolCallError, match=r"invalid arguments"):
        create("break the arguments")
    started = time.monotonic()
    create("take your time")
    assert time.monotonic() - started >= 0.3


def _status(error: BaseException) -> int | None:
    for candidate in (error, error.__cause__):
        status = getattr(candidate, "status_code", None) or getattr(candidate, "code", None)
        if isinstance(status, int):
            return status
    return None


def test_rate_limits_say_when_to_retry(emulator: RunningEmulator) -> None:
    sdk = sdk_client("openai", transport=httpx2.HTTPTransport(), base_url=base_url("openai", emulator))
    with pytest.raises(openai.RateLimitError) as info:
        sdk.chat.completions.create(model="m", messages=ask("rate limit me"))
    assert info.value.response.headers["retry-after"] == "3"
    assert info.value.code == "rate_limit_exceeded"


# --- rejections ---------------------------------------------------------------------------------------


def post(
    emulator: RunningEmulator, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx2.Response:
    sent = {"authorization": "Bearer test-key", "x-goog-api-key": "test-key"} if headers is None else headers
    return httpx2.post(emulator.url + path, json=body, headers=sent)


def test_a_request_without_a_key_gets_the_providers_own_answer(emulator: RunningEmulator) -> None:
    for path, body in (("/v1/chat/completions", {"model": "m", "messages": ask("hi")}), ("/v1/messages", {})):
        response = post(emulator, path, body, headers={})
        assert response.status_code == 401
    assert post(emulator, "/v1/messages", {}, headers={}).json()["error"]["type"] == "authentication_error"
    gemini = post(emulator, "/v1beta/models/m:generateContent", {"contents": []}, headers={})
    assert gemini.status_code == 403 and gemini.json()["error"]["status"] == "PERMISSION_DENIED"


def test_anthropic_requires_max_tokens(emulator: RunningEmulator) -> None:
    response = post(emulator, "/v1/messages", {"model": "m", "messages": ask("hi")})
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}
    assert response.headers["x-harness-emulator"] == "rejected by rule: anthropic requires max_tokens"


def test_tool_names_are_checked_against_the_providers_pattern(emulator: RunningEmulator) -> None:
    tool = {"type": "function", "function": {"name": "weather.lookup", "parameters": {"type": "object"}}}
    response = post(emulator, "/v1/chat/completions", {"model": "m", "messages": ask("hi"), "tools": [tool]})
    assert response.status_code == 400
    assert "weather.lookup" in response.json()["error"]["message"]
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_openai_strict_schemas_must_be_closed_and_fully_required(emulator: RunningEmulator) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": []}
    tool = {"type": "function", "function": {"name": "t", "parameters": schema, "strict": True}}
    response = post(emulator, "/v1/chat/completions", {"model": "m", "messages": ask("hi"), "tools": [tool]})
    assert response.status_code == 400
    assert "'additionalProperties' is required to be supplied and to be false" in response.json()["error"]["message"]


def closed(properties: dict[str, Any], required: Iterable[str] = (), **more: Any) -> dict[str, Any]:
    """An object schema with additionalProperties false (what strict tool use asks of every object)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **more,
    }


#: A definition that refers to itself through a required, nullable field: no instance can leave it out.
CHAIN = closed(
    {"v": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/Chain"}, {"type": "null"}]}}, ["v", "next"]
)

#: (schema, words of the message): what Anthropic's strict tool use documents as unsupported.
ANTHROPIC_STRICT_REFUSED = {
    "keyword": (
        closed({"n": {"type": "integer", "minimum": 1}}),
        ".properties.n: For 'integer' type, property 'minimum'",
    ),
    "oneOf": (closed({"n": {"oneOf": [{"type": "string"}]}}), ".properties.n: Property 'oneOf' is not supported"),
    "open-object": (
        closed({"inner": {"type": "object", "properties": {}}}),
        ".properties.inner: For 'object' type, 'additionalProperties' must be explicitly set to false",
    ),
    "open-root": ({"type": "object", "properties": {}}, "input_schema: For 'object' type, 'additionalProperties'"),
    "dict-values": (
        closed({"d": {"type": "object", "additionalProperties": {"type": "string"}}}),
        "'additionalProperties' must be explicitly set to false",
    ),
    "minItems-2": (
        closed({"xs": {"type": "array", "items": {"type": "string"}, "minItems": 2}}),
        "'minItems' values other than 0 and 1 are not supported, got 2",
    ),
    "format": (closed({"s": {"type": "string", "format": "int32"}}), "Format 'int32' is not supported"),
    "recursive": (
        closed({"c": {"$ref": "#/$defs/Chain"}}, ["c"], **{"$defs": {"Chain": CHAIN}}),
        ".$defs.Chain: Recursive schemas are not supported",
    ),
    "recursive-omittable": (
        closed({"next": {"$ref": "#"}}),  # even where the field may be left out
        "Recursive schemas are not supported: '#' refers back to itself",
    ),
    "complex-enum": (
        closed({"e": {"enum": [{"a": 1}, "b"]}}),
        "Enum values must be strings, numbers, booleans or null",
    ),
    "external-ref": (closed({"r": {"$ref": "https://example.com/s.json"}}), "External references are not supported"),
    "allOf-ref": (
        closed({"r": {"allOf": [{"$ref": "#/$defs/A"}]}}, **{"$defs": {"A": closed({})}}),
        "'allOf' with '$ref' is not supported",
    ),
}


def anthropic_body(schema: dict[str, Any], *, strict: bool | None = True) -> dict[str, Any]:
    tool: dict[str, Any] = {"name": "t", "description": "d", "input_schema": schema}
    if strict is not None:
        tool["strict"] = strict
    return {"model": "m", "max_tokens": 100, "messages": ask("hi"), "tools": [tool]}


def broken_rules(prefix: str, body: dict[str, Any], path: str) -> list[str]:
    """The names of ``prefix``'s rejection rules ``body`` breaks, checked directly."""
    provider = get_provider(prefix)
    received = provider.read_request(body, path=path)
    return [rule.name for rule in provider.rejection_rules if rule.check(provider, body, received) is not None]


@pytest.mark.parametrize(("schema", "words"), ANTHROPIC_STRICT_REFUSED.values(), ids=ANTHROPIC_STRICT_REFUSED)
def test_anthropic_strict_schemas_are_held_to_the_documented_subset(
    schema: dict[str, Any], words: str, emulator: RunningEmulator
) -> None:
    response = post(emulator, "/v1/messages", anthropic_body(schema))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("tools.0.custom.input_schema") and words in error["message"], error["message"]
    assert response.headers["x-harness-emulator"] == "rejected by rule: anthropic strict schema subset"
    # Only strict tools are held to the subset: the same schema as a plain tool is a guide.
    for strict in (None, False):
        assert broken_rules("anthropic", anthropic_body(schema, strict=strict), "/v1/messages") == []


class Picks(BaseModel):
    """A list that must not be empty (minItems 1 is the one array bound strict tool use keeps) and one that may."""

    first: list[Literal["a", "b"]] = Field(min_length=1)
    more: list[int] = Field(default_factory=list, min_length=0)
    note: str | None = None


class Party(BaseModel):
    """Nested models, a list of them, a nullable enum and an omittable field."""

    host: Weather
    guests: list[Weather] = []
    size: Literal[1, 2, 3] | None
    quiet: bool = False


def test_anthropic_strict_accepts_harness_own_declarations(emulator: RunningEmulator) -> None:
    strict = client("anthropic", emulator)
    # Unbounded models: a bound strict tool use only reads in the description, the emulator does not keep either.
    models = Iterable[Weather | Picks | Party]
    values = list(strict.create(messages=ask("plan a party"), response_model=models, strict=True))
    assert values and all(isinstance(value, Weather | Picks | Party) for value in values)
    body = anthropic_body(closed({"xs": {"type": "array", "items": {"type": "string"}, "minItems": 1}}, ["xs"]))
    assert post(emulator, "/v1/messages", body).status_code == 200


def gemini_body(schema: dict[str, Any], key: str = "parametersJsonSchema") -> dict[str, Any]:
    declaration = {"name": "t", "description": "d", key: schema}
    return {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [{"functionDeclarations": [declaration]}],
    }


GEMINI_PATH = "/v1beta/models/m:generateContent"
VERTEX_PATH = "/v1beta1/projects/p/locations/us-central1/publishers/google/models/m:generateContent"

#: (schema field, schema, the field the error names, words of the message): what the Gemini API refuses.
GEMINI_REFUSED = {
    "root-string": ("parametersJsonSchema", {"type": "string"}, "parametersJsonSchema.type", "object schema"),
    "root-array": ("parameters", {"type": "ARRAY", "items": {"type": "STRING"}}, "parameters.type", "type OBJECT"),
    "bool-enum": (
        "parametersJsonSchema",
        closed({"on": {"type": "boolean", "enum": [True]}}),
        "parametersJsonSchema.properties[on].enum[0]",
        "enum values must be strings or numbers, got true",
    ),
    "null-enum": (
        "parameters_json_schema",  # the SDK's spelling
        closed({"e": {"enum": ["a", None]}}),
        "parameters_json_schema.properties[e].enum[1]",
        "got null",
    ),
    "openapi-number-enum": (
        "parameters",
        {"type": "OBJECT", "properties": {"n": {"type": "INTEGER", "enum": [1, 2]}}},
        "parameters.properties[n].enum[0]",
        "(TYPE_STRING), 1",
    ),
    "required-nullable-cycle": (
        "parametersJsonSchema",
        closed({"c": {"$ref": "#/$defs/Chain"}}, ["c"], **{"$defs": {"Chain": CHAIN}}),
        "parametersJsonSchema.$defs[Chain]",
        "(nullable properties are not sufficient)",
    ),
    "required-list-cycle": (
        "parametersJsonSchema",
        closed({"kids": {"type": "array", "items": {"$ref": "#"}}}, ["kids"]),
        "parametersJsonSchema",
        "non-required properties",
    ),
    "openapi-cycle": (
        "parameters",
        {
            "type": "OBJECT",
            "properties": {"c": {"$ref": "#/$defs/Chain"}},
            "required": ["c"],
            "$defs": {
                "Chain": {
                    "type": "OBJECT",
                    "properties": {"next": {"$ref": "#/$defs/Chain", "nullable": True}},
                    "required": ["next"],
                }
            },
        },
        "parameters.$defs[Chain]",
        "non-required properties",
    ),
}


@pytest.mark.parametrize(("key", "schema", "field", "words"), GEMINI_REFUSED.values(), ids=GEMINI_REFUSED)
def test_gemini_schemas_are_held_to_the_documented_rules(
    key: str, schema: dict[str, Any], field: str, words: str, emulator: RunningEmulator
) -> None:
    for path in (GEMINI_PATH, VERTEX_PATH):
        response = post(emulator, path, gemini_body(schema, key))
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["status"] == "INVALID_ARGUMENT" and words in error["message"], error["message"]
        violation = error["details"][0]["fieldViolations"][0]
        assert violation["field"] == f"tools[0].functionDeclarations[0].{field}"
        assert response.headers["x-harness-emulator"] == "rejected by rule: gemini function declaration schemas"


#: What the Gemini API documents it takes, near each refused shape above.
GEMINI_ACCEPTED = {
    "number-enum": ("parametersJsonSchema", closed({"n": {"type": "integer", "enum": [1, 2]}}, ["n"])),
    "openapi-integer-enum-as-strings": (
        "parameters",
        {"type": "OBJECT", "properties": {"n": {"type": "INTEGER", "format": "enum", "enum": ["1", "2"]}}},
    ),
    "lower-case-openapi-object": ("parameters", {"type": "object", "properties": {"s": {"type": "string"}}}),
    "cycle-through-an-omittable-field": (
        "parametersJsonSchema",
        closed(
            {"c": {"$ref": "#/$defs/Node"}},
            ["c"],
            **{"$defs": {"Node": closed({"v": {"type": "integer"}, "next": {"$ref": "#/$defs/Node"}}, ["v"])}},
        ),
    ),
    "cycle-broken-further-along": (
        "parametersJsonSchema",
        closed(
            {"a": {"$ref": "#/$defs/A"}},
            ["a"],
            **{
                "$defs": {
                    "A": closed({"b": {"$ref": "#/$defs/B"}}, ["b"]),
                    "B": closed({"a": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]}}),
                }
            },
        ),
    ),
    # Keywords outside the documented list: the documentation says what is taken, not that others are refused.
    "keyword-outside-the-list": ("parametersJsonSchema", closed({"s": {"type": "string", "minLength": 1}}, ["s"])),
}


@pytest.mark.parametrize(("key", "schema"), GEMINI_ACCEPTED.values(), ids=GEMINI_ACCEPTED)
def test_gemini_accepts_what_it_documents(key: str, schema: dict[str, Any], emulator: RunningEmulator) -> None:
    assert broken_rules("google", gemini_body(schema, key), GEMINI_PATH) == []
    response = post(emulator, GEMINI_PATH, gemini_body(schema, key))
    assert response.status_code == 200, response.text


class Tree(BaseModel):
    """Recursion Gemini takes: every cycle passes a field that may be left out."""

    label: str
    children: list[Tree] = []
    parent: Tree | None = None


@pytest.mark.parametrize("prefix", ["google", "vertexai"])
def test_gemini_accepts_harness_own_declarations(prefix: str, emulator: RunningEmulator) -> None:
    values = list(
        client(prefix, emulator).create(
            messages=ask("plant a tree"), response_model=Iterable[Booking | Tree | Picks | Party]
        )
    )
    assert values and all(isinstance(value, Booking | Tree | Picks | Party) for value in values)


def test_unanswered_tool_calls_are_rejected(emulator: RunningEmulator) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "t", "arguments": "{}"}}
    messages = [*ask("hi"), {"role": "assistant", "tool_calls": [call]}, {"role": "user", "content": "and?"}]
    response = post(emulator, "/v1/chat/completions", {"model": "m", "messages": messages})
    assert response.status_code == 400 and "call_1" in response.json()["error"]["message"]

    use = {"type": "tool_use", "id": "toolu_1", "name": "t", "input": {}}
    turns = [*ask("hi"), {"role": "assistant", "content": [use]}, {"role": "user", "content": "and?"}]
    response = post(emulator, "/v1/messages", {"model": "m", "max_tokens": 10, "messages": turns})
    assert response.status_code == 400 and "toolu_1" in response.json()["error"]["message"]


# --- every real recorded request is accepted and answered --------------------------------------------

_RESPONSE_TYPES = {
    "openai": ("openai.types.chat", "ChatCompletion"),
    "openai-responses": ("openai.types.responses", "Response"),
    "anthropic": ("anthropic.types", "Message"),
    "google": ("google.genai.types", "GenerateContentResponse"),
    "vertexai": ("google.genai.types", "GenerateContentResponse"),
}


@pytest.mark.parametrize("path", RECORDING_FILES, ids=_recording_id)
def test_every_recorded_real_request_is_accepted_and_answered(path: Path, emulator: RunningEmulator) -> None:
    recording = json.loads(path.read_text(encoding="utf-8"))
    prefix = path.parent.name
    provider = get_provider(prefix)
    url = urlsplit(recording["request"]["uri"])
    body = recording["request"]["body"]
    streamed = post(emulator, url.path + (f"?{url.query}" if url.query else ""), body)
    assert streamed.status_code == 200, streamed.text
    if "text" in recording["response"]:  # a streamed recording is answered with a stream
        assert streamed.headers["content-type"].startswith("text/event-stream")
    body_plain = {**body, "stream": False} if "stream" in body else body
    url_path = url.path.replace(":streamGenerateContent", ":generateContent")
    response = post(emulator, url_path, body_plain)
    assert response.status_code == 200, response.text
    received = provider.read_request(body_plain, path=url_path)
    schemas = {tool.name: tool.schema for tool in received.tools if tool.kind == "function"}
    module, name = _RESPONSE_TYPES[prefix]
    sdk_type = getattr(__import__(module, fromlist=[name]), name)
    answer = provider.read_response(sdk_type.model_validate(response.json()))
    for call in answer.calls:
        arguments = json.loads(call.arguments) if isinstance(call.arguments, str) else call.arguments
        schema = schemas.get(call.name)
        if schema is not None and tool_dialect(received, call.name) == "json-schema":
            jsonschema.validate(arguments, schema)


def tool_dialect(received: Any, name: str) -> str:
    return next(str(tool.dialect) for tool in received.tools if tool.name == name)


def test_a_schema_no_value_satisfies_is_answered_with_text_saying_why(emulator: RunningEmulator) -> None:
    schema = {"type": "object", "properties": {"x": {"not": {"type": "string"}}}, "required": ["x"]}
    tool = {"type": "function", "function": {"name": "Impossible", "parameters": schema}}
    response = post(emulator, "/v1/chat/completions", {"model": "m", "messages": ask("go"), "tools": [tool]})
    assert response.status_code == 200
    message = response.json()["choices"][0]["message"]
    assert message["tool_calls"] is None and "cannot call Impossible" in message["content"]
    assert "no value satisfies Impossible's schema" in response.headers["x-harness-emulator"]


def test_an_async_client_reaches_the_app_in_process() -> None:
    import asyncio

    from harness.emulator import create_app

    async def run() -> list[Any]:
        sdk = sdk_client("anthropic", transport=httpx2.ASGITransport(app=create_app()), async_client=True)
        client = harness.from_provider("anthropic/m", client=sdk, async_client=True)
        values: list[Any] = await client.create(
            messages=ask("book a table"), response_model=Iterable[Booking | GoogleSearch]
        )
        return values

    values = asyncio.run(run())
    assert values and all(isinstance(value, Booking | GoogleSearch) for value in values)


def test_openai_strict_schemas_are_held_to_the_documented_limits(emulator: RunningEmulator) -> None:
    deep: dict[str, Any] = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    node = deep
    for level in range(11):
        child = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
        node["properties"][f"l{level}"] = child
        node["required"].append(f"l{level}")
        node = child
    tool = {"type": "function", "function": {"name": "deep", "parameters": deep, "strict": True}}
    response = post(emulator, "/v1/chat/completions", {"model": "m", "messages": ask("hi"), "tools": [tool]})
    assert response.status_code == 400 and "at most 10 levels of nesting" in response.json()["error"]["message"]
    node = deep  # cut to ten levels: the root and nine below it
    for _ in range(9):
        node = next(iter(node["properties"].values()))
    node["properties"], node["required"] = {}, []
    response = post(emulator, "/v1/chat/completions", {"model": "m", "messages": ask("hi"), "tools": [tool]})
    assert response.status_code == 200, response.text
