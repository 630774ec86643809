"""Google Gemini API and Vertex AI through google-genai: ``generateContent`` with function declarations."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import itertools
import json
import mimetypes
import re
import traceback
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel
from pydantic.alias_generators import to_snake as _to_snake

from harness._toolset import ToolSet
from harness.errors import MalformedResponseError
from harness.providers import _fields as _read
from harness.providers._answers import Where, get, kind
from harness.providers._base import (
    DeclaredTool,
    ParsedAnswer,
    Provider,
    RawCall,
    ReceivedRequest,
    SDKClient,
    StreamReader,
    ToolOutput,
    Usage,
    WireAnswer,
    WireCall,
    halves,
)
from harness.providers._messages import SYSTEM_ROLES, TextPart, is_chat, parts_of, text_of, tool_calls_of
from harness.providers._rejections import TOOL_NAMES, Rejection, RejectionRule
from harness.providers._schema import SchemaRules


@functools.lru_cache(maxsize=1024)
def to_snake(key: str) -> str:
    """pydantic's ``to_snake``, cached: the same few keys are converted on every request read."""
    return _to_snake(key)


# What parameters_json_schema takes, per the SDK's docstring for response_json_schema (same backend).
_ALLOWED = frozenset(
    {
        "$defs",
        "$ref",
        "type",
        "format",
        "title",
        "description",
        "enum",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "anyOf",
        "oneOf",
        "properties",
        "additionalProperties",
        "required",
        "propertyOrdering",
    }
)
# Value checks Gemini does not take but pydantic still enforces on the way back.
_DESCRIBED = frozenset(
    {
        "minLength",
        "maxLength",
        "pattern",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "uniqueItems",
        "minProperties",
        "maxProperties",
    }
)


# Paths served, matched whole against the URL path (``?alt=sse`` and ``?key=`` are the query).
_METHOD = r"models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)"
GEMINI_PATHS = (re.compile(rf"/v1(?:beta|alpha)?/{_METHOD}"),)
# Vertex AI: under a project and location, or (express mode, with an API key) without.
VERTEX_PATHS = (re.compile(rf"/v1(?:beta1)?/(?:projects/[^/]+/locations/[^/]+/)?publishers/google/{_METHOD}"),)
#: google.rpc status names by HTTP status; other 4xx are invalid arguments, other 5xx internal errors.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
#: Tool choice by ``functionCallingConfig.mode``; VALIDATED lets the model answer in text, as AUTO does.
CALLING_MODES = {"MODE_UNSPECIFIED": "auto", "AUTO": "auto", "VALIDATED": "auto", "ANY": "required", "NONE": "none"}


class Google(Provider):
    """One adapter for both back ends; they differ only in how the SDK client is built."""

    @property
    def rejection_rules(self) -> tuple[RejectionRule, ...]:
        return (TOOL_NAMES, GEMINI_SCHEMAS, FUNCTION_RESPONSES)

    tool_name_pattern = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}")
    tool_name_rule = "1 to 128 of a-z, A-Z, 0-9, '_', '.', ':' and '-', starting with a letter or '_'"
    incomplete_reasons = frozenset(
        {"MAX_TOKENS", "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS"}
    )
    token_limit_reason = "MAX_TOKENS"
    rules = SchemaRules(
        provider="google",
        allowed=_ALLOWED,
        described=_DESCRIBED,
        const_as_enum=True,  # const is not taken; a one-value enum with its type is exact
        one_of_as_any_of=True,
        no_ref_siblings=True,
        enum_types=(str, int, float),  # boolean enums are not taken
        recursion="breakable",  # Gemini unrolls recursion and cuts it at a field it may leave out
    )

    def __init__(self, name: str, *, vertexai: bool) -> None:
        self.name = name
        self.vertexai = vertexai
        self.paths = VERTEX_PATHS if vertexai else GEMINI_PATHS
        # Same dialect for both back ends; errors name the one the caller picked.
        self.rules = dataclasses.replace(Google.rules, provider=name)

    def default_client(self, *, async_client: bool, **sdk_kwargs: Any) -> SDKClient:
        from google import genai

        if self.vertexai:
            sdk_kwargs.setdefault("vertexai", True)
        return SDKClient(genai.Client(**sdk_kwargs), is_async=async_client)

    def wrap_client(self, client: Any, *, async_client: bool) -> SDKClient:
        from google import genai

        if not isinstance(client, genai.Client):
            raise TypeError(f"{self.name} needs a google.genai.Client, got {type(client).__qualname__}")
        # One genai.Client serves both: sync calls on .models, async ones on .aio.models.
        return SDKClient(client, is_async=async_client)

    # --- request ---------------------------------------------------------------------
    def tool_declarations(self, toolset: ToolSet, *, strict: bool) -> list[dict[str, Any]]:
        declarations = [
            {
                "name": tool.name,
                "description": tool.description,
                # Sent verbatim; the typed `parameters` field would reject $ref, $defs and integer enums.
                "parameters_json_schema": self.schema_for(tool, strict=strict),
            }
            for tool in toolset.tools
        ]
        return [{"function_declarations": declarations}]

    def build_request(
        self, *, model: str, messages: Sequence[Any], tools: list[dict[str, Any]], options: dict[str, Any]
    ) -> dict[str, Any]:
        """The caller's ``config`` (typed or a dict) and top-level config kwargs, merged field by field.

        Harness owns ``tools``; ``tool_config`` and its ``function_calling_config`` are merged into the
        default (mode ANY) one field at a time, refused only where they would stop the declared calls.
        """
        system, contents = _history(messages)
        options = dict(options)
        config = _fields(options.pop("config", None), "config")
        for key, value in _fields(options, "keyword arguments").items():
            config[key] = value  # a top-level kwarg wins over the same field in config
        if config.get("tools"):
            raise ValueError(
                f"{self.name}: config.tools conflicts with harness, which declares the tools from response_model; "
                "drop config.tools and put each tool's model in response_model"
            )
        if config.get("candidate_count") not in (None, 1):
            # Only the first candidate is read: further ones would be dropped without a word.
            raise ValueError(
                f"{self.name}: candidate_count={config['candidate_count']!r} asks for several candidates; "
                "harness reads one (candidate_count=1)"
            )
        config["tools"] = tools
        config["tool_config"] = self._tool_config(config.get("tool_config"), tools)
        if system:
            # Refused rather than joined: which comes first would be a guess, and the same prompt given
            # both ways would be sent twice.
            if config.get("system_instruction") is not None:
                raise ValueError(
                    f"{self.name}: a system prompt in both messages and config.system_instruction; give it once"
                )
            config["system_instruction"] = system
        return {"model": model, "contents": contents, "config": config}

    def _tool_config(self, caller: Any, tools: list[dict[str, Any]]) -> dict[str, Any]:
        """The caller's ``tool_config`` over harness's: a conflict is one that rules out the declared calls."""
        tool_config = _fields(caller, "config.tool_config")
        # ANY forces a call and still allows several in one answer.
        calling: dict[str, Any] = {"mode": "ANY"}
        calling.update(
            _fields(tool_config.get("function_calling_config"), "config.tool_config.function_calling_config")
        )
        mode = str(getattr(calling["mode"], "value", calling["mode"])).upper()
        if mode == "NONE":
            raise ValueError(
                f"{self.name}: config.tool_config mode NONE forbids function calls, and harness answers "
                "response_model only through them; use ANY (the default), VALIDATED or AUTO"
            )
        declared = [d["name"] for tool in tools for d in tool.get("function_declarations", ())]
        unknown = [n for n in calling.get("allowed_function_names") or () if n not in declared]
        if unknown:
            raise ValueError(
                f"{self.name}: config.tool_config allowed_function_names names {unknown}, which response_model "
                f"does not declare; it declares {declared}"
            )
        tool_config["function_calling_config"] = calling
        return tool_config

    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        """google-genai decodes the answer inside the call: its failures to read one are a malformed answer.

        A stream sends its request on the first ``next()``, so that is taken here, where a config the SDK
        refuses still reaches the caller as the SDK raised it.
        """
        with self._reading():
            if not stream:
                return client.models.generate_content(**request)
            chunks = client.models.generate_content_stream(**request)
            return _chained(next(chunks, _END), chunks)

    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        with self._reading():
            if not stream:
                return await client.aio.models.generate_content(**request)
            chunks = await client.aio.models.generate_content_stream(**request)
            return _chained_async(await anext(chunks, _END), chunks)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """An exception raised while the SDK read the answer (beneath `READING`) is the answer's fault."""
        try:
            yield
        except Exception as exc:
            if self.is_api_error(exc) or not _raised_reading(exc):
                raise
            raise self.unreadable(exc, "the answer") from exc

    def unreadable(self, exc: BaseException, what: str) -> MalformedResponseError:
        """As every provider's, with the field the SDK's validation of the answer names."""
        error = super().unreadable(exc, what)
        if not isinstance(exc, ValidationError) or not exc.errors():
            return error
        field = Where(self.name)
        for step in exc.errors()[0]["loc"]:
            field = field.at(to_camel(step) if isinstance(step, str) else step)
        located = field.fault(error.problem)
        located.__cause__ = exc
        return located

    def is_api_error(self, exc: BaseException) -> bool:
        from google.genai import errors

        return isinstance(exc, errors.APIError)

    # --- reading the answer ----------------------------------------------------------
    def read_response(self, response: Any) -> ParsedAnswer:
        where = Where(self.name)
        candidates, at = _member(where.obj(response), where, "candidates")
        if not at.items(candidates) and get(response, "prompt_feedback") is None:
            raise at.fault("no candidate, and no prompt feedback saying why")
        reader = _GenerateStreamReader(self.name)
        calls = reader.feed(response)
        if not reader.ended:  # the SDK reads a candidate that is not an object as an empty one
            raise at.at(0).at("finishReason").fault("a whole answer says why it ended; this one gives no reason")
        return ParsedAnswer(calls, "".join(reader.text_parts), reader.finish_reason, reader.usage)

    def stream_reader(self) -> StreamReader:
        return _GenerateStreamReader(self.name)

    # --- conversation ----------------------------------------------------------------
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        # The model's turn goes back unchanged: its thought signatures must survive.
        where = Where(self.name).at("candidates")
        model_turn = where.at(0).at("content").obj(get(where.items(get(response, "candidates"))[0], "content"))
        parts = []
        for output in outputs:
            function_response: dict[str, Any] = {
                "name": output.call.name,
                "response": {"error" if output.is_error else "output": output.content},
            }
            if output.call.id:
                function_response["id"] = output.call.id
            parts.append({"function_response": function_response})
        # As many function responses as calls, in one content.
        return [model_turn, {"role": "user", "parts": parts}]

    # --- the emulator's side: reading a request, writing an error --------------------
    def read_request(self, body: Any, *, path: str) -> ReceivedRequest:
        """Envelope keys are camelCase on the wire, but the API takes snake_case too (the SDK sends some)."""
        body = _read.obj(body, "body")
        contents = [_read.obj(c, f"contents[{i}]") for i, c in enumerate(_read.array(body.get("contents"), "contents"))]
        if not contents:
            raise ValueError("contents: required, at least one content")
        choice, named = _function_calling(body)
        generation, where = _field(body, "generationConfig", "")
        generation = _read.obj({} if generation is None else generation, where)
        route = path.partition("?")[0]
        model = re.search(r"/models/([^/:]+)", route)
        return ReceivedRequest(
            # The model is named in the path (.../models/{model}:generateContent), not in the body.
            model=model.group(1) if model else None,
            tools=_declared_tools(body.get("tools")),
            tool_choice=choice,
            named_tool=named,
            parallel=True,  # no switch: Gemini may always call several functions at once
            stream=route.endswith(":streamGenerateContent"),
            max_tokens=_read.count(generation, _key(generation, "maxOutputTokens"), where),
            continuation=bool(_function_responses(contents[-1], len(contents) - 1)),
            prompt=_prompt(contents),
        )

    def write_error(
        self, status: int, message: str, *, kind: str | None = None, param: str | None = None
    ) -> dict[str, Any]:
        name = kind or STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
        error: dict[str, Any] = {"code": status, "message": message, "status": name}
        if param is not None:
            # Google APIs name a bad field in a BadRequest detail.
            violation = {"field": param, "description": message}
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}]
        return {"error": error}

    def api_key_present(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        """``x-goog-api-key`` (the SDK's way) or ``?key=``; an OAuth ``Authorization: Bearer`` token (Vertex AI)."""
        api_key = next((v for k, v in headers.items() if k.lower() == "x-goog-api-key"), "")
        return bool(api_key.strip() or query.get("key", "").strip()) or _read.bearer_token(headers) is not None

    def missing_key_error(self) -> tuple[int, dict[str, Any]]:
        """The status and body the API answers a request without a key with (not a 401 for the Gemini API)."""
        if self.vertexai:
            message = (
                "Request is missing required authentication credential. Expected OAuth 2 access token, login "
                "cookie or other valid authentication credential. See "
                "https://developers.google.com/identity/sign-in/web/devconsole-project."
            )
            return 401, self.write_error(401, message)
        message = (
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key "
            "or other form of API consumer identity to call this API."
        )
        return 403, self.write_error(403, message)

    # --- writing an answer ---------------------------------------------------------
    def write_response(self, answer: WireAnswer, *, model: str) -> dict[str, Any]:
        parts = ([{"text": answer.text}] if answer.text else []) + [self._function_call(c) for c in answer.calls]
        return self._chunk(parts, model, answer.finish_reason or "STOP", answer)

    def write_events(self, answer: WireAnswer, *, model: str) -> list[dict[str, Any]]:
        # Each event is a whole response; a call always arrives complete in one part.
        events = [self._chunk([{"text": piece}], model, None, None) for piece in halves(answer.text) if piece]
        events += [self._chunk([self._function_call(c)], model, None, None) for c in answer.calls]
        events.append(self._chunk([{"text": ""}], model, answer.finish_reason or "STOP", answer))
        return events

    def _function_call(self, call: WireCall) -> dict[str, Any]:
        try:
            args = json.loads(call.arguments)
        except ValueError:
            args = None
        if not isinstance(args, dict):
            raise ValueError(
                f"{self.name} answers carry {call.name}'s args as a JSON object; {call.arguments!r:.200} is not one"
            )
        function_call: dict[str, Any] = {"name": call.name, "args": args}
        if call.id is not None:
            function_call["id"] = call.id
        return {"functionCall": function_call}

    @staticmethod
    def _chunk(
        parts: list[dict[str, Any]], model: str, finish_reason: str | None, answer: WireAnswer | None
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if finish_reason:
            candidate["finishReason"] = finish_reason
        usage = answer.usage if answer is not None else Usage()
        counts = {
            "promptTokenCount": usage.input_tokens,
            "candidatesTokenCount": usage.output_tokens,
            "totalTokenCount": usage.total,
        }
        return {"candidates": [candidate], "modelVersion": model, "usageMetadata": counts}


def _key(value: dict[str, Any], camel: str) -> str:
    """The spelling of a field ``value`` uses: camelCase (the wire's) unless only snake_case is there."""
    snake = to_snake(camel)
    return snake if snake in value and camel not in value else camel


def _field(value: dict[str, Any], camel: str, where: str) -> tuple[Any, str]:
    """A field in either spelling, and its path for errors."""
    key = _key(value, camel)
    return value.get(key), _read.at(where, key)


def _declared_tools(value: Any) -> list[DeclaredTool]:
    # One tool object sent bare is read as a list of one, as repeated fields take in Google's JSON.
    entries = [value] if isinstance(value, dict) else _read.array(value, "tools")
    tools: list[DeclaredTool] = []
    for i, entry in enumerate(entries):
        where = f"tools[{i}]"
        for key, field in _read.obj(entry, where).items():
            if field is None:
                continue
            if to_snake(key) != "function_declarations":
                # googleSearch, codeExecution, urlContext, retrieval, ...: run by Google, never called here.
                tools.append(DeclaredTool(to_camel(key), None, kind="server"))
                continue
            for j, declaration in enumerate(_read.array(field, f"{where}.{key}")):
                tools.append(_declared(declaration, f"{where}.{key}[{j}]"))
    return tools


def _declared(declaration: Any, where: str) -> DeclaredTool:
    declaration = _read.obj(declaration, where)
    name = _read.required_string(declaration, "name", where)
    json_schema, json_where = _field(declaration, "parametersJsonSchema", where)
    # `parameters` is Gemini's OpenAPI subset (upper-case types, `nullable`); the two are mutually exclusive.
    openapi = _read.schema(declaration, "parameters", where)
    if json_schema is not None and openapi is not None:
        raise ValueError(f"{where}: parameters and {json_where.rsplit('.', 1)[-1]} are both set; set one")
    if openapi is not None:
        return DeclaredTool(name, openapi, dialect="openapi")
    return DeclaredTool(name, None if json_schema is None else _read.obj(json_schema, json_where))


def _function_calling(body: dict[str, Any]) -> tuple[str, str | None]:
    """(choice, named function) of ``toolConfig.functionCallingConfig``: absent is AUTO.

    ANY restricted to one function is a named choice; a wider set of allowed names keeps only its mode
    (ReceivedRequest has no field for a set of allowed tools).
    """
    tool_config, where = _field(body, "toolConfig", "")
    calling, where = _field(
        _read.obj({} if tool_config is None else tool_config, where), "functionCallingConfig", where
    )
    calling = _read.obj({} if calling is None else calling, where)
    mode = _read.string(calling, "mode", where) or "AUTO"
    if mode not in CALLING_MODES:
        raise ValueError(f"{where}.mode: expected one of {', '.join(CALLING_MODES)}, got {mode!r:.50}")
    allowed, names_where = _field(calling, "allowedFunctionNames", where)
    names: list[str] = []
    for i, name in enumerate(_read.array(allowed, names_where)):
        if not isinstance(name, str):
            raise ValueError(f"{names_where}[{i}]: expected a string, got {_read.json_type(name)}")
        names.append(name)
    if mode == "ANY" and len(names) == 1:
        return "named", names[0]
    return CALLING_MODES[mode], None


def _received_parts(content: dict[str, Any], index: int) -> list[dict[str, Any]]:
    where = f"contents[{index}].parts"
    return [_read.obj(part, f"{where}[{i}]") for i, part in enumerate(_read.array(content.get("parts"), where))]


def _function_responses(content: dict[str, Any], index: int) -> list[dict[str, Any]]:
    return [part for part in _received_parts(content, index) if _key(part, "functionResponse") in part]


def _prompt(contents: list[dict[str, Any]]) -> str:
    """The text of the last user content that is not only function responses (those answer the model)."""
    for index in reversed(range(len(contents))):
        content = contents[index]
        parts = _received_parts(content, index)
        if (content.get("role") or "user") != "user" or (
            parts and len(_function_responses(content, index)) == len(parts)
        ):
            continue
        return "".join(p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
    return ""


def _history(messages: Sequence[Any]) -> tuple[str, list[Any]]:
    """Chat messages -> (``system_instruction``, ``contents``); Gemini contents pass through."""
    system: list[str] = []
    contents: list[Any] = []
    names: dict[str, str] = {}  # a function response names its function; chat tool turns carry only the id
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role") if is_chat(message) and "parts" not in message else None
        if role is None:
            contents.append(message)  # already a Gemini content (dict or types.Content)
        elif role in SYSTEM_ROLES:
            system.append(text_of(message["content"], where))
        elif role == "tool":
            id_ = message["tool_call_id"]
            if id_ not in names:
                raise ValueError(f"{where}: tool_call_id {id_!r} answers no earlier assistant tool call")
            output = {"output": text_of(message["content"], where)}
            part = {"function_response": {"id": id_, "name": names[id_], "response": output}}
            # As many function responses as calls, in one content.
            if contents and _only_function_responses(contents[-1]):
                contents[-1] = {"role": "user", "parts": [*contents[-1]["parts"], part]}
            else:
                contents.append({"role": "user", "parts": [part]})
        else:
            parts = _parts(message.get("content"), where)
            for id_, name, arguments in tool_calls_of(message, where):
                names[id_] = name
                parts.append({"function_call": {"id": id_, "name": name, "args": arguments}})
            contents.append({"role": "model" if role == "assistant" else "user", "parts": parts})
    return "\n\n".join(system), contents


def _parts(content: Any, where: str) -> list[dict[str, Any]]:
    """Gemini parts for a chat content: text, and images inline (data URLs) or by URI."""
    parts: list[dict[str, Any]] = []
    # An image's `detail` has no counterpart here: per-part media resolution is model-specific.
    for i, part in enumerate(parts_of(content, where)):
        if isinstance(part, TextPart):
            if part.text:
                parts.append({"text": part.text})
        elif part.data is not None:
            data = _base64(part.data, f"{where}.content[{i}]")
            parts.append({"inline_data": {"mime_type": part.media_type, "data": data}})
        else:
            parts.append({"file_data": {"file_uri": part.url, "mime_type": _media_type(part.url or "")}})
    return parts


def _base64(data: str, where: str) -> bytes:
    # Decoded here so bad data fails before sending; the SDK encodes bytes again on the wire.
    try:
        return base64.b64decode("".join(data.split()), validate=True)
    except ValueError:
        raise ValueError(f"{where}: the data URL's data is not valid base64") from None


def _media_type(url: str) -> str:
    """The mime type Gemini requires beside a file URI, guessed from the URL path's extension.

    Without a telling extension (a Files API URI, a signed URL) it is taken for JPEG: the chat part
    says it is an image, and JPEG is the commonest image type on the web.
    """
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed or "image/jpeg"


def _fields(value: Any, where: str) -> dict[str, Any]:
    """A google-genai config object or dict as ``{snake_case field: value}``, unset (``None``) fields left out.

    The SDK's types take both spellings of a key (``system_instruction``, ``systemInstruction``).
    """
    if value is None:
        return {}
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return {name: v for name in fields if (v := getattr(value, name)) is not None}
    if not isinstance(value, Mapping):
        raise TypeError(f"{where} must be a google.genai.types object or a dict, got {type(value).__qualname__}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = to_snake(key)
        if name in out:
            raise ValueError(f"{where} gives {name} twice (as {key!r} too); give it once")
        if item is not None:
            out[name] = item
    return out


def _only_function_responses(content: Any) -> bool:
    parts = content.get("parts") if isinstance(content, dict) else None
    return (
        isinstance(parts, list) and bool(parts) and all(isinstance(p, dict) and "function_response" in p for p in parts)
    )


class _GenerateStreamReader(StreamReader):
    """Every chunk is a whole response; a function-call part is usually complete as it arrives.

    With Vertex AI's ``stream_function_call_arguments`` a call instead spans several parts: the first
    names it with ``will_continue``, later ones carry ``partial_args`` (a JSON path and a value,
    strings possibly in pieces), and a part without ``will_continue`` closes it.
    """

    def __init__(self, provider: str) -> None:
        super().__init__()
        self._where = Where(provider)
        self._open: _PartialCall | None = None
        self._calls = 0  # calls completed so far: the index of the next one
        self._without_candidates: Where | None = None

    def feed(self, event: Any) -> list[RawCall]:
        where = self._where
        candidates, at = _member(where.obj(event), where, "candidates")
        candidates = at.items(candidates)
        feedback, feedback_at = _member(event, where, "prompt_feedback")
        reason, reason_at = _member(feedback_at.optional_obj(feedback), feedback_at, "block_reason")
        if not candidates and reason is not None:
            self.finish_reason = f"prompt blocked: {_enum_text(reason, reason_at)}"
            self.ended = True
        usage, usage_at = _member(event, where, "usage_metadata")
        if usage is not None:
            self.usage = _usage(usage, usage_at)
        if not candidates:
            # Gemini sends a candidate in every chunk but a last one of usage: one missing mid-stream (the SDK
            # reads a candidates field of the wrong type as none) is a chunk whose calls would vanish.
            self._without_candidates = self._without_candidates or at
            return []
        if self._without_candidates is not None:
            raise self._without_candidates.fault("a chunk without candidates in the middle of the stream")
        return self._candidate(at.at(0).obj(candidates[0]), at.at(0))  # build_request asks for one

    def _candidate(self, candidate: Any, where: Where) -> list[RawCall]:
        calls: list[RawCall] = []
        content, content_at = _member(candidate, where, "content")
        parts, parts_at = _member(content_at.optional_obj(content), content_at, "parts")
        parts = parts_at.items(parts)
        for j, part in enumerate(parts):
            part_at = parts_at.at(j)
            call, call_at = _member(part_at.obj(part), part_at, "function_call")
            text, text_at = _member(part, part_at, "text")
            if call is not None:
                calls += self._function_call(call_at.obj(call), call_at.call(self._calls))
            elif text_at.optional_text(text) and not get(part, "thought"):
                self.text_parts.append(text)
            elif text is None and _empty(part):  # a call's part with its functionCall gone, say
                raise part_at.fault("a part carrying nothing: no text, no call, no other data")
        reason, reason_at = _member(candidate, where, "finish_reason")
        if not parts and reason is None:  # its content or parts cut, say: a call would vanish
            raise content_at.fault("a candidate carrying nothing: no parts and no finish reason")
        if reason is not None:
            self.finish_reason = _enum_text(reason, reason_at)
            self.ended = True
        return calls

    def finish(self) -> list[RawCall]:
        # A call still open at the end was cut off; hand it out so validation reports what arrived.
        rest = [] if self._open is None else [self._open.raw_call()]
        self._open = None
        return rest

    def _function_call(self, call: Any, where: Where) -> list[RawCall]:
        """A whole call, or one piece of a streamed one (only its first piece must name it)."""
        name, name_at = _member(call, where, "name")
        open_ = self._open
        if open_ is None:
            name = name_at.required_text(name)
            where = where.call(where.index, name)
            id_, id_at = _member(call, where, "id")
            args, args_at = _member(call, where, "args")
            open_ = _PartialCall(id_at.optional_text(id_), name, _args(args, args_at))
        else:
            name_at.optional_text(name)
            where = where.call(where.index, open_.name)
        pieces, pieces_at = _member(call, where, "partial_args")
        for k, piece in enumerate(pieces_at.items(pieces)):
            open_.add(pieces_at.at(k).obj(piece), pieces_at.at(k))
        if get(call, "will_continue"):
            self._open = open_
            return []
        self._open = None
        self._calls += 1
        return [open_.raw_call()]


def _args(value: Any, where: Where) -> dict[str, Any]:
    """A call's ``args``: a JSON object; absent reads as no arguments."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise where.fault(f"expected an object, got {kind(value)}")
    return dict(value)


#: What a part may carry beside its data, never instead of it (a signature comes with text, even empty, or a call).
_PART_NOTES = frozenset({"thought", "thought_signature", "thoughtSignature"})


def _empty(part: Any) -> bool:
    values = part.model_dump(exclude_none=True) if isinstance(part, BaseModel) else part
    return not any(value is not None for key, value in values.items() if key not in _PART_NOTES)


def _member(value: Any, where: Where, name: str) -> tuple[Any, Where]:
    """``value.name`` as the SDK holds it (snake_case), and its place as the wire spells it (camelCase)."""
    return get(value, name), where.at(to_camel(name))


def _enum_text(value: Any, where: Where) -> str:
    """An SDK enum member, or the string the SDK kept for a value its enum does not know."""
    return where.text(getattr(value, "value", value))


def _usage(raw: Any, where: Where) -> Usage:
    def count(name: str) -> int:
        value, at = _member(raw, where, name)
        return at.count(value)

    inputs, outputs = count("prompt_token_count"), count("candidates_token_count")
    return Usage(inputs, outputs, count("total_token_count") or inputs + outputs, raw)


_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]")


class _PartialCall:
    """Arguments assembled from ``partial_args`` (JSON path + value) of a streamed Vertex AI call."""

    def __init__(self, call_id: str | None, name: str, args: dict[str, Any]) -> None:
        self.call_id = call_id
        self.name = name
        self.args = args
        self._continued: str | None = None  # the path whose string is still arriving

    def raw_call(self) -> RawCall:
        return RawCall(self.call_id, self.name, self.args)

    def add(self, partial: Any, where: Where) -> None:
        path, path_at = _member(partial, where, "json_path")
        path = path_at.text(path) or "$"
        steps: list[str | int] = []
        for key, index, quoted in _PATH_STEP.findall(path[1:]):
            steps.append(int(index) if index else (key or quoted))
        if not steps:
            raise path_at.fault(f"a partial argument needs a JSON path into the arguments, got {path!r}")
        try:
            self._set(steps, self._value(partial, path, steps))
        except (LookupError, TypeError) as exc:
            raise path_at.fault(f"the path {path!r} does not fit the arguments sent before it") from exc

    def _value(self, partial: Any, path: str, steps: list[str | int]) -> Any:
        if partial.string_value is not None:
            value: Any = partial.string_value
            if self._continued == path:
                value = self._get(steps) + value
            self._continued = path if partial.will_continue else None
            return value
        if partial.number_value is not None:
            number = partial.number_value
            return int(number) if float(number).is_integer() else number
        return partial.bool_value

    def _get(self, steps: list[str | int]) -> Any:
        node: Any = self.args
        for step in steps:
            node = node[step]
        return node

    def _set(self, steps: list[str | int], value: Any) -> None:
        node: Any = self.args
        for step, following in itertools.pairwise(steps):
            node = _slot(node, step, [] if isinstance(following, int) else {})
        if isinstance(steps[-1], int):
            _pad(node, steps[-1])
        node[steps[-1]] = value


def _slot(node: Any, step: str | int, empty: Any) -> Any:
    """``node[step]``, created as ``empty`` when missing."""
    if isinstance(step, int):
        _pad(node, step)
        if node[step] is None:
            node[step] = empty
        return node[step]
    return node.setdefault(step, empty)


def _pad(items: list[Any], index: int) -> None:
    items.extend([None] * (index + 1 - len(items)))


_END: Any = object()


def _chained(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    """The stream again, its first chunk (already taken, or ``_END``) in front."""
    try:
        if first is not _END:
            yield first
            yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()


async def _chained_async(first: Any, rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    try:
        if first is not _END:
            yield first
            async for chunk in rest:
                yield chunk
    finally:
        close = getattr(rest, "aclose", None)
        if close is not None:
            await close()


#: Where google-genai reads an answer, as (module, function): an exception raised beneath one of them is a
#: failure to read the answer; any other (a config or contents the SDK refuses before sending) is the caller's.
READING = frozenset(
    {
        ("json.decoder", "decode"),
        ("json.decoder", "raw_decode"),
        ("google.genai._api_client", "_load_json_from_response"),
        ("google.genai.models", "_GenerateContentResponse_from_mldev"),
        ("google.genai.models", "_GenerateContentResponse_from_vertex"),
        ("google.genai._common", "_from_response"),
        ("google.genai.types", "_from_response"),
    }
)


def _raised_reading(exc: BaseException) -> bool:
    frames = traceback.walk_tb(exc.__traceback__)
    return any((frame.f_globals.get("__name__"), frame.f_code.co_name) in READING for frame, _ in frames)


GEMINI = Google("google", vertexai=False)
VERTEX = Google("vertexai", vertexai=True)


# --- what the API rejects (the emulator answers these with the provider's own error) ----------


def _gemini_function_responses(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    contents = body.get("contents") or []
    for i, content in enumerate(contents[:-1]):
        calls = sum(1 for part in _content_parts(content) if "functionCall" in part or "function_call" in part)
        if not calls:
            continue
        responses = sum(
            1 for part in _content_parts(contents[i + 1]) if "functionResponse" in part or "function_response" in part
        )
        if responses and responses != calls:
            return Rejection(
                400,
                "Please ensure that the number of function response parts is equal to the number of function call "
                "parts of the function call turn.",
            )
    return None


def _content_parts(content: Any) -> list[dict[str, Any]]:
    parts = content.get("parts") if isinstance(content, dict) else None
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


FUNCTION_RESPONSES = RejectionRule(
    "gemini function responses match the calls",
    "recorded API error: 'Please ensure that the number of function response parts is equal to ...'",
    _gemini_function_responses,
)


def _gemini_schemas(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    """What the API documents it refuses in a function declaration's ``parameters`` or ``parametersJsonSchema``."""
    for where, tool in _function_declarations(body):
        if tool.schema is None:
            continue
        problem = _schema_problem(tool.schema, openapi=tool.dialect == "openapi")
        if problem is not None:
            path, message = problem
            return Rejection(400, f"* GenerateContentRequest.{where}{path}: {message}", param=f"{where}{path}")
    return None


def _function_declarations(body: dict[str, Any]) -> Iterator[tuple[str, DeclaredTool]]:
    """Each function declaration, read as ``read_request`` reads it, with the path of its schema field."""
    value = body.get("tools")
    entries = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
    for i, entry in enumerate(entries):
        for key, field in (entry if isinstance(entry, dict) else {}).items():
            if field is None or to_snake(key) != "function_declarations" or not isinstance(field, list):
                continue
            for j, declaration in enumerate(field):
                where = f"tools[{i}].{key}[{j}]"
                tool = _declared(declaration, where)
                schema_key = "parameters" if tool.dialect == "openapi" else _key(declaration, "parametersJsonSchema")
                yield f"{where}.{schema_key}", tool


#: ``parameters`` (Gemini's OpenAPI ``Schema``) may spell its keys in snake_case; the JSON-schema names.
_OPENAPI_NAMES = {
    "any_of": "anyOf",
    "one_of": "oneOf",
    "all_of": "allOf",
    "prefix_items": "prefixItems",
    "additional_properties": "additionalProperties",
    "ref": "$ref",
    "defs": "$defs",
}
_DEFS_KEYS = ("$defs", "definitions")


def _schema_problem(schema: dict[str, Any], *, openapi: bool) -> tuple[str, str] | None:
    """(where in the schema, what is wrong) for the first thing the API refuses, or None."""
    kind = _get(schema, "type", openapi)
    kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
    named = [str(k).lower() for k in kinds if str(k).upper() != "TYPE_UNSPECIFIED"]
    if named and "object" not in named:
        return ".type", f"the parameters must be described by an object schema (type OBJECT), got {kind!r}"
    for path, node in _schema_nodes(schema, "", openapi):
        kind = _get(node, "type", openapi)
        if openapi and isinstance(kind, str) and kind.upper() == "ARRAY" and _get(node, "items", openapi) is None:
            # Schema (parameters) has no prefixItems: an ARRAY says what its items are, or is refused.
            return f"{path}.items", "missing field."
        enum = _get(node, "enum", openapi)
        for k, value in enumerate(enum if isinstance(enum, list) else ()):
            if openapi and not isinstance(value, str):
                # Schema.enum is a list of strings on the wire, whatever the type (INTEGER enums as "101").
                return f"{path}.enum[{k}]", f"Invalid value (TYPE_STRING), {json.dumps(value)}"
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                return f"{path}.enum[{k}]", f"enum values must be strings or numbers, got {json.dumps(value)}"
    cycle = _required_cycle(schema, openapi)
    if cycle is not None:
        return cycle, (
            "cyclic references may only be used within non-required properties (nullable properties are not "
            "sufficient); this definition reaches itself again through required properties only"
        )
    return None


def _get(node: dict[str, Any], name: str, openapi: bool) -> Any:
    """``node[name]``; in ``parameters``, under its snake_case spelling too."""
    if name in node or not openapi:
        return node.get(name)
    return next((v for k, v in node.items() if _OPENAPI_NAMES.get(k) == name), None)


def _spelled(node: dict[str, Any], name: str, openapi: bool) -> str:
    """The key ``node`` holds ``name`` under (for paths in messages)."""
    if name in node or not openapi:
        return name
    return next((k for k in node if _OPENAPI_NAMES.get(k) == name), name)


def _schema_nodes(node: Any, path: str, openapi: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema in ``node`` with its path (values under ``properties``, never property names)."""
    if not isinstance(node, dict):
        return
    yield path, node
    for name in ("items", "additionalProperties"):
        yield from _schema_nodes(_get(node, name, openapi), f"{path}.{_spelled(node, name, openapi)}", openapi)
    for name in ("anyOf", "oneOf", "allOf", "prefixItems"):
        value = _get(node, name, openapi)
        for k, sub in enumerate(value if isinstance(value, list) else ()):
            yield from _schema_nodes(sub, f"{path}.{_spelled(node, name, openapi)}[{k}]", openapi)
    for name in ("properties", *_DEFS_KEYS):
        value = _get(node, name, openapi)
        for key, sub in (value if isinstance(value, dict) else {}).items():
            yield from _schema_nodes(sub, f"{path}.{_spelled(node, name, openapi)}[{key}]", openapi)


def _required_cycle(schema: dict[str, Any], openapi: bool) -> str | None:
    """The path of the first definition used by the schema that reaches itself through required properties only.

    A cycle is fine when one property on it may be left out: the API unrolls recursion a few levels and
    then cuts it there. Union branches, list items and map values of a required property count as
    required (a nullable property is documented not to be enough).
    """
    targets: dict[str, tuple[str, dict[str, Any]]] = {"#": ("", schema)}
    for name in _DEFS_KEYS:
        defs = _get(schema, name, openapi)
        spelled = _spelled(schema, name, openapi)
        for key, sub in (defs if isinstance(defs, dict) else {}).items():
            if isinstance(sub, dict):
                targets[key] = (f".{spelled}[{key}]", sub)
    required = {
        name: {t for t in (_target(ref) for ref in _required_refs(sub, openapi)) if t in targets}
        for name, (_, sub) in targets.items()
    }
    root = {k: v for k, v in schema.items() if (_OPENAPI_NAMES.get(k, k) if openapi else k) not in _DEFS_KEYS}
    uses = {
        name: {_target(ref) for ref in _refs(root if name == "#" else sub, openapi)}
        for name, (_, sub) in targets.items()
    }
    used = _reach(uses, "#")
    for name in ["#", *sorted(used - {"#"})]:
        if name in _reach(required, name):
            return targets[name][0]
    return None


def _target(ref: str) -> str:
    """``#`` for the root, a definition's name for ``#/$defs/<name>`` (``#/defs/``, ``#/definitions/``)."""
    if ref == "#":
        return "#"
    for prefix in ("#/$defs/", "#/defs/", "#/definitions/"):
        if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
            return ref[len(prefix) :]
    return ""


def _required_refs(node: Any, openapi: bool) -> list[str]:
    """The references reached from ``node`` without passing a property that may be left out."""
    if not isinstance(node, dict):
        return []
    ref = _get(node, "$ref", openapi)
    found = [ref] if isinstance(ref, str) else []
    for name in ("anyOf", "oneOf", "allOf", "prefixItems"):
        value = _get(node, name, openapi)
        for sub in value if isinstance(value, list) else ():
            found += _required_refs(sub, openapi)
    for name in ("items", "additionalProperties"):
        found += _required_refs(_get(node, name, openapi), openapi)
    required = node.get("required")
    properties = node.get("properties")
    for key, sub in (properties if isinstance(properties, dict) else {}).items():
        if isinstance(required, list) and key in required:
            found += _required_refs(sub, openapi)
    return found


def _refs(node: dict[str, Any], openapi: bool) -> set[str]:
    """Every reference anywhere under ``node``, definitions included."""
    found = (_get(sub, "$ref", openapi) for _, sub in _schema_nodes(node, "", openapi))
    return {ref for ref in found if isinstance(ref, str)}


def _reach(graph: Mapping[str, set[str]], start: str) -> set[str]:
    """The nodes reachable from ``start`` in one or more steps."""
    seen: set[str] = set()
    stack = list(graph.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    return seen


GEMINI_SCHEMAS = RejectionRule(
    "gemini function declaration schemas",
    "https://ai.google.dev/api/caching#FunctionDeclaration (parametersJsonSchema: 'The schema must describe an "
    "object'); https://ai.google.dev/api/generate-content#FIELDS.response_json_schema (the same backend: 'enum "
    "(for strings and numbers)', 'Cyclic references are unrolled to a limited degree and, as such, may only be "
    "used within non-required properties. (Nullable properties are not sufficient.)'); "
    "https://ai.google.dev/api/caching#Schema (parameters: enum[] is a list of strings; no prefixItems); recorded "
    'API error: "GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[rows].items.items: '
    'missing field." (github.com/TokenRhythm/opensquilla/issues/1263, '
    "github.com/router-for-me/CLIProxyAPI/issues/5292); "
    "recorded API error: "
    "\"Invalid value at 'request.tools[0].function_declarations[18].parameters.properties[16].value.enum[3]' "
    '(TYPE_STRING), 5" (github.com/google-gemini/gemini-cli/issues/4415)',
    _gemini_schemas,
)
