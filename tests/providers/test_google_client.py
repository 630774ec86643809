"""Gemini API and Vertex AI through the real google-genai SDK on a mock transport: config, history, streams."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterable
from typing import Any

import pytest
from google.genai import types
from pydantic import BaseModel
from pydantic.alias_generators import to_snake

import harness
from harness.providers import get_provider
from harness.providers._base import Usage, WireAnswer
from harness.testing import MockProvider
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, dumps

GOOGLE = ["google", "vertexai"]


def snake(value: Any) -> Any:
    """Keys in snake_case: the SDK writes some nested keys camelCase on one back end and not the other."""
    if isinstance(value, dict):
        return {to_snake(k): snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake(v) for v in value]
    return value


def declared_names(body: dict[str, Any]) -> list[str]:
    return [d["name"] for d in body["tools"][0]["functionDeclarations"]]


# --- config: typed or dict, merged field by field with harness's own fields ---------------------


@pytest.mark.parametrize("prefix", GOOGLE)
@pytest.mark.parametrize(
    "config",
    [
        types.GenerateContentConfig(temperature=0.2, max_output_tokens=50),
        {"temperature": 0.2, "max_output_tokens": 50},
        {"temperature": 0.2, "maxOutputTokens": 50},
    ],
    ids=["typed", "snake", "camel"],
)
def test_caller_config_keeps_tools_forced_mode_and_system_prompt(prefix: str, config: Any) -> None:
    wire = MockProvider(prefix).answer(*CALLS)
    values = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, config=config)
    assert dumps(values) == dumps(CALLS)
    body = wire.bodies[0]
    assert body["generationConfig"] == {"temperature": 0.2, "maxOutputTokens": 50}
    assert declared_names(body) == ["Weather", "GoogleSearch"]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    assert body["systemInstruction"]["parts"] == [{"text": "You must always use tools"}]


def test_typed_config_works_on_the_async_client() -> None:
    wire = MockProvider("google").answer(*CALLS)
    client = wire.client(async_client=True)
    config = types.GenerateContentConfig(temperature=0.2)
    values = asyncio.run(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, config=config))
    assert dumps(values) == dumps(CALLS)
    assert wire.bodies[0]["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    assert declared_names(wire.bodies[0]) == ["Weather", "GoogleSearch"]


def test_top_level_config_kwargs_win_over_config() -> None:
    wire = MockProvider("google").answer(*CALLS)
    config = types.GenerateContentConfig(temperature=0.2, top_p=0.5)
    wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, config=config, temperature=0.9)
    assert wire.bodies[0]["generationConfig"] == {"temperature": 0.9, "topP": 0.5}


@pytest.mark.parametrize("prefix", GOOGLE)
@pytest.mark.parametrize(
    ("tool_config", "sent"),
    [
        (
            types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.AUTO)
            ),
            {"function_calling_config": {"mode": "AUTO"}},
        ),
        ({"functionCallingConfig": {"mode": "AUTO"}}, {"function_calling_config": {"mode": "AUTO"}}),
        (  # a subset of the declared functions: the mode stays ANY
            types.ToolConfig(function_calling_config=types.FunctionCallingConfig(allowed_function_names=["Weather"])),
            {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["Weather"]}},
        ),
        (
            {"function_calling_config": {"mode": "VALIDATED", "allowedFunctionNames": ["GoogleSearch"]}},
            {"function_calling_config": {"mode": "VALIDATED", "allowed_function_names": ["GoogleSearch"]}},
        ),
        (  # fields beside function_calling_config pass through; the forced mode stays
            types.ToolConfig(retrieval_config=types.RetrievalConfig(language_code="en")),
            {"retrieval_config": {"language_code": "en"}, "function_calling_config": {"mode": "ANY"}},
        ),
    ],
    ids=["typed-auto", "camel-auto", "typed-allowed-subset", "dict-validated", "typed-retrieval"],
)
def test_caller_tool_config_merges_field_by_field(prefix: str, tool_config: Any, sent: dict[str, Any]) -> None:
    wire = MockProvider(prefix).answer(*CALLS)
    config = types.GenerateContentConfig(temperature=0.2, tool_config=tool_config)
    wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, config=config)
    assert snake(wire.bodies[0]["toolConfig"]) == sent
    assert declared_names(wire.bodies[0]) == ["Weather", "GoogleSearch"]


@pytest.mark.parametrize("prefix", GOOGLE)
@pytest.mark.parametrize(
    ("options", "match"),
    [
        (
            {"config": types.GenerateContentConfig(tools=[types.Tool(google_search=types.GoogleSearch())])},
            r"config\.tools.*declares the tools from response_model",
        ),
        (
            {"config": {"tools": [{"function_declarations": [{"name": "Other"}]}]}},
            r"config\.tools.*declares the tools from response_model",
        ),
        ({"tools": [{"google_search": {}}]}, r"config\.tools.*declares the tools from response_model"),
        (
            {
                "config": types.GenerateContentConfig(
                    tool_config=types.ToolConfig(
                        function_calling_config=types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.NONE)
                    )
                )
            },
            r"mode NONE forbids function calls",
        ),
        ({"tool_config": {"function_calling_config": {"mode": "none"}}}, r"mode NONE forbids function calls"),
        (
            {"config": {"toolConfig": {"functionCallingConfig": {"allowedFunctionNames": ["Weather", "Nope"]}}}},
            r"allowed_function_names names \['Nope'\].*declares \['Weather', 'GoogleSearch'\]",
        ),
        (
            {"config": types.GenerateContentConfig(system_instruction="Be brief.")},
            r"system prompt in both messages and config\.system_instruction",
        ),
        ({"config": {"toolConfig": {}, "tool_config": {}}}, r"config gives tool_config twice"),
    ],
    ids=[
        "typed-tools",
        "dict-tools",
        "top-level-tools",
        "typed-mode-none",
        "dict-mode-none",
        "undeclared-allowed-name",
        "two-system-prompts",
        "key-twice",
    ],
)
def test_conflicting_config_is_refused_before_sending(prefix: str, options: dict[str, Any], match: str) -> None:
    wire = MockProvider(prefix)
    with pytest.raises(ValueError, match=match):
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, **options)
    assert wire.requests == []


@pytest.mark.parametrize("prefix", GOOGLE)
def test_system_instruction_in_config_without_a_system_message(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS)
    config = types.GenerateContentConfig(system_instruction="Be brief.")
    wire.client().create(messages=MESSAGES[1:], response_model=RESPONSE_MODEL, config=config)
    assert wire.bodies[0]["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert wire.bodies[0]["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}


# --- per-call model ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", GOOGLE)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_per_call_model_is_sent_to_that_models_url(prefix: str, stream: bool) -> None:
    wire = MockProvider(f"{prefix}/gemini-default").answer(*CALLS).answer(*CALLS)
    client = wire.client()
    for model in ("gemini-other", None):
        options: dict[str, Any] = {"model": model} if model else {}
        values = client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=stream, **options)
        assert dumps(values) == dumps(CALLS)
    method = "streamGenerateContent" if stream else "generateContent"
    other, default = (r.url.path for r in wire.requests)
    assert other.endswith(f"/models/gemini-other:{method}")
    assert default.endswith(f"/models/gemini-default:{method}")
    if prefix == "vertexai":
        assert wire.requests[0].url.host == "us-central1-aiplatform.googleapis.com"
        assert "/locations/us-central1/publishers/google/models/gemini-other" in other
    else:
        assert wire.requests[0].url.host == "generativelanguage.googleapis.com"


# --- multimodal history ------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PNG_BASE64 = base64.b64encode(PNG).decode()


def image(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url, **extra}}


@pytest.mark.parametrize("prefix", GOOGLE)
def test_image_parts_become_inline_data_and_file_data(prefix: str) -> None:
    wrapped = "\n".join(PNG_BASE64[i : i + 8] for i in range(0, len(PNG_BASE64), 8))  # line breaks are dropped
    messages = [
        MESSAGES[0],
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in these?"},
                image(f"data:image/png;base64,{PNG_BASE64}"),
                image(f"data:image/webp;base64,{wrapped}", detail="low"),
                image("https://example.com/cat.png"),
                image("https://example.com/photos/dog.JPG?signature=abc", detail="high"),
                image("gs://bucket/charts/q3.gif"),
                image("https://generativelanguage.googleapis.com/v1beta/files/abc123"),
            ],
        },
    ]
    wire = MockProvider(prefix).answer(*CALLS)
    assert dumps(wire.client().create(messages=messages, response_model=RESPONSE_MODEL)) == dumps(CALLS)
    body = wire.bodies[0]
    (content,) = body["contents"]
    assert content["role"] == "user"
    # The SDK writes the part's key camelCase and the blob's fields as given.
    assert [next(iter(p)) for p in content["parts"]] == ["text"] + ["inlineData"] * 2 + ["fileData"] * 4
    assert snake(content["parts"]) == [
        {"text": "What is in these?"},
        {"inline_data": {"mime_type": "image/png", "data": PNG_BASE64}},
        {"inline_data": {"mime_type": "image/webp", "data": PNG_BASE64}},
        {"file_data": {"file_uri": "https://example.com/cat.png", "mime_type": "image/png"}},
        {
            "file_data": {
                "file_uri": "https://example.com/photos/dog.JPG?signature=abc",
                "mime_type": "image/jpeg",
            }
        },
        {"file_data": {"file_uri": "gs://bucket/charts/q3.gif", "mime_type": "image/gif"}},
        # No extension to go by: an image_url part is an image, taken for the commonest type.
        {
            "file_data": {
                "file_uri": "https://generativelanguage.googleapis.com/v1beta/files/abc123",
                "mime_type": "image/jpeg",
            }
        },
    ]
    assert body["systemInstruction"]["parts"] == [{"text": "You must always use tools"}]


def test_image_parts_beside_an_earlier_tool_exchange() -> None:
    history = [
        {"role": "user", "content": [image("https://example.com/map.png"), {"type": "text", "text": "Weather?"}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "Checking."}],
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "Weather", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "3C"},
    ]
    wire = MockProvider("google").answer(*CALLS)
    wire.client().create(messages=history, response_model=RESPONSE_MODEL)
    assert snake(wire.bodies[0]["contents"]) == [
        {
            "role": "user",
            "parts": [
                {"file_data": {"file_uri": "https://example.com/map.png", "mime_type": "image/png"}},
                {"text": "Weather?"},
            ],
        },
        {
            "role": "model",
            "parts": [{"text": "Checking."}, {"function_call": {"id": "c1", "name": "Weather", "args": {}}}],
        },
        {
            "role": "user",
            "parts": [{"function_response": {"id": "c1", "name": "Weather", "response": {"output": "3C"}}}],
        },
    ]


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        ([image("data:image/png;base64,not base64!")], ValueError, r"messages\[0\]\.content\[0\].*not valid base64"),
        ([{"type": "text", "text": "x"}, image("data:image/png,raw")], ValueError, r"content\[1\].*base64"),
        ([{"type": "input_audio", "input_audio": {}}], TypeError, r"messages\[0\]\.content\[0\]"),
    ],
    ids=["bad-base64", "not-base64", "unknown-part"],
)
def test_unconvertible_image_parts_name_the_part(content: list[Any], error: type[Exception], match: str) -> None:
    wire = MockProvider("google")
    with pytest.raises(error, match=match):
        wire.client().create(messages=[{"role": "user", "content": content}], response_model=RESPONSE_MODEL)
    assert wire.requests == []


# --- recursion: refused only where a cycle of required fields can never end -----------------------


class Section(BaseModel):
    title: str
    body: Body  # required


class Body(BaseModel):
    text: str
    subsection: Section | None = None  # omittable: the cycle can end here


class Node(BaseModel):
    child: Node  # required self-reference: no instance ends


class NullableNode(BaseModel):
    child: NullableNode | None  # required, nullable: Gemini documents this as not enough


class ListNode(BaseModel):
    children: list[ListNode]  # required list


class Ping(BaseModel):
    pong: Pong


class Pong(BaseModel):
    ping: Ping
    spare: Ping | None = None  # a second, omittable way round does not end the required cycle


class Holder(BaseModel):
    node: Node | None = None  # the cycle is inside Node, wherever Node is reached from


for _model in (Section, Body, Node, NullableNode, ListNode, Ping, Pong, Holder):
    _model.model_rebuild()


@pytest.mark.parametrize("prefix", GOOGLE)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_cycle_through_one_omittable_field_is_accepted(prefix: str, stream: bool) -> None:
    sections = [
        Section(title="a", body=Body(text="x")),
        Section(title="b", body=Body(text="y", subsection=Section(title="c", body=Body(text="z")))),
    ]
    wire = MockProvider(prefix).answer(*sections)
    client = wire.client()
    values = client.create(messages=MESSAGES, response_model=Iterable[Section], stream=stream)
    assert dumps(values) == dumps(sections)
    schema = wire.bodies[0]["tools"][0]["functionDeclarations"][0]["parameters_json_schema"]
    assert schema["required"] == ["title", "body"]
    assert "subsection" not in schema["$defs"]["Body"]["required"]


@pytest.mark.parametrize("prefix", GOOGLE)
@pytest.mark.parametrize(
    ("model", "path"),
    [
        (Node, "Node.child"),
        (NullableNode, "NullableNode.child"),
        (ListNode, "ListNode.children[]"),
        (Ping, "Ping.pong"),
        (Holder, "Holder<Node>.child"),
    ],
    ids=["required-self", "nullable-self", "required-list", "mutual", "nested"],
)
def test_cycle_of_required_fields_only_is_refused(prefix: str, model: type[BaseModel], path: str) -> None:
    wire = MockProvider(prefix)
    with pytest.raises(harness.UnsupportedSchemaError) as info:
        wire.client().create(messages=MESSAGES, response_model=Iterable[model])  # type: ignore[valid-type]
    assert wire.requests == []
    assert info.value.provider == prefix
    assert f"{info.value.tool_name}{info.value.path}" == path
    assert "recursive reference through required fields only" in str(info.value)
    assert "default" in str(info.value)


def test_other_providers_keep_their_recursion_rules() -> None:
    sections = [Section(title="a", body=Body(text="x", subsection=Section(title="b", body=Body(text="y"))))]
    wire = MockProvider("openai").answer(*sections)
    assert dumps(wire.client().create(messages=MESSAGES, response_model=Iterable[Section])) == dumps(sections)
    strict = MockProvider("anthropic")
    with pytest.raises(harness.UnsupportedSchemaError, match="recursive model"):
        strict.client(strict=True).create(messages=MESSAGES, response_model=Iterable[Section])
    assert strict.requests == []


# --- streams: cut before the finish chunk, and usage ------------------------------------------------


def cut_after_first_call(prefix: str) -> str:
    """The stream of three calls, cut after the chunk carrying the first: no chunk has a finishReason."""
    text: str = get_provider(prefix).write_stream(WireAnswer.of(CALLS), model="m")
    events = [e for e in text.split("\n\n") if e.strip()]
    assert len(events) == 4 and "finishReason" in events[-1] and "finishReason" not in events[0]
    return events[0] + "\n\n"


@pytest.mark.parametrize("prefix", GOOGLE)
def test_stream_cut_before_its_finish_chunk_is_incomplete(prefix: str) -> None:
    wire = MockProvider(prefix)
    wire.answer_chunks([cut_after_first_call(prefix).encode()])
    stream = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    assert dumps([next(stream)]) == dumps(CALLS[:1])
    with pytest.raises(harness.IncompleteResponseError) as info:
        next(stream)
    assert info.value.calls_seen == 1
    assert stream.usage is None


@pytest.mark.parametrize("prefix", GOOGLE)
def test_async_stream_cut_before_its_finish_chunk_is_incomplete(prefix: str) -> None:
    wire = MockProvider(prefix)
    wire.answer_chunks([cut_after_first_call(prefix).encode()])
    client = wire.client(async_client=True)

    async def read() -> tuple[list[BaseModel], BaseException | None]:
        got: list[BaseModel] = []
        stream = client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
        try:
            async for value in stream:
                got.append(value)
        except harness.IncompleteResponseError as error:
            return got, error
        return got, None

    got, error = asyncio.run(read())
    assert dumps(got) == dumps(CALLS[:1])
    assert isinstance(error, harness.IncompleteResponseError)


@pytest.mark.parametrize("prefix", GOOGLE)
def test_usage_is_read_from_a_plain_answer(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS, usage=Usage(3, 5, 8))
    response = wire.client().create_with_response(messages=MESSAGES, response_model=RESPONSE_MODEL)
    assert dumps(response.values) == dumps(CALLS)
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (3, 5, 8)
    assert isinstance(response.usage.raw, types.GenerateContentResponseUsageMetadata)
    assert response.total_usage is not None and response.total_usage.total_tokens == 8


@pytest.mark.parametrize("prefix", GOOGLE)
def test_usage_is_read_from_a_whole_stream(prefix: str) -> None:
    wire = MockProvider(prefix).answer(*CALLS, usage=Usage(3, 5, 8))
    stream = wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True)
    assert dumps(stream) == dumps(CALLS)
    assert stream.usage is not None
    assert (stream.usage.input_tokens, stream.usage.output_tokens, stream.usage.total_tokens) == (3, 5, 8)


@pytest.mark.parametrize("prefix", ["google", "vertexai"])
def test_several_candidates_are_refused_before_sending(prefix: str) -> None:
    wire = MockProvider(prefix)
    config = types.GenerateContentConfig(candidate_count=2)
    with pytest.raises(ValueError, match="candidate_count=2 asks for several candidates"):
        wire.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL, config=config)
    assert wire.requests == []
