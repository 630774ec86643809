"""The conformance adapter for litellm 1.110: what ``litellm.completion`` does with the same answers.

litellm speaks every provider in the OpenAI Chat Completions shape: its users declare tools as OpenAI
function tools, call ``litellm.completion(model="<provider>/<name>", tools=..., tool_choice="required")``
and read ``response.choices[0].message.tool_calls``, whatever provider answered. For Anthropic and
Gemini litellm rewrites the request and the answer itself, over its own httpx client (not their SDKs),
so its column measures litellm's translation both ways.

What the adapter does, as a litellm user would:

- each model of the union is an OpenAI function tool named after the model (its ``model_config`` title,
  else its class name), its docstring the description, ``model_json_schema()`` the parameters; strict
  cells use ``openai.pydantic_function_tool(model)``: the OpenAI SDK's strict schema (the
  ``to_strict_json_schema`` litellm itself uses for a pydantic ``response_format``) and ``"strict": true``;
- ``litellm.completion(model=..., messages=..., tools=..., tool_choice="required", api_base=base_url,
  api_key=api_key)``; streamed, the chunks are gathered and joined with ``litellm.stream_chunk_builder``,
  litellm's documented way to get the whole response back from a stream;
- each tool call's ``function.arguments`` is validated into the model its ``function.name`` names.

Why this call path: ``completion`` is litellm's one entry point and the one its docs show for function
calling; ``api_base``/``api_key`` is how its users point it at a proxy, so the runner is reached over its
loopback socket with no private attribute and no process-wide ``litellm.client_session``. The runner's
``base_url`` is the API root: litellm's OpenAI client takes it as it is; Gemini's is ``{base_url}/v1beta``,
which litellm extends with ``/models/{model}:generateContent``; Anthropic's litellm extends with
``/v1/messages``.

Claimed: ``openai`` (``openai/``), ``anthropic`` (``anthropic/``), ``google`` (``gemini/``), strict on
``openai`` and ``anthropic``: ``completion`` takes ``"strict"`` on any function tool and documents no
provider without it. OpenAI gets the tool as it is; on Anthropic, 1.110's
``AnthropicConfig._map_tool_helper`` builds the tool from its name, description and schema only, so
``strict`` is dropped without a word (the ``anthropic+strict`` column reads ``rejected``: not declared
strict). Not claimed: ``openai-responses`` (``completion`` speaks Chat Completions; the Responses API is
another entry point, ``litellm.responses``), and ``vertexai``: litellm's ``vertex_ai/`` fetches a Google
access token before every request (``VertexBase.get_access_token``), which needs Google credentials and
the network; its Gemini request and answer translation is the one the ``google`` column measures.
Refusals: ``litellm.UnsupportedParamsError``, litellm's documented "this provider cannot take that
parameter" (``drop_params`` silences it), raised before sending.

``LITELLM_LOCAL_MODEL_COST_MAP=True`` is set (when unset) before litellm is imported: otherwise the
import fetches a model price list from the network. Run it in its own venv (docs/audit-environments.md):

```shell
.venv-litellm/bin/harness conformance --adapter harness.conformance.litellm_adapter:adapter
```
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import Any, get_args

from pydantic import BaseModel

__all__ = ["SPECS", "STRICT_SPECS", "adapter"]

#: The prefixes the adapter claims, and litellm's provider prefix for each.
PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "gemini"}
SPECS = tuple(PROVIDERS)
#: Those litellm forwards ``"strict": true`` to.
STRICT_SPECS = ("openai", "anthropic")
#: What litellm appends its own paths to, after the runner's API root.
API_ROOTS = {"google": "/v1beta"}


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
    """``litellm.completion`` with one function tool per model and ``tool_choice="required"``, pointed at
    the runner's loopback; each tool call validated into the model it names."""
    prefix = spec.partition("/")[0]
    litellm = _litellm()
    models = _members(response_model)
    by_name = {_tool_name(member): member for member in models}
    tools = [_tool(name, member, strict) for name, member in by_name.items()]
    answer = litellm.completion(
        model=f"{PROVIDERS[prefix]}/{model}",
        messages=messages,
        tools=tools,
        tool_choice="required",
        stream=stream,
        api_base=base_url + API_ROOTS.get(prefix, ""),
        api_key=api_key,
        num_retries=0,
    )
    if stream:
        answer = litellm.stream_chunk_builder(list(answer), messages=messages)
    calls = answer.choices[0].message.tool_calls or []
    return [by_name[call.function.name].model_validate_json(call.function.arguments) for call in calls]


def _litellm() -> Any:
    """litellm, imported lazily (the project's own venv has none) and without its network price list."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm  # type: ignore[import-not-found, unused-ignore]

    return litellm


class _Refusals:
    """``adapter.refusals``: ``litellm.UnsupportedParamsError``, looked up only when the runner reads it,
    so importing this module needs no litellm (nothing, where litellm is not installed)."""

    def __iter__(self) -> Iterator[type[BaseException]]:
        if importlib.util.find_spec("litellm") is not None:
            yield _litellm().UnsupportedParamsError


def _members(response_model: Any) -> tuple[type[BaseModel], ...]:
    """``Iterable[A | B]`` -> ``(A, B)``; ``Iterable[A]`` -> ``(A,)``."""
    (union,) = get_args(response_model)
    return get_args(union) or (union,)


def _tool_name(model: type[BaseModel]) -> str:
    return model.model_config.get("title") or model.__name__


def _tool(name: str, model: type[BaseModel], strict: bool) -> dict[str, Any]:
    """An OpenAI function tool for ``model``, as litellm's users write one."""
    if strict:
        import openai

        return dict(openai.pydantic_function_tool(model, name=name))
    function: dict[str, Any] = {"name": name, "parameters": model.model_json_schema()}
    if model.__doc__:
        function["description"] = model.__doc__
    return {"type": "function", "function": function}


adapter.specs = SPECS  # type: ignore[attr-defined]
adapter.strict_specs = STRICT_SPECS  # type: ignore[attr-defined]
adapter.name = "litellm"  # type: ignore[attr-defined]
adapter.refusals = _Refusals()  # type: ignore[attr-defined]
adapter.packages = ("litellm",)  # type: ignore[attr-defined]  # the library measured, for the report's environments
