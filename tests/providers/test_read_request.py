"""The emulator's side of each provider module: reading request bodies, writing errors, paths and keys.

Requests come from three places: every real recorded request, the bodies the official SDKs send
(captured by ``MockProvider`` through ``client.create``), and hand-written bodies for each form a field
can take. Error bodies are served to the real SDKs, which must raise their own exception types with them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import harness.providers
from harness.providers import get_provider
from harness.providers._base import DeclaredTool, ReceivedRequest
from harness.testing import MockProvider
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, USER
from tests._seed import FIRST_PARTY_PREFIXES as PREFIXES
from tests.providers.test_real_recordings import RECORDINGS, declared_tools

# ../shared beside the clone, as CI lays it out; absent elsewhere, which leaves the bundled copies.
SHARED_RECORDINGS = Path(__file__).resolve().parents[3] / "shared" / "real-recordings"
RECORDING_FILES = sorted(RECORDINGS.rglob("*.json")) + sorted(SHARED_RECORDINGS.rglob("*.json"))
# Old model names in recordings make the SDKs warn; that is not what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")


def read(prefix: str, body: Any, path: str = "") -> ReceivedRequest:
    return get_provider(prefix).read_request(body, path=path or PATHS[prefix])


# --- every real recorded request ------------------------------------------------------------------


def _results_last(folder: str, body: dict[str, Any]) -> bool:
    """Whether the recorded request ends with tool results, read here apart from the provider modules."""
    if folder == "openai":
        return bool(body["messages"][-1]["role"] == "tool")
    if folder == "openai-responses":
        # A client-run tool search answers the model too (one recording ends with its output).
        outputs = ("function_call_output", "tool_search_output")
        return isinstance(body["input"], list) and body["input"][-1].get("type") in outputs
    if folder == "anthropic":
        last = [m for m in body["messages"] if m["role"] != "system"][-1]
        blocks = last["content"] if isinstance(last["content"], list) else []
        return last["role"] == "user" and any(block["type"] == "tool_result" for block in blocks)
    parts = body["contents"][-1]["parts"]
    return any("functionResponse" in part or "function_response" in part for part in parts)


def _recording_id(path: Path) -> str:
    return f"{'shared' if path.is_relative_to(SHARED_RECORDINGS) else 'tests'}/{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", RECORDING_FILES, ids=_recording_id)
def test_every_recorded_request_is_read(path: Path) -> None:
    recording = json.loads(path.read_text(encoding="utf-8"))
    folder = path.parent.name
    provider = get_provider(folder)
    body = recording["request"]["body"]
    url_path = urlsplit(recording["request"]["uri"]).path
    assert provider.serves(url_path)

    received = provider.read_request(body, path=url_path)

    functions = [(tool.name, tool.schema or {}) for tool in received.tools if tool.kind == "function"]
    assert functions == declared_tools(folder, body)
    assert received.stream == ("text" in recording["response"])
    in_path = re.search(r"/models/([^/:]+):", url_path)
    assert received.model == (body.get("model") or (in_path.group(1) if in_path else None))
    assert received.continuation == _results_last(folder, body)
    # The prompt is one user text of the body, word for word (one Gemini recording sends an empty one).
    assert json.dumps(received.prompt)[1:-1] in json.dumps(body)
    assert received.prompt.strip() or path.name.startswith("test_google_instructions_only")


def test_recordings_cover_every_provider_and_server_tools() -> None:
    folders = {path.parent.name for path in RECORDING_FILES}
    # Recordings of the APIs with a wire of their own; none of Azure or Claude on Vertex are in the repository.
    assert folders == {prefix for prefix in PREFIXES if get_provider(prefix).wire == prefix}
    kinds = set()
    for path in RECORDING_FILES:
        recording = json.loads(path.read_text(encoding="utf-8"))
        uri = urlsplit(recording["request"]["uri"]).path
        kinds |= {tool.kind for tool in read(path.parent.name, recording["request"]["body"], uri).tools}
    assert kinds == {"function", "server"}


# --- bodies the SDKs really send ------------------------------------------------------------------

TOOL_CALL: dict[str, Any] = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "Weather", "arguments": '{"location": "Oslo"}'},
}
HISTORY: list[dict[str, Any]] = [
    *MESSAGES,
    {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": "12 degrees"},
]


def sent(prefix: str, messages: list[dict[str, Any]], *, stream: bool = False, **options: Any) -> tuple[Any, str]:
    """The body the SDK sends through harness for ``messages``, and its URL path."""
    endpoint = MockProvider(prefix).answer(*CALLS)
    client = endpoint.client()
    if stream:
        list(client.create(messages=messages, response_model=RESPONSE_MODEL, stream=True, **options))
    else:
        client.create(messages=messages, response_model=RESPONSE_MODEL, **options)
    return endpoint.bodies[0], endpoint.requests[0].url.path


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_sdk_requests_are_read_back(prefix: str, stream: bool) -> None:
    body, path = sent(prefix, MESSAGES, stream=stream)
    provider = get_provider(prefix)
    assert provider.serves(path)

    received = provider.read_request(body, path=path)

    assert [(tool.name, tool.kind, tool.dialect, tool.strict) for tool in received.tools] == [
        ("Weather", "function", "json-schema", False),
        ("GoogleSearch", "function", "json-schema", False),
    ]
    assert received.tools[0].schema is not None
    assert set(received.tools[0].schema["properties"]) == {"location", "units"}
    # harness always forces a call and allows several.
    assert (received.tool_choice, received.named_tool, received.parallel) == ("required", None, True)
    assert received.stream is stream
    assert received.model == "test-model"
    assert received.prompt == USER["content"]
    assert not received.continuation


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sdk_requests_after_tool_results_are_continuations(prefix: str) -> None:
    body, path = sent(prefix, HISTORY)
    received = read(prefix, body, path)
    assert received.continuation
    assert received.prompt == USER["content"]  # the results answer the model; the question stays the prompt


@pytest.mark.parametrize(
    ("prefix", "options", "expected"),
    [
        ("openai", {"max_completion_tokens": 77, "parallel_tool_calls": False}, (77, False, "required", None)),
        ("openai", {"max_tokens": 66}, (66, True, "required", None)),
        (
            "openai",
            {"tool_choice": {"type": "function", "function": {"name": "Weather"}}},
            (None, True, "named", "Weather"),
        ),
        ("openai-responses", {"max_output_tokens": 77, "parallel_tool_calls": False}, (77, False, "required", None)),
        (
            "openai-responses",
            {"tool_choice": {"type": "function", "name": "Weather"}},
            (None, True, "named", "Weather"),
        ),
        (
            "anthropic",
            {"max_tokens": 77, "tool_choice": {"type": "any", "disable_parallel_tool_use": True}},
            (77, False, "required", None),
        ),
        ("anthropic", {"tool_choice": {"type": "tool", "name": "Weather"}}, (4096, True, "named", "Weather")),
        ("google", {"max_output_tokens": 77}, (77, True, "required", None)),
        (
            # The SDK writes allowed_function_names in snake_case inside toolConfig.
            "google",
            {"tool_config": {"function_calling_config": {"allowed_function_names": ["Weather"]}}},
            (None, True, "named", "Weather"),
        ),
        (
            "vertexai",
            {"tool_config": {"function_calling_config": {"mode": "VALIDATED"}}, "max_output_tokens": 5},
            (5, True, "auto", None),
        ),
    ],
)
def test_sdk_requests_with_options(prefix: str, options: dict[str, Any], expected: tuple[Any, ...]) -> None:
    body, path = sent(prefix, MESSAGES, **options)
    received = read(prefix, body, path)
    assert (received.max_tokens, received.parallel, received.tool_choice, received.named_tool) == expected


def _genai_body(prefix: str, declaration: Any, *, stream: bool = False) -> tuple[Any, str]:
    """The body google-genai itself sends for one function declaration (typed or a dict)."""
    from google.genai import types

    endpoint = MockProvider(prefix).answer(*CALLS)
    config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[declaration])])
    models = endpoint.sdk_client().models
    if stream:
        list(models.generate_content_stream(model="gemini-x", contents="hi", config=config))
    else:
        models.generate_content(model="gemini-x", contents="hi", config=config)
    return endpoint.bodies[0], endpoint.requests[0].url.path


@pytest.mark.parametrize("prefix", ["google", "vertexai"])
def test_genai_parameters_are_openapi_and_parameters_json_schema_is_json_schema(prefix: str) -> None:
    from google.genai import types

    typed = types.FunctionDeclaration(
        name="lookup",
        parameters=types.Schema(
            type=types.Type.OBJECT, properties={"city": types.Schema(type=types.Type.STRING, nullable=True)}
        ),
    )
    body, path = _genai_body(prefix, typed, stream=True)
    (tool,) = read(prefix, body, path).tools
    assert (tool.name, tool.dialect, tool.schema) == (
        "lookup",
        "openapi",
        {"type": "OBJECT", "properties": {"city": {"type": "STRING", "nullable": True}}},
    )
    assert read(prefix, body, path).stream

    schema = {"type": "object", "properties": {"city": {"type": ["string", "null"]}}}
    body, path = _genai_body(prefix, types.FunctionDeclaration(name="lookup", parameters_json_schema=schema))
    (tool,) = read(prefix, body, path).tools
    assert (tool.dialect, tool.schema) == ("json-schema", schema)
    assert read(prefix, body, path).model == "gemini-x"


# --- hand-written bodies: each form a field takes ---------------------------------------------------

PATHS = {
    "openai": "/v1/chat/completions",
    "openai-responses": "/v1/responses",
    "anthropic": "/v1/messages",
    "google": "/v1beta/models/gemini-x:generateContent",
    "vertexai": "/v1beta1/projects/p/locations/us-central1/publishers/google/models/gemini-x:generateContent",
    "azure": "/openai/deployments/d/chat/completions",
    "azure-responses": "/openai/v1/responses",
    "anthropic-vertex": "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-x:rawPredict",
}
OBJECT: dict[str, Any] = {"type": "object", "properties": {"x": {"type": "integer"}}}


def body_for(prefix: str, **fields: Any) -> dict[str, Any]:
    """A minimal valid body declaring tools ``a`` and ``b``, with ``fields`` over it."""
    prefix = get_provider(prefix).wire  # the wire it speaks
    if prefix == "openai":
        tools: Any = [{"type": "function", "function": {"name": n, "parameters": OBJECT}} for n in "ab"]
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": tools}
    elif prefix == "openai-responses":
        tools = [{"type": "function", "name": n, "parameters": OBJECT, "strict": False} for n in "ab"]
        body = {"model": "m", "input": "hi", "tools": tools}
    elif prefix == "anthropic":
        tools = [{"name": n, "input_schema": OBJECT} for n in "ab"]
        body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "tools": tools}
    else:
        declarations = [{"name": n, "parametersJsonSchema": OBJECT} for n in "ab"]
        body = {
            "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
            "tools": [{"functionDeclarations": declarations}],
        }
    return {**body, **fields}


def test_absent_tool_choice_is_auto_and_parallel() -> None:
    for prefix in PREFIXES:
        received = read(prefix, body_for(prefix))
        assert (received.tool_choice, received.named_tool, received.parallel, received.stream) == (
            "auto",
            None,
            True,
            False,
        ), prefix
        assert [tool.name for tool in received.tools] == ["a", "b"]


CHOICES: list[tuple[str, dict[str, Any], tuple[str, str | None, bool]]] = [
    ("openai", {"tool_choice": "auto"}, ("auto", None, True)),
    ("openai", {"tool_choice": "required"}, ("required", None, True)),
    ("openai", {"tool_choice": "none"}, ("none", None, True)),
    ("openai", {"tool_choice": {"type": "function", "function": {"name": "b"}}}, ("named", "b", True)),
    ("openai", {"tool_choice": "required", "parallel_tool_calls": False}, ("required", None, False)),
    (
        "openai",
        {
            "tool_choice": {
                "type": "allowed_tools",
                "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "a"}}]},
            }
        },
        ("named", "a", True),
    ),
    (
        "openai",
        {
            "tool_choice": {
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "auto",
                    "tools": [{"type": "function", "function": {"name": n}} for n in "ab"],
                },
            }
        },
        ("auto", None, True),
    ),
    ("openai-responses", {"tool_choice": "required"}, ("required", None, True)),
    ("openai-responses", {"tool_choice": "none", "parallel_tool_calls": False}, ("none", None, False)),
    ("openai-responses", {"tool_choice": {"type": "function", "name": "b"}}, ("named", "b", True)),
    (
        "openai-responses",
        {"tool_choice": {"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "a"}]}},
        ("named", "a", True),
    ),
    (
        "openai-responses",
        {
            "tool_choice": {
                "type": "allowed_tools",
                "mode": "required",
                "tools": [{"type": "function", "name": n} for n in "ab"],
            }
        },
        ("required", None, True),
    ),
    ("openai-responses", {"tool_choice": {"type": "file_search"}}, ("named", "file_search", True)),
    ("openai-responses", {"tool_choice": {"type": "mcp", "server_label": "wiki"}}, ("named", "wiki", True)),
    ("anthropic", {"tool_choice": {"type": "auto"}}, ("auto", None, True)),
    ("anthropic", {"tool_choice": {"type": "any"}}, ("required", None, True)),
    ("anthropic", {"tool_choice": {"type": "none"}}, ("none", None, True)),
    ("anthropic", {"tool_choice": {"type": "tool", "name": "b"}}, ("named", "b", True)),
    ("anthropic", {"tool_choice": {"type": "auto", "disable_parallel_tool_use": True}}, ("auto", None, False)),
    ("anthropic", {"tool_choice": {"type": "any", "disable_parallel_tool_use": False}}, ("required", None, True)),
    ("google", {"toolConfig": {"functionCallingConfig": {"mode": "AUTO"}}}, ("auto", None, True)),
    ("google", {"toolConfig": {"functionCallingConfig": {"mode": "ANY"}}}, ("required", None, True)),
    ("google", {"toolConfig": {"functionCallingConfig": {"mode": "NONE"}}}, ("none", None, True)),
    ("google", {"toolConfig": {"functionCallingConfig": {"mode": "VALIDATED"}}}, ("auto", None, True)),
    (
        "google",
        {"toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["b"]}}},
        ("named", "b", True),
    ),
    (
        "vertexai",
        {"tool_config": {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["a", "b"]}}},
        ("required", None, True),
    ),
    (
        "vertexai",
        {"toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowed_function_names": ["a"]}}},
        ("named", "a", True),
    ),
]


@pytest.mark.parametrize(("prefix", "fields", "expected"), CHOICES)
def test_tool_choice_forms(prefix: str, fields: dict[str, Any], expected: tuple[str, str | None, bool]) -> None:
    tools = body_for(prefix).get("tools", [])
    if prefix == "openai-responses":
        tools = [*tools, {"type": "file_search", "vector_store_ids": ["vs_1"]}, {"type": "mcp", "server_label": "wiki"}]
    received = read(prefix, body_for(prefix, tools=tools, **fields))
    assert (received.tool_choice, received.named_tool, received.parallel) == expected


@pytest.mark.parametrize(
    ("prefix", "fields", "expected"),
    [
        ("openai", {"max_completion_tokens": 50}, 50),
        ("openai", {"max_tokens": 40}, 40),
        ("openai", {"max_completion_tokens": 50, "max_tokens": 40}, 50),
        ("openai-responses", {"max_output_tokens": 30}, 30),
        ("anthropic", {"max_tokens": 20}, 20),
        ("google", {"generationConfig": {"maxOutputTokens": 10}}, 10),
        ("vertexai", {"generation_config": {"max_output_tokens": 11}}, 11),
        ("google", {"generationConfig": {}}, None),
    ],
)
def test_max_tokens(prefix: str, fields: dict[str, Any], expected: int | None) -> None:
    assert read(prefix, body_for(prefix, **fields)).max_tokens == expected


def test_stream_flags() -> None:
    assert read("openai", body_for("openai", stream=True)).stream
    assert not read("openai", body_for("openai", stream=None)).stream
    assert read("openai-responses", body_for("openai-responses", stream=True)).stream
    assert read("anthropic", body_for("anthropic", stream=True)).stream
    stream_path = PATHS["google"].replace(":generateContent", ":streamGenerateContent")
    assert read("google", body_for("google"), stream_path + "?alt=sse").stream
    assert not read("google", body_for("google", stream=True)).stream  # Gemini streams by path only


USER_TEXT: dict[str, Any] = {
    "role": "user",
    "content": [{"type": "text", "text": "first "}, {"type": "text", "text": "part"}],
}
RESULT_BLOCK: dict[str, Any] = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "12"}
CONVERSATIONS: list[tuple[str, dict[str, Any], bool, str]] = [
    ("openai", {"messages": [USER_TEXT]}, False, "first part"),
    (
        "openai",
        {"messages": [USER_TEXT, {"role": "assistant", "tool_calls": [TOOL_CALL]}, {"role": "tool", "content": "1"}]},
        True,
        "first part",
    ),
    (
        "openai",
        {"messages": [USER_TEXT, {"role": "tool", "content": "1"}, {"role": "developer", "content": "go on"}]},
        True,
        "first part",
    ),
    ("openai", {"messages": [{"role": "tool", "content": "1"}, {"role": "user", "content": "next"}]}, False, "next"),
    ("openai-responses", {"input": "just this"}, False, "just this"),
    (
        "openai-responses",
        {
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "look "}, {"type": "input_image"}]},
                {"type": "function_call", "call_id": "c", "name": "a", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c", "output": "1"},
            ]
        },
        True,
        "look ",
    ),
    ("openai-responses", {"input": [{"type": "message", "role": "user", "content": "typed"}]}, False, "typed"),
    ("anthropic", {"messages": [{"role": "user", "content": [{"type": "text", "text": "blocks"}]}]}, False, "blocks"),
    (
        "anthropic",
        {
            "messages": [
                {"role": "user", "content": "question"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "a", "input": {}}]},
                {"role": "user", "content": [RESULT_BLOCK]},
            ]
        },
        True,
        "question",
    ),
    (
        "anthropic",
        {"messages": [{"role": "user", "content": [RESULT_BLOCK, {"type": "text", "text": "and more"}]}]},
        True,
        "and more",
    ),
    (
        "anthropic",
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "prefill"}]},
        False,
        "q",
    ),
    (
        "google",
        {
            "contents": [
                {"role": "user", "parts": [{"text": "think", "thought": True}, {"text": "ask"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "a", "args": {}}}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "a", "response": {"output": 1}}}]},
            ]
        },
        True,
        "ask",
    ),
    (
        "vertexai",
        {"contents": [{"parts": [{"text": "no role"}]}, {"parts": [{"function_response": {"name": "a"}}]}]},
        True,
        "no role",
    ),
    ("google", {"contents": [{"role": "user", "parts": [{"text": "only"}]}]}, False, "only"),
]


@pytest.mark.parametrize(("prefix", "fields", "continuation", "prompt"), CONVERSATIONS)
def test_continuation_and_prompt(prefix: str, fields: dict[str, Any], continuation: bool, prompt: str) -> None:
    received = read(prefix, body_for(prefix, **fields))
    assert (received.continuation, received.prompt) == (continuation, prompt)


SERVER_TOOLS: list[tuple[str, list[Any], list[tuple[str, str]]]] = [
    (
        "openai",
        [{"type": "custom", "custom": {"name": "shell", "format": {"type": "text"}}}],
        [("shell", "custom")],
    ),
    (
        "openai-responses",
        [
            {"type": "web_search"},
            {"type": "file_search", "vector_store_ids": ["vs_1"]},
            {"type": "code_interpreter", "container": {"type": "auto"}},
            {"type": "mcp", "server_label": "wiki", "server_url": "https://example.com/mcp"},
            {"type": "custom", "name": "grammar_tool"},
            {"type": "namespace", "name": "crm", "description": "CRM", "tools": []},
            {"type": "tool_search"},
        ],
        [
            ("web_search", "server"),
            ("file_search", "server"),
            ("code_interpreter", "server"),
            ("wiki", "server"),
            ("grammar_tool", "custom"),
            ("crm", "custom"),
            ("tool_search", "server"),
        ],
    ),
    (
        "anthropic",
        [
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
            {"type": "bash_20250124", "name": "bash"},
            {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
            {"type": "code_execution_20250825", "name": "code_execution"},
            {"type": "custom", "name": "c", "input_schema": OBJECT},
        ],
        [
            ("web_search", "server"),
            ("bash", "server"),
            ("str_replace_based_edit_tool", "server"),
            ("code_execution", "server"),
            ("c", "function"),
        ],
    ),
    (
        "google",
        [
            {"googleSearch": {}},
            {"codeExecution": {}},
            {"url_context": {}},
            {"retrieval": {"vertexAiSearch": {"datastore": "d"}}},
            {"functionDeclarations": [{"name": "f"}], "googleSearchRetrieval": {}},
        ],
        [
            ("googleSearch", "server"),
            ("codeExecution", "server"),
            ("urlContext", "server"),
            ("retrieval", "server"),
            ("f", "function"),
            ("googleSearchRetrieval", "server"),
        ],
    ),
]


@pytest.mark.parametrize(("prefix", "tools", "expected"), SERVER_TOOLS)
def test_server_and_custom_tools(prefix: str, tools: list[Any], expected: list[tuple[str, str]]) -> None:
    received = read(prefix, body_for(prefix, tools=tools))
    assert [(tool.name, tool.kind) for tool in received.tools] == expected
    assert all(tool.schema is None for tool in received.tools if tool.kind != "function")


@pytest.mark.parametrize("prefix", ["google", "vertexai"])
def test_gemini_declaration_dialects(prefix: str) -> None:
    openapi = {"type": "OBJECT", "properties": {"x": {"type": "INTEGER", "nullable": True}}}
    declarations = [
        {"name": "o", "parameters": openapi},
        {"name": "j", "parametersJsonSchema": OBJECT},
        {"name": "s", "parameters_json_schema": OBJECT},
        {"name": "n", "description": "no arguments"},
    ]
    # One tool sent bare (not in a list) is read as a list of one.
    received = read(prefix, body_for(prefix, tools={"function_declarations": declarations}))
    assert received.tools == [
        DeclaredTool("o", openapi, dialect="openapi"),
        DeclaredTool("j", OBJECT),
        DeclaredTool("s", OBJECT),
        DeclaredTool("n", None),
    ]


def test_strict_flags() -> None:
    closed = {
        "type": "object",
        "properties": {"x": {"type": "integer"}},
        "required": ["x"],
        "additionalProperties": False,
    }
    tools: list[dict[str, Any]] = [
        {"type": "function", "function": {"name": "s", "parameters": closed, "strict": True}},
        {"type": "function", "function": {"name": "n", "parameters": closed}},
    ]
    assert [t.strict for t in read("openai", body_for("openai", tools=tools)).tools] == [True, False]
    # Responses without `strict`: the API makes the schema strict when it can.
    tools = [
        {"type": "function", "name": "closed", "parameters": closed},
        {"type": "function", "name": "open", "parameters": OBJECT},
        {"type": "function", "name": "off", "parameters": closed, "strict": False},
        {"type": "function", "name": "on", "parameters": OBJECT, "strict": True},
    ]
    assert [t.strict for t in read("openai-responses", body_for("openai-responses", tools=tools)).tools] == [
        True,
        False,
        False,
        True,
    ]
    tools = [{"name": "s", "input_schema": closed, "strict": True}, {"name": "n", "input_schema": closed}]
    assert [t.strict for t in read("anthropic", body_for("anthropic", tools=tools)).tools] == [True, False]


def test_gemini_model_comes_from_the_path() -> None:
    assert read("google", body_for("google"), "/v1/models/gemini-2.5-pro:streamGenerateContent").model == (
        "gemini-2.5-pro"
    )
    express = "/v1beta1/publishers/google/models/gemini-3-flash:generateContent"
    assert read("vertexai", body_for("vertexai"), express).model == "gemini-3-flash"


# --- malformed bodies ---------------------------------------------------------------------------------

FUNCTION: dict[str, Any] = {"type": "function", "function": {"name": "a"}}
MALFORMED: list[tuple[str, Any, str]] = [
    ("openai", [], "body"),
    ("openai", {"messages": None}, "messages"),  # None: the field is left out
    ("openai", {"model": None}, "model"),
    ("openai", {"model": "m", "messages": ["hi"]}, "messages[0]"),
    ("openai", {"tools": {"type": "function"}}, "tools"),
    ("openai", {"tools": [FUNCTION, "b"]}, "tools[1]"),
    ("openai", {"tools": [{"type": "function"}]}, "tools[0].function"),
    ("openai", {"tools": [{"type": "function", "function": {"parameters": {}}}]}, "tools[0].function.name"),
    ("openai", {"tools": [{"type": "function", "function": {"name": 7}}]}, "tools[0].function.name"),
    (
        "openai",
        {"tools": [{"type": "function", "function": {"name": "a", "parameters": []}}]},
        "tools[0].function.parameters",
    ),
    (
        "openai",
        {"tools": [{"type": "function", "function": {"name": "a", "strict": "yes"}}]},
        "tools[0].function.strict",
    ),
    ("openai", {"tools": [{"function": {"name": "a"}}]}, "tools[0].type"),
    ("openai", {"tool_choice": "sometimes"}, "tool_choice"),
    ("openai", {"tool_choice": {"type": "function"}}, "tool_choice.function"),
    (
        "openai",
        {"tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "x", "tools": [FUNCTION]}}},
        "tool_choice.allowed_tools.mode",
    ),
    ("openai", {"stream": "yes"}, "stream"),
    ("openai", {"parallel_tool_calls": 1}, "parallel_tool_calls"),
    ("openai", {"max_completion_tokens": -1}, "max_completion_tokens"),
    ("openai", {"max_tokens": "many"}, "max_tokens"),
    (
        "openai",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, 5]}]},
        "messages[0].content[1]",
    ),
    ("openai-responses", 5, "body"),
    ("openai-responses", {"tools": [{"name": "a"}]}, "tools[0].type"),
    ("openai-responses", {"tools": [{"type": "function", "parameters": {}}]}, "tools[0].name"),
    ("openai-responses", {"tools": [{"type": "mcp"}]}, "tools[0].server_label"),
    ("openai-responses", {"input": 5}, "input"),
    ("openai-responses", {"input": [None]}, "input[0]"),
    ("openai-responses", {"tool_choice": {"type": "function"}}, "tool_choice.name"),
    ("openai-responses", {"tool_choice": {"name": "a"}}, "tool_choice.type"),
    (
        "openai-responses",
        {"tool_choice": {"type": "allowed_tools", "mode": "required", "tools": []}},
        "tool_choice.tools",
    ),
    ("openai-responses", {"max_output_tokens": 0}, "max_output_tokens"),
    ("anthropic", "text", "body"),
    ("anthropic", {"messages": []}, "messages"),
    ("anthropic", {"model": None}, "model"),
    ("anthropic", {"max_tokens": "10"}, "max_tokens"),
    ("anthropic", {"tools": [{"input_schema": OBJECT}]}, "tools[0].name"),
    ("anthropic", {"tools": [{"name": "a"}]}, "tools[0].input_schema"),
    ("anthropic", {"tools": [{"name": "a", "input_schema": "{}"}]}, "tools[0].input_schema"),
    ("anthropic", {"tool_choice": "auto"}, "tool_choice"),
    ("anthropic", {"tool_choice": {"type": "sometimes"}}, "tool_choice.type"),
    ("anthropic", {"tool_choice": {"type": "tool"}}, "tool_choice.name"),
    (
        "anthropic",
        {"tool_choice": {"type": "any", "disable_parallel_tool_use": "yes"}},
        "tool_choice.disable_parallel_tool_use",
    ),
    ("anthropic", {"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ("google", None, "body"),
    ("google", {"contents": []}, "contents"),
    ("google", {"contents": [{"parts": "hi"}]}, "contents[0].parts"),
    ("google", {"tools": [{"functionDeclarations": {"name": "a"}}]}, "tools[0].functionDeclarations"),
    ("google", {"tools": [{"functionDeclarations": [{"description": "x"}]}]}, "tools[0].functionDeclarations[0].name"),
    (
        "google",
        {"tools": [{"function_declarations": [{"name": "a", "parameters_json_schema": 1}]}]},
        "tools[0].function_declarations[0].parameters_json_schema",
    ),
    (
        "google",
        {"tools": [{"functionDeclarations": [{"name": "a", "parameters": OBJECT, "parametersJsonSchema": OBJECT}]}]},
        "tools[0].functionDeclarations[0]",
    ),
    ("google", {"toolConfig": {"functionCallingConfig": {"mode": "any"}}}, "toolConfig.functionCallingConfig.mode"),
    (
        "vertexai",
        {"tool_config": {"function_calling_config": {"allowed_function_names": [1]}}},
        "tool_config.function_calling_config.allowed_function_names[0]",
    ),
    ("vertexai", {"toolConfig": []}, "toolConfig"),
    ("vertexai", {"generationConfig": {"maxOutputTokens": 1.5}}, "generationConfig.maxOutputTokens"),
]


@pytest.mark.parametrize(("prefix", "fields", "field"), MALFORMED)
def test_malformed_bodies_name_the_field(prefix: str, fields: Any, field: str) -> None:
    body = {**body_for(prefix), **fields} if isinstance(fields, dict) else fields
    if isinstance(fields, dict):
        body = {key: value for key, value in body.items() if value is not None}
    with pytest.raises(ValueError, match="^" + re.escape(field) + ":"):
        read(prefix, body)


# --- errors, served to the real SDKs --------------------------------------------------------------------


def call_sdk(prefix: str, endpoint: MockProvider) -> None:
    """One plain request through the official SDK itself, which raises on an error status."""
    sdk = endpoint.sdk_client()
    if prefix == "openai":
        sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    elif prefix == "openai-responses":
        sdk.responses.create(model="m", input="hi")
    elif prefix == "anthropic":
        sdk.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    else:
        sdk.models.generate_content(model="gemini-x", contents="hi")


def sdk_error(prefix: str, status: int, body: dict[str, Any]) -> Exception:
    endpoint = MockProvider(prefix).answer_body(body, status=status)
    with pytest.raises(Exception) as raised:
        call_sdk(prefix, endpoint)
    return raised.value


def exception_type(prefix: str, name: str) -> type[Exception]:
    if prefix.startswith("openai"):
        import openai

        found: type[Exception] = getattr(openai, name)
    elif prefix == "anthropic":
        import anthropic

        found = getattr(anthropic, name)
    else:
        from google.genai import errors

        found = getattr(errors, name)
    return found


ERRORS: list[tuple[str, int, str, str]] = [
    *[
        (prefix, status, exception, kind)
        for prefix in ("openai", "openai-responses")
        for status, exception, kind in [
            (400, "BadRequestError", "invalid_request_error"),
            (401, "AuthenticationError", "invalid_request_error"),
            (429, "RateLimitError", "requests"),
            (500, "InternalServerError", "server_error"),
        ]
    ],
    ("anthropic", 400, "BadRequestError", "invalid_request_error"),
    ("anthropic", 401, "AuthenticationError", "authentication_error"),
    ("anthropic", 429, "RateLimitError", "rate_limit_error"),
    ("anthropic", 500, "InternalServerError", "api_error"),
    ("anthropic", 529, "OverloadedError", "overloaded_error"),
    *[
        (prefix, status, exception, kind)
        for prefix in ("google", "vertexai")
        for status, exception, kind in [
            (400, "ClientError", "INVALID_ARGUMENT"),
            (401, "ClientError", "UNAUTHENTICATED"),
            (429, "ClientError", "RESOURCE_EXHAUSTED"),
            (500, "ServerError", "INTERNAL"),
        ]
    ],
]


@pytest.mark.parametrize(("prefix", "status", "exception", "kind"), ERRORS)
def test_error_bodies_become_the_sdks_own_exceptions(prefix: str, status: int, exception: str, kind: str) -> None:
    message = f"Something went wrong ({status})."
    raised = sdk_error(prefix, status, get_provider(prefix).write_error(status, message))
    assert type(raised) is exception_type(prefix, exception)
    error: Any = raised
    if prefix.startswith("openai"):
        assert (error.status_code, error.type, error.message) == (status, kind, f"Error code: {status} - {message}")
        assert error.code == {401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(status)
    elif prefix == "anthropic":
        assert (error.status_code, error.type, error.api_message) == (status, kind, message)
    else:
        assert (error.code, error.status, error.message) == (status, kind, message)


@pytest.mark.parametrize(
    ("prefix", "status", "kind", "param", "check"),
    [
        ("openai", 429, "insufficient_quota", None, {"type": "insufficient_quota", "code": "insufficient_quota"}),
        ("openai", 404, "model_not_found", None, {"type": "invalid_request_error", "code": "model_not_found"}),
        ("openai-responses", 400, None, "tools[0].name", {"param": "tools[0].name", "code": None}),
        ("openai-responses", 400, "custom_type", None, {"type": "custom_type", "code": None}),
        ("anthropic", 402, None, None, {"type": "billing_error"}),
        ("anthropic", 400, "not_found_error", None, {"type": "not_found_error"}),
        ("google", 400, "FAILED_PRECONDITION", None, {"status": "FAILED_PRECONDITION"}),
        ("vertexai", 503, None, None, {"status": "UNAVAILABLE", "code": 503}),
    ],
)
def test_error_kind_and_param(prefix: str, status: int, kind: str | None, param: str | None, check: Any) -> None:
    error: Any = sdk_error(prefix, status, get_provider(prefix).write_error(status, "no", kind=kind, param=param))
    for attribute, value in check.items():
        assert getattr(error, attribute) == value, attribute


def test_gemini_names_a_bad_field_in_details() -> None:
    body = get_provider("google").write_error(400, "bad name", param="tools[0].functionDeclarations[0].name")
    violation = {"field": "tools[0].functionDeclarations[0].name", "description": "bad name"}
    assert body["error"]["details"][0]["fieldViolations"] == [violation]


@pytest.mark.parametrize(
    ("prefix", "status", "exception"),
    [
        ("openai", 401, "AuthenticationError"),
        ("openai-responses", 401, "AuthenticationError"),
        ("anthropic", 401, "AuthenticationError"),
        ("google", 403, "ClientError"),  # the Gemini API answers a missing key with PERMISSION_DENIED
        ("vertexai", 401, "ClientError"),
    ],
)
def test_missing_key_errors(prefix: str, status: int, exception: str) -> None:
    provider: Any = get_provider(prefix)
    got_status, body = provider.missing_key_error()
    assert got_status == status
    assert type(sdk_error(prefix, status, body)) is exception_type(prefix, exception)


# --- paths and keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sdk_paths_are_served_by_their_provider_alone(prefix: str) -> None:
    for stream in (False, True):
        _, path = sent(prefix, MESSAGES, stream=stream)
        assert [p for p in harness.providers.PREFIXES if get_provider(p).serves(path)] == [prefix], path


@pytest.mark.parametrize(
    ("path", "prefix"),
    [
        ("/chat/completions", "openai"),
        ("/v1/chat/completions", "openai"),
        ("/responses", "openai-responses"),
        ("/v1/messages", "anthropic"),
        ("/v1beta/models/gemini-2.0-flash:streamGenerateContent", "google"),
        ("/v1/models/gemini-2.5-pro:generateContent", "google"),
        ("/v1/publishers/google/models/gemini-2.5-pro:generateContent", "vertexai"),
        ("/v1/projects/p/locations/global/publishers/google/models/gemini-3:streamGenerateContent", "vertexai"),
        ("/openai/deployments/my-gpt/chat/completions", "azure"),
        ("/openai/v1/chat/completions", "azure"),
        ("/openai/responses", "azure-responses"),
        ("/openai/v1/responses", "azure-responses"),
        ("/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-x@1:rawPredict", "anthropic-vertex"),
        ("/projects/p/locations/global/publishers/anthropic/models/claude-x:streamRawPredict", "anthropic-vertex"),
        ("/openai/deployments/my-gpt/embeddings", None),
        ("/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-x:predict", None),
        ("/v1/embeddings", None),
        ("/v1/messages/count_tokens", None),
        ("/v1beta/models/gemini-2.0-flash:countTokens", None),
        ("/v2/models/gemini-2.0-flash:generateContent", None),
    ],
)
def test_paths(path: str, prefix: str | None) -> None:
    assert [p for p in harness.providers.PREFIXES if get_provider(p).serves(path)] == ([prefix] if prefix else [])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sdk_requests_carry_a_key(prefix: str) -> None:
    endpoint = MockProvider(prefix).answer(*CALLS)
    endpoint.client().create(messages=MESSAGES, response_model=RESPONSE_MODEL)
    request = endpoint.requests[0]
    provider = get_provider(prefix)
    assert provider.api_key_present(dict(request.headers), dict(request.url.params))
    assert not provider.api_key_present({"content-type": "application/json"}, {})


@pytest.mark.parametrize(
    ("prefix", "headers", "query", "present"),
    [
        ("openai", {"Authorization": "Bearer sk-1"}, {}, True),
        ("openai", {"authorization": "Bearer "}, {}, False),
        ("openai", {"authorization": "Basic abc"}, {}, False),
        ("openai", {"x-api-key": "sk-1"}, {"key": "sk-1"}, False),
        ("anthropic", {"X-Api-Key": "sk-ant"}, {}, True),
        ("anthropic", {"authorization": "Bearer sk-ant"}, {}, True),
        ("anthropic", {"x-api-key": " "}, {}, False),
        ("google", {"x-goog-api-key": "AIza"}, {}, True),
        ("google", {}, {"key": "AIza"}, True),
        ("google", {}, {"key": ""}, False),
        ("vertexai", {"authorization": "Bearer ya29"}, {}, True),
        ("vertexai", {"x-goog-api-key": "AQ"}, {}, True),  # express mode
    ],
)
def test_api_key_present(prefix: str, headers: dict[str, str], query: dict[str, str], present: bool) -> None:
    assert get_provider(prefix).api_key_present(headers, query) is present


@pytest.mark.parametrize("prefix", PREFIXES)
def test_token_limit_reason_reads_as_incomplete(prefix: str) -> None:
    provider = get_provider(prefix)
    assert provider.token_limit_reason in provider.incomplete_reasons
