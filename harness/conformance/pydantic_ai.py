"""The conformance adapter for pydantic-ai 2.68: what its function tools do with the same answers.

The conformance runner stands in for the provider: the adapter builds pydantic-ai's own model class on
the runner's async SDK client, the way pydantic-ai's docs hand in a client of one's own
(``OpenAIProvider(openai_client=...)``, ``AnthropicProvider(anthropic_client=...)``,
``GoogleProvider(client=...)``), so pydantic-ai builds the request, reads the answer and validates the
calls itself:

- ``openai``: ``OpenAIChatModel``; ``openai-responses``: ``OpenAIResponsesModel``;
- ``anthropic``: ``AnthropicModel``;
- ``google`` and ``vertexai``: ``GoogleModel`` on the runner's ``genai.Client`` (Gemini API or Vertex
  AI; pydantic-ai reads which off the client). pydantic-ai's google extra pins ``google-genai<3``; 2.x
  takes the httpx2 clients the runner's client is built on, so no ``httpx`` (v1) client is needed
  (pydantic-ai deprecates those).

Each model of the union is a function tool named as the model names itself (its ``title``, else its
class name), whose one parameter is the model: pydantic-ai then declares the model's own schema as the
tool's parameters and validates each call's arguments into it. The tools record the instances they are
called with; the run executes them one at a time, in the order of the answer
(``ToolManager.parallel_execution_mode("sequential")``), so the order recorded is pydantic-ai's.
Retries are off (``retries=0``): a call pydantic-ai cannot validate raises ``UnexpectedModelBehavior``
instead of asking the runner again. ``strict=True`` is ``Tool(strict=True)``, claimed where harness
measures a strict mode (OpenAI's two APIs and Anthropic); otherwise ``strict`` is left to pydantic-ai
(``None``), which, as for its users, sends an OpenAI tool strict whenever its schema allows it.
``stream=True`` streams the model request (``node.stream(run.ctx)``, as pydantic-ai's docs stream an
``agent.iter`` run), then runs the tools.

Why function tools and ``agent.iter``: pydantic-ai's structured output (``output_type=[A, B]``, output
tools) ends the run at the first valid output call and skips the others (``end_strategy="early"``), so
it cannot return several calls from one answer. Function tools validate every parallel call, but after
running them an agent sends their results back in a second request; ``agent.iter`` runs the graph one
node at a time, and the adapter stops at the second model request, before it is sent. The runner
serves one answer per call, so that request could only get the same answer again.

``refusals`` is ``ModelRequestRejectedError``: pydantic-ai documents raising it *before sending* when a
request asks for strict schemas beyond what the provider accepts (Anthropic's schema complexity limits,
recursion among them: ``AnthropicModelProfile.anthropic_enforces_strict_schema_limits``); raised after a
request went out it is the provider's 400, and the runner keeps it a failure. ``UserError`` is not one:
it means any usage mistake, so what it raises stays a failure.

Run it in its own venv (docs/audit-environments.md):

```shell
.venv-pydantic-ai/bin/harness conformance --adapter harness.conformance.pydantic_ai:adapter
```
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, get_args

from pydantic import BaseModel

__all__ = ["SPECS", "STRICT_SPECS", "adapter"]

#: The prefixes the adapter claims: every provider harness measures has a pydantic-ai model class.
SPECS = ("openai", "openai-responses", "anthropic", "google", "vertexai")
#: Those with a strict mode harness measures; pydantic-ai sends ``Tool(strict=True)`` on each.
STRICT_SPECS = ("openai", "openai-responses", "anthropic")

#: The model classes, by prefix (module, class), and the provider keyword each takes the SDK client as.
MODEL_CLASSES = {
    "openai": ("pydantic_ai.models.openai", "OpenAIChatModel"),
    "openai-responses": ("pydantic_ai.models.openai", "OpenAIResponsesModel"),
    "anthropic": ("pydantic_ai.models.anthropic", "AnthropicModel"),
    "google": ("pydantic_ai.models.google", "GoogleModel"),
    "vertexai": ("pydantic_ai.models.google", "GoogleModel"),
}
PROVIDERS = {
    "openai": ("pydantic_ai.providers.openai", "OpenAIProvider", "openai_client"),
    "openai-responses": ("pydantic_ai.providers.openai", "OpenAIProvider", "openai_client"),
    "anthropic": ("pydantic_ai.providers.anthropic", "AnthropicProvider", "anthropic_client"),
    "google": ("pydantic_ai.providers.google", "GoogleProvider", "client"),
    "vertexai": ("pydantic_ai.providers.google", "GoogleProvider", "client"),
}


def adapter(
    spec: str,
    sdk_client: Any,
    *,
    messages: list[dict[str, Any]],
    response_model: Any,
    stream: bool,
    strict: bool = False,
    async_sdk_client: Any,
    model: str,
) -> list[BaseModel]:
    """One ``agent.iter`` run of pydantic-ai's function tools for ``spec``, stopped after the first answer;
    the instances its tools were called with, in order."""
    prefix = spec.partition("/")[0]
    return asyncio.run(_run(_model(prefix, model, async_sdk_client), messages, _models(response_model), stream, strict))


adapter.specs = SPECS  # type: ignore[attr-defined]
adapter.strict_specs = STRICT_SPECS  # type: ignore[attr-defined]
adapter.name = "pydantic-ai"  # type: ignore[attr-defined]
adapter.packages = ("pydantic-ai-slim",)  # type: ignore[attr-defined]


def _refusals() -> tuple[type[BaseException], ...]:
    """pydantic-ai's documented "the provider cannot take this request", raised before sending; none
    where pydantic-ai is not installed, so the module still imports in the project's own venv."""
    try:
        from pydantic_ai.exceptions import ModelRequestRejectedError  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return ()
    return (ModelRequestRejectedError,)


adapter.refusals = _refusals()  # type: ignore[attr-defined]


def _model(prefix: str, name: str, client: Any) -> Any:
    """pydantic-ai's model class for ``prefix``, on the runner's async SDK client."""
    import importlib  # lazily, like the library: the project's own venv has no pydantic-ai

    model_module, model_class = MODEL_CLASSES[prefix]
    provider_module, provider_class, keyword = PROVIDERS[prefix]
    provider = getattr(importlib.import_module(provider_module), provider_class)(**{keyword: client})
    return getattr(importlib.import_module(model_module), model_class)(name, provider=provider)


def _models(response_model: Any) -> tuple[type[BaseModel], ...]:
    """``Iterable[A | B]`` (or ``Iterable[A]``) -> ``(A, B)``."""
    (union,) = get_args(response_model)
    return get_args(union) or (union,)


async def _run(
    model: Any, messages: list[dict[str, Any]], models: Iterable[type[BaseModel]], stream: bool, strict: bool
) -> list[BaseModel]:
    from pydantic_ai import Agent  # type: ignore[import-not-found, unused-ignore]
    from pydantic_ai.tool_manager import ToolManager  # type: ignore[import-not-found, unused-ignore]

    called: list[BaseModel] = []
    tools = [_tool(each, called, strict) for each in models]
    instructions = "\n".join(m["content"] for m in messages if m["role"] in ("system", "developer")) or None
    prompt = "\n".join(m["content"] for m in messages if m["role"] == "user")
    agent = Agent(model, tools=tools, instructions=instructions, retries=0)
    requests = 0
    with ToolManager.parallel_execution_mode("sequential"):
        async with agent.iter(prompt) as run:
            async for node in run:
                if not Agent.is_model_request_node(node):
                    continue
                requests += 1
                if requests > 1:  # the tools' results would go back in a second request: stop before it
                    break
                if stream:
                    async with node.stream(run.ctx) as events:
                        async for _ in events:
                            pass
    return called


def _tool(model: type[BaseModel], called: list[BaseModel], strict: bool) -> Any:
    """A function tool taking ``model`` as its one parameter, recording each instance it is called with."""
    from pydantic_ai import Tool  # type: ignore[import-not-found, unused-ignore]

    def call(arguments: BaseModel) -> str:
        called.append(arguments)
        return "done"

    call.__annotations__ = {"arguments": model, "return": str}  # the model is only known at run time
    title = model.model_config.get("title")
    return Tool(call, name=title if isinstance(title, str) and title else model.__name__, strict=strict or None)
