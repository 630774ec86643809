"""OpenAI Chat Completions: ``POST /chat/completions`` with ``tools`` of type ``function``.

The same module serves the OpenAI-compatible servers (Groq, OpenRouter, DeepSeek, ...): one `OpenAIChat`
per `CompatibleProfile` in `harness.providers._compatible`, which holds everything they do differently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from harness._toolset import ToolSet
from harness.errors import ToolUseFailedError
from harness.providers import _fields, _openai
from harness.providers._answers import Where, get
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
    call_id,
    halves,
)
from harness.providers._compatible import PROFILES, CompatibleProfile
from harness.providers._openai import OPENAI_STRICT_SCHEMAS, read_usage
from harness.providers._rejections import TOOL_NAMES, Rejection, RejectionRule

#: What the emulator quotes as the refused output of its ``tool_use_failed`` fault.
TOOL_USE_FAILED_GENERATION = '<function=harness_emulator_fault{"reason": "failed the server check"}</function>'


class OpenAIChat(_openai.OpenAIEndpoint):
    """OpenAI's Chat Completions API, or with a `CompatibleProfile` a server that speaks it."""

    def __init__(self, profile: CompatibleProfile | None = None) -> None:
        self.profile = profile
        if profile is not None:
            self.name = profile.prefix
            self.strict_rules = profile.strict_rules  # type: ignore[misc,assignment]
            self.paths = (profile.emulator_path,)

    @property
    def rejection_rules(self) -> tuple[RejectionRule, ...]:
        rules: tuple[RejectionRule, ...] = (TOOL_NAMES, OPENAI_STRICT_SCHEMAS, CHAT_TOOL_MESSAGES)
        if self.profile is not None and self.profile.id_rule is not None:
            rules += (TOOL_CALL_IDS,)  # a server with an id rule (Mistral) refuses other ids in a continuation
        return rules

    name = "openai"
    incomplete_reasons = frozenset({"length", "content_filter"})
    # /v1 is in the SDK's default base URL; a base URL without it is served too.
    paths = (re.compile(r"(?:/v1)?/chat/completions"),)

    # --- clients (a compatible server's base URL and key come from its own variables) ---------
    def client_kwargs(self, sdk_kwargs: dict[str, Any], *, strict: bool) -> dict[str, Any]:
        return sdk_kwargs if self.profile is None else self.profile.client_kwargs(sdk_kwargs, strict=strict)

    def check_client(self, client: Any, *, strict: bool) -> None:
        if self.profile is not None:
            self.profile.check_client(client, strict=strict)

    def default_client(self, *, async_client: bool, **sdk_kwargs: Any) -> SDKClient:
        if self.profile is not None and sdk_kwargs.get("api_key") is None:
            # Called without client_kwargs (harness.testing, the plugin): the profile still decides the key.
            sdk_kwargs = self.profile.client_kwargs(sdk_kwargs, strict=False)
        return super().default_client(async_client=async_client, **sdk_kwargs)

    # --- sending: a server's own refusal of the model's call is a typed error -------------
    def send(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        try:
            return super().send(client, request, stream=stream)
        except Exception as exc:
            typed = self.typed_api_error(exc)
            if typed is exc:
                raise
            raise typed from exc

    async def send_async(self, client: Any, request: dict[str, Any], *, stream: bool) -> Any:
        try:
            return await super().send_async(client, request, stream=stream)
        except Exception as exc:
            typed = self.typed_api_error(exc)
            if typed is exc:
                raise
            raise typed from exc

    def write_error(
        self, status: int, message: str, *, kind: str | None = None, param: str | None = None
    ) -> dict[str, Any]:
        code = self.profile.tool_use_failed_code if self.profile is not None else None
        if code is None or kind != code:
            return super().write_error(status, message, kind=kind, param=param)
        # Groq's body: the model's output the server refused, quoted (the emulator's is a stand-in).
        error = super().write_error(status, message, param=param)
        error["error"].update(code=code, failed_generation=TOOL_USE_FAILED_GENERATION)
        return error

    def typed_api_error(self, exc: Exception) -> Exception:
        """``exc``, or the harness error it means (Groq's ``tool_use_failed``: `ToolUseFailedError`)."""
        code = self.profile.tool_use_failed_code if self.profile is not None else None
        body = getattr(exc, "body", None)
        if code is not None and self.is_api_error(exc) and isinstance(body, dict) and body.get("code") == code:
            generation = body.get("failed_generation")
            return ToolUseFailedError(
                provider=self.name, failed_generation=generation if isinstance(generation, str) else "", error=body
            )
        return exc

    # --- request ---------------------------------------------------------------------
    def tool_declarations(self, toolset: ToolSet, *, strict: bool) -> list[dict[str, Any]]:
        return [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": self.schema_for(tool, strict=strict),
                    "strict": strict,
                },
            }
            for tool in toolset.tools
        ]

    def build_request(
        self, *, model: str, messages: Sequence[Any], tools: list[dict[str, Any]], options: dict[str, Any]
    ) -> dict[str, Any]:
        if options.get("n") not in (None, 1):
            # Only the first choice is read: further choices would be dropped without a word.
            raise ValueError(f"openai: n={options['n']!r} asks for several choices; harness reads one (n=1)")
        # "required" forces at least one call and still allows several in one answer.
        return {"model": model, "messages": list(messages), "tools": tools, "tool_choice": "required", **options}

    def resource(self, client: Any) -> Any:
        return client.chat.completions

    def stream_options(self, options: dict[str, Any]) -> dict[str, Any]:
        # Streams report usage only when asked to; ask unless the caller said otherwise.
        return {"stream_options": {"include_usage": True}, **options}

    # --- reading the answer ----------------------------------------------------------
    def read_response(self, response: Any) -> ParsedAnswer:
        where = Where(self.name, "choices")
        choices = where.items(get(response, "choices"))
        if not choices:
            raise where.fault("the completion has no choices")
        choice = where.at(0).obj(choices[0])
        message = where.at(0).at("message").obj(get(choice, "message"))
        at = where.at(0).at("message")
        return ParsedAnswer(
            _calls(message, at),
            at.at("content").text(get(message, "content")),
            where.at(0).at("finish_reason").optional_text(get(choice, "finish_reason")),
            _usage(get(response, "usage"), self.name),
            at.at("refusal").text(get(message, "refusal")),
        )

    def stream_reader(self) -> StreamReader:
        return _ChatStreamReader(self.name)

    # --- conversation ----------------------------------------------------------------
    def tool_result_messages(self, response: Any, outputs: Sequence[ToolOutput]) -> list[Any]:
        # Rebuilt from the fields a request message takes (response-only ones, annotations, are refused),
        # as read_response reads them: what goes back is what was validated.
        answer = self.read_response(response)
        ids = [c.id for c in answer.calls]
        rule = self.profile.id_rule if self.profile is not None else None
        if rule is not None:
            # Ids go back in the server's own shape (Mistral refuses others), the same in both places.
            ids = [rule.conform(c.id, i) for i, c in enumerate(answer.calls)]
        calls = [
            {"id": id_, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for id_, c in zip(ids, answer.calls, strict=True)
        ]
        assistant = {"role": "assistant", "content": answer.text or None, "tool_calls": calls}

        def result_id(call: RawCall) -> str | None:
            if rule is None:
                return call.id
            position = answer.calls.index(call) if call in answer.calls else len(answer.calls)
            return rule.conform(call.id, position)

        results = [
            {
                "role": "tool",
                "tool_call_id": result_id(output.call),
                "content": f"Error: {output.content}" if output.is_error else output.content,
            }
            for output in outputs
        ]
        return [assistant, *results]

    # --- the emulator's side: reading a request --------------------------------------
    def read_request(self, body: Any, *, path: str) -> ReceivedRequest:
        body = _fields.obj(body, "body")
        raw_tools = _fields.array(body.get("tools"), "tools")
        tools = [_declared(tool, f"tools[{i}]") for i, tool in enumerate(raw_tools)]
        choice, named = _tool_choice(body.get("tool_choice"))
        messages = _fields.array(body.get("messages"), "messages")
        if not messages:
            raise ValueError("messages: required, at least one message")
        roles = [_fields.obj(m, f"messages[{i}]").get("role") for i, m in enumerate(messages)]
        # A system or developer message after the results still leaves them the last turn.
        turns = [role for role in roles if role not in ("system", "developer")]
        max_tokens = _fields.count(body, "max_completion_tokens")
        return ReceivedRequest(
            model=_fields.required_string(body, "model"),
            tools=tools,
            tool_choice=choice,
            named_tool=named,
            parallel=_fields.flag(body, "parallel_tool_calls", True),
            stream=_fields.flag(body, "stream", False),
            # max_tokens is the older name, still taken.
            max_tokens=max_tokens if max_tokens is not None else _fields.count(body, "max_tokens"),
            continuation=bool(turns) and turns[-1] in ("tool", "function"),
            prompt=next(
                (
                    _fields.text_of_content(messages[i].get("content"), f"messages[{i}]", ("text",))
                    for i in reversed(range(len(messages)))
                    if roles[i] == "user"
                ),
                "",
            ),
        )

    # --- writing an answer ---------------------------------------------------------
    sse_done = "[DONE]"

    @property
    def _id_template(self) -> str:
        rule = self.profile.id_rule if self.profile is not None else None
        return rule.template if rule is not None else "call_{}"

    def write_response(self, answer: WireAnswer, *, model: str) -> dict[str, Any]:
        tool_calls = [
            {
                "id": call_id(c, i, self._id_template),
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for i, c in enumerate(answer.calls)
        ]
        message = {
            "role": "assistant",
            "content": answer.text or None,
            "refusal": None,
            "tool_calls": tool_calls or None,
        }
        return {
            **self._head(model, "chat.completion"),
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(answer)}],
            "usage": _wire_usage(answer),
        }

    def write_events(self, answer: WireAnswer, *, model: str) -> list[dict[str, Any]]:
        head = self._head(model, "chat.completion.chunk")

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}

        events = [chunk({"role": "assistant", "content": None})]
        if answer.text:
            events += [chunk({"content": piece}) for piece in halves(answer.text)]
        whole = self.profile is not None and self.profile.whole_calls_in_one_chunk
        same_index = self.profile is not None and self.profile.same_index_fragments
        for i, call in enumerate(answer.calls):
            opening = {"index": i, "id": call_id(call, i, self._id_template), "type": "function"}
            if whole:  # Groq, Mistral: id, name and all the arguments in one fragment
                events.append(
                    chunk({"tool_calls": [{**opening, "function": {"name": call.name, "arguments": call.arguments}}]})
                )
                continue
            first = {**opening, "function": {"name": call.name, "arguments": ""}}
            pieces = [{"index": i, "function": {"arguments": piece}} for piece in halves(call.arguments)]
            if same_index:  # vLLM: the opening and the first piece, same index, in one chunk
                events.append(chunk({"tool_calls": [first, pieces[0]]}))
                events += [chunk({"tool_calls": [piece]}) for piece in pieces[1:]]
                continue
            events.append(chunk({"tool_calls": [first]}))
            events += [chunk({"tool_calls": [piece]}) for piece in pieces]
        events.append(chunk({}, _finish(answer)))
        # What the API sends last when asked for usage (stream_options.include_usage).
        events.append({**head, "choices": [], "usage": _wire_usage(answer)})
        return events

    @staticmethod
    def _head(model: str, kind: str) -> dict[str, Any]:
        return {"id": "chatcmpl-harness", "object": kind, "created": 0, "model": model}


def _declared(tool: Any, where: str) -> DeclaredTool:
    tool = _fields.obj(tool, where)
    kind = tool.get("type")
    if kind == "function":
        function = _fields.obj(tool.get("function"), f"{where}.function")
        where = f"{where}.function"
        return DeclaredTool(
            _fields.required_string(function, "name", where),
            _fields.schema(function, "parameters", where),
            strict=_fields.flag(function, "strict", False, where),
        )
    if kind == "custom":
        # Free-form input (text or a grammar), no JSON schema: declared, never called here.
        custom = _fields.obj(tool.get("custom"), f"{where}.custom")
        return DeclaredTool(_fields.required_string(custom, "name", f"{where}.custom"), None, kind="custom")
    raise ValueError(f"{where}.type: expected 'function' or 'custom', got {kind!r:.50}")


def _tool_choice(value: Any) -> tuple[str, str | None]:
    simple = _fields.simple_choice(value)
    if simple is not None:
        return simple, None
    choice = _fields.obj(value, "tool_choice")
    kind = choice.get("type")
    if kind in ("function", "custom"):
        named = _fields.obj(choice.get(kind), f"tool_choice.{kind}")
        return "named", _fields.required_string(named, "name", f"tool_choice.{kind}")
    if kind == "allowed_tools":
        allowed = _fields.obj(choice.get("allowed_tools"), "tool_choice.allowed_tools")
        names = []
        for i, tool in enumerate(_fields.array(allowed.get("tools"), "tool_choice.allowed_tools.tools")):
            where = f"tool_choice.allowed_tools.tools[{i}]"
            tool = _fields.obj(tool, where)
            tool_kind = tool.get("type")
            if tool_kind not in ("function", "custom"):
                raise ValueError(f"{where}.type: expected 'function' or 'custom', got {tool_kind!r:.50}")
            inner = _fields.obj(tool.get(tool_kind), f"{where}.{tool_kind}")
            names.append(_fields.required_string(inner, "name", f"{where}.{tool_kind}"))
        return _fields.allowed_choice(allowed.get("mode"), names, "tool_choice.allowed_tools")
    raise ValueError(f"tool_choice.type: expected 'function', 'custom' or 'allowed_tools', got {kind!r:.50}")


def _finish(answer: WireAnswer) -> str:
    return answer.finish_reason or ("tool_calls" if answer.calls else "stop")


def _wire_usage(answer: WireAnswer) -> dict[str, int]:
    usage = answer.usage
    return {"prompt_tokens": usage.input_tokens, "completion_tokens": usage.output_tokens, "total_tokens": usage.total}


def _usage(raw: Any, provider: str = "openai") -> Usage | None:
    return read_usage(raw, Where(provider, "usage"), "prompt_tokens", "completion_tokens")


def _calls(message: Any, where: Where) -> list[RawCall]:
    """The message's function calls; a call of another kind (``custom``) is not one of ours."""
    calls = []
    for i, item in enumerate(where.at("tool_calls").items(get(message, "tool_calls"))):
        at = where.at("tool_calls").at(i).call(i)
        call = at.obj(item)
        # Mistral leaves "type" out of its calls: a call without one is a function call.
        if at.at("type").optional_text(get(call, "type")) not in (None, "function"):
            continue
        function = at.at("function").obj(get(call, "function"))
        name = at.at("function").at("name").required_text(get(function, "name"))
        at = at.call(i, name)
        # OpenRouter leaves "arguments" out of a call to a tool that takes none: no arguments is {}.
        arguments = at.at("function").at("arguments").optional_text(get(function, "arguments"))
        if arguments is None:
            arguments = "{}"
        calls.append(RawCall(at.at("id").optional_text(get(call, "id")), name, arguments))
    return calls


class _ChatStreamReader(StreamReader):
    """Deltas carry ``index``; ``id`` and ``name`` come only in each call's first fragment.

    Fragments of several calls may interleave, so each call is assembled under its index and handed
    out as soon as its arguments close a JSON object (nothing valid can follow), or at the end.
    """

    def __init__(self, provider: str = "openai") -> None:
        super().__init__()
        self._provider = provider
        self._open: dict[int, _OpenCall] = {}
        self._handed_out: dict[int, RawCall] = {}

    def feed(self, event: Any) -> list[RawCall]:
        done: list[RawCall] = []
        event = Where(self._provider).obj(event)
        self.usage = _usage(get(event, "usage"), self._provider) or self.usage
        where = Where(self._provider, "choices")
        for i, item in enumerate(where.items(get(event, "choices"))):
            at = where.at(i)
            choice = at.obj(item)
            if at.at("index").index_of(get(choice, "index")) != 0:
                continue  # only the first choice is read (build_request asks for one)
            delta = at.at("delta").optional_obj(get(choice, "delta"))
            if delta is not None:
                at = at.at("delta")
                self.text_parts.append(at.at("content").text(get(delta, "content")))
                self.refusal_parts.append(at.at("refusal").text(get(delta, "refusal")))
                for j, fragment in enumerate(at.at("tool_calls").items(get(delta, "tool_calls"))):
                    done += self._add(fragment, at.at("tool_calls").at(j))
            finish_reason = where.at(i).at("finish_reason").optional_text(get(choice, "finish_reason"))
            if finish_reason is not None:
                self.finish_reason = finish_reason
                self.ended = True
                done += self.finish()
        return done

    def _add(self, item: Any, where: Where) -> list[RawCall]:
        fragment = where.obj(item)
        index = where.at("index").index_of(get(fragment, "index"))
        known = self._handed_out.get(index) or self._open.get(index)
        where = where.call(index, (known.name if known is not None else "") or None)
        where.at("type").optional_text(get(fragment, "type"))
        id_ = where.at("id").optional_text(get(fragment, "id"))
        function = where.at("function").optional_obj(get(fragment, "function"))
        name = where.at("function").at("name").optional_text(get(function, "name"))
        arguments = where.at("function").at("arguments").text(get(function, "arguments"))
        if self.ended:
            raise where.fault("a tool call fragment came after the finish reason")
        if index in self._handed_out:
            # A closed call takes nothing more: not arguments, and not the id or name of another call.
            sent = self._handed_out[index]
            if arguments.strip() or name not in (None, "", sent.name) or id_ not in (None, sent.id):
                raise where.fault(f"sent more after its JSON object closed: {(arguments or name or id_)!r:.200}")
            return []
        call = self._open.get(index)
        if call is None:
            call = self._open[index] = _OpenCall()
        call.id = call.id or id_
        call.name = call.name or name or ""
        if arguments and call.scanner.feed(arguments):
            del self._open[index]
            self._handed_out[index] = call.raw_call()
            return [self._handed_out[index]]
        return []

    def finish(self) -> list[RawCall]:
        rest = [self._open[index].raw_call() for index in sorted(self._open)]
        self._open.clear()
        return rest


class _OpenCall:
    def __init__(self) -> None:
        self.id: str | None = None
        self.name = ""
        self.scanner = _ObjectScanner()

    def raw_call(self) -> RawCall:
        # A call whose fragments carried no arguments at all (OpenRouter, for a tool that takes none) has {}.
        return RawCall(self.id, self.name, "".join(self.scanner.parts) or "{}")


class _ObjectScanner:
    """Tells, fragment by fragment, when JSON text has closed its top-level object.

    Counts braces outside strings (escapes honoured); linear in the text, unlike re-parsing it.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._depth = 0
        self._in_string = False
        self._escaped = False
        self._started = False
        self._closed = False
        self._not_object = False

    def feed(self, text: str) -> bool:
        self.parts.append(text)
        if self._not_object:
            return False
        for char in text:
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif char == "\\":
                    self._escaped = True
                elif char == '"':
                    self._in_string = False
            elif char == '"':
                self._in_string = True
            elif char == "{":
                self._started = True
                self._depth += 1
            elif char == "}":
                self._depth -= 1
                if self._started and self._depth == 0:
                    self._closed = True
            elif not char.isspace() and not self._started:
                self._not_object = True  # not an object: handed out at the end, where validation reports it
                return False
        return self._closed


# --- what the API rejects (the emulator answers these with the provider's own error) ----------


def _chat_tool_messages(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    messages = body.get("messages") or []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != "assistant" or not message.get("tool_calls"):
            continue
        answered = set()
        for following in messages[i + 1 :]:
            if not isinstance(following, dict) or following.get("role") != "tool":
                break
            answered.add(following.get("tool_call_id"))
        missing = [
            str(c.get("id")) for c in message["tool_calls"] if isinstance(c, dict) and c.get("id") not in answered
        ]
        if missing:
            return Rejection(
                400,
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(missing)}",
                param=f"messages.[{i + 1}].role",
            )
    return None


CHAT_TOOL_MESSAGES = RejectionRule(
    "openai tool messages answer every call",
    "recorded API error: 'An assistant message with 'tool_calls' must be followed by tool messages ...'",
    _chat_tool_messages,
)


def _tool_call_ids(provider: Provider, body: dict[str, Any], received: ReceivedRequest) -> Rejection | None:
    rule = getattr(getattr(provider, "profile", None), "id_rule", None)
    if rule is None:
        return None
    for i, message in enumerate(body.get("messages") or []):
        if not isinstance(message, dict):
            continue
        ids = [c.get("id") for c in message.get("tool_calls") or () if isinstance(c, dict)]
        ids += [message["tool_call_id"]] if message.get("role") == "tool" and "tool_call_id" in message else []
        for given in ids:
            if not (isinstance(given, str) and rule.pattern.fullmatch(given)):
                return Rejection(
                    400,
                    f"Tool call id was {given} but must be a-z, A-Z, 0-9, with a length of {rule.length}.",
                    param=f"messages.[{i}]",
                )
    return None


TOOL_CALL_IDS = RejectionRule(
    "tool-call ids follow the server's rule (Mistral: 9 alphanumerics)",
    "reported API error: 'Tool call id was ... but must be a-z, A-Z, 0-9, with a length of 9.' "
    "(https://docs.mistral.ai/capabilities/function_calling/)",
    _tool_call_ids,
)


PROVIDER = OpenAIChat()
#: One adapter per OpenAI-compatible server, by spec prefix.
COMPATIBLE = {prefix: OpenAIChat(profile) for prefix, profile in PROFILES.items()}
