"""The conformance adapter for LangChain: what its chat models' tool calling does with the same answers.

Each spec gets the LangChain chat model its users pick for that provider, pointed at the runner the way
a user points it at a proxy or an emulator, with ``base_url`` and ``api_key`` (the runner's loopback
socket on 127.0.0.1; no private attribute, no client swapped in):

- ``openai``: ``ChatOpenAI`` (langchain-openai); ``openai-responses``: ``ChatOpenAI(use_responses_api=True)``;
- ``anthropic``: ``ChatAnthropic`` (langchain-anthropic);
- ``google``: ``ChatGoogleGenerativeAI`` (langchain-google-genai); ``vertexai``: the same with
  ``vertexai=True`` (Vertex AI express mode: an API key, no project).

The call path is the one LangChain documents for several typed calls from one answer:

```python
llm.bind_tools(models, tool_choice=..., strict=...) | PydanticToolsParser(tools=models)
```

``tool_choice`` forces a call (``"required"`` on OpenAI, ``"any"`` on Anthropic and Gemini, each
provider's documented word), and every call in the answer comes back as an instance of its model, in
order. A stream goes through ``.stream()``: the ``AIMessageChunk`` s are added up (LangChain merges the
tool-call fragments by index) and the sum goes through the same parser, as LangChain's docs show.

Why this path and not ``with_structured_output``: that one asks for one object (one tool, or a JSON
schema response format) and returns one instance; ``bind_tools`` with ``PydanticToolsParser`` is the
only documented LangChain path that returns every parallel call validated into its own model.

``strict`` is passed to ``bind_tools`` where the chat model takes it: ``ChatOpenAI`` (both APIs) and
``ChatAnthropic``. ``ChatGoogleGenerativeAI.bind_tools`` has no ``strict`` (its generation code drops
the keyword), and the runner has no strict Gemini provider, so none is claimed there. LangChain
documents no exception meaning "this schema cannot be expressed" (a schema it cannot convert raises
``ValueError``, ``TypeError`` or ``KeyError`` from deep inside), so ``refusals`` is empty: those read as
the crashes they are. Retries are off: the runner serves one answer per request.

The libraries are imported lazily, so ``import harness.conformance.langchain`` works where they are not
installed. They live in their own venv (docs/audit-environments.md); run it there with:

```shell
.venv-langchain/bin/harness conformance --adapter harness.conformance.langchain:adapter
```
"""

from __future__ import annotations

import functools
import operator
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

__all__ = ["SPECS", "STRICT_SPECS", "adapter"]

#: The prefixes the adapter claims (``adapter.specs``).
SPECS = ("openai", "openai-responses", "anthropic", "google", "vertexai")
#: Those whose LangChain chat model takes ``bind_tools(..., strict=True)``.
STRICT_SPECS = ("openai", "openai-responses", "anthropic")

#: The documented ``tool_choice`` that forces a tool call, per chat model.
TOOL_CHOICE = {"openai": "required", "openai-responses": "required", "anthropic": "any"}

#: Anthropic requires ``max_tokens``; the runner's answers are far below it.
ANTHROPIC_MAX_TOKENS = 4096


def adapter(
    spec: str,
    sdk_client: Any,
    *,
    messages: list[dict[str, Any]],
    response_model: Any,
    stream: bool,
    strict: bool = False,
    base_url: str,
    api_key: str,
    model: str,
) -> list[BaseModel]:
    """``bind_tools(models) | PydanticToolsParser(tools=models)`` on the spec's LangChain chat model."""
    from langchain_core.output_parsers import PydanticToolsParser  # type: ignore[import-not-found, unused-ignore]

    prefix = spec.partition("/")[0]
    models = _members(response_model)
    options: dict[str, Any] = {"tool_choice": TOOL_CHOICE.get(prefix, "any")}
    if strict:
        options["strict"] = True
    llm = _chat_model(prefix, model, base_url, api_key).bind_tools(models, **options)
    parser = PydanticToolsParser(tools=models)
    if stream:
        message = functools.reduce(operator.add, llm.stream(messages))
        return list(parser.invoke(message))
    return list((llm | parser).invoke(messages))


adapter.specs = SPECS  # type: ignore[attr-defined]
adapter.strict_specs = STRICT_SPECS  # type: ignore[attr-defined]
adapter.name = "langchain"  # type: ignore[attr-defined]
adapter.packages = (  # type: ignore[attr-defined]  # the libraries measured, for the report's environments
    "langchain-core",
    "langchain-openai",
    "langchain-anthropic",
    "langchain-google-genai",
)
adapter.refusals = ()  # type: ignore[attr-defined]  # LangChain documents no "cannot express this" error


def _chat_model(prefix: str, model: str, base_url: str, api_key: str) -> Any:
    """The chat model a LangChain user builds for ``prefix``, on ``base_url``, with retries off."""
    if prefix in ("openai", "openai-responses"):
        from langchain_openai import ChatOpenAI  # type: ignore[import-not-found, unused-ignore]

        return ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=api_key,
            max_retries=0,
            use_responses_api=prefix == "openai-responses",
        )
    if prefix == "anthropic":
        from langchain_anthropic import ChatAnthropic  # type: ignore[import-not-found, unused-ignore]

        return ChatAnthropic(
            model=model, base_url=base_url, api_key=api_key, max_retries=0, max_tokens=ANTHROPIC_MAX_TOKENS
        )
    from langchain_google_genai import ChatGoogleGenerativeAI  # type: ignore[import-not-found, unused-ignore]

    # max_retries=1 is "no retries" here: the Google SDK reads 0 as "its own default" (LangChain's docs).
    return ChatGoogleGenerativeAI(
        model=model, base_url=base_url, api_key=api_key, max_retries=1, vertexai=prefix == "vertexai"
    )


def _members(response_model: Any) -> list[type[BaseModel]]:
    """``Iterable[A | B]`` -> ``[A, B]``: the tools to bind and to parse into."""
    if typing.get_origin(response_model) not in (Iterable, typing.Iterable):
        raise TypeError(f"response_model must be Iterable[A | B | ...], got {response_model!r}")
    (item,) = typing.get_args(response_model)
    union = typing.get_origin(item) in (typing.Union, types.UnionType)
    return list(typing.get_args(item) if union else (item,))
