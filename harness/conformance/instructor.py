"""The conformance adapter for instructor 1.17: what instructor's parallel modes do with the same answers.

The conformance runner stands in for the provider: it hands `adapter` the real SDK client on an
in-memory transport, answers the request instructor sends with the expected instances as parallel tool
calls in the provider's exact wire shape (JSON, or an SSE stream when ``stream=True``), and compares what
comes back. Instructor gets the same answers, byte for byte, as harness's own adapter, so its column in
the report measures instructor's request building and parsing, nothing else.

Each spec uses instructor's closest mode (``ANTHROPIC_PARALLEL_TOOLS`` and ``GENAI_TOOLS`` are, in 1.17,
deprecated aliases that instructor maps to the modes below; naming those directly is the same code path
without the ``DeprecationWarning``):

- ``openai``: ``instructor.from_openai(client, mode=Mode.PARALLEL_TOOLS)``;
- ``anthropic``: ``instructor.from_anthropic(client, mode=Mode.PARALLEL_TOOLS)``;
- ``google`` and ``vertexai`` (one ``google.genai.Client`` serves both):
  ``instructor.from_genai(client, mode=Mode.TOOLS)``. instructor 1.17 has no parallel mode on
  ``google.genai``; its ``VERTEXAI_PARALLEL_TOOLS`` needs the older ``vertexai`` SDK
  (``GenerativeModel``), which is not the client the runner gives. ``TOOLS`` declares one function,
  ``Iterable<A>Or<B>``, carrying the instances as a ``tasks`` list.

``openai-responses`` is not claimed: instructor 1.17 has no parallel mode on the Responses API (called
anyway, the adapter refuses with `harness.UnsupportedSchemaError`). No spec is claimed strict.
``stream=True`` goes to instructor as it is, and the cell records what instructor does: on OpenAI and
Anthropic its parallel mode raises ``ConfigurationError`` ("stream=True is not supported when using
PARALLEL_TOOLS mode") before sending; on Gemini and Vertex AI it streams, validating each call's arguments
against the union's members in order, whatever the call's name. Instructor's re-asks are off
(``max_retries=0``): the runner serves one answer per call, and a re-ask could only get the same answer.

instructor pins ``jiter<0.15``, hence openai 3.3, below the project's ``openai>=3.50``; it runs in its own
venv. Run it with:

```shell
make audit-instructor
```

which builds ``.venv-instructor``, installs the project into it without touching its openai, runs
``harness conformance --adapter harness.conformance.instructor:adapter --out conformance-report/instructor``
there, and then the project's own report with instructor's column included (docs/conformance-instructor.md).
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

from harness.errors import UnsupportedSchemaError

__all__ = ["SPECS", "adapter"]

#: The prefixes the adapter claims (``adapter.specs``); ``openai-responses`` is not one of them.
SPECS = ("openai", "anthropic", "google", "vertexai")

# instructor logs every failed attempt ("Max retries exceeded ...") at error level, and with no logging
# configured Python prints each to stderr; the failure is already the adapter's exception. A NullHandler
# keeps those lines out of a run, and still lets a configured root logger see them.
logging.getLogger("instructor").addHandler(logging.NullHandler())

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
) -> list[BaseModel]:
    """Call instructor 1.17's closest parallel mode for ``spec`` on ``sdk_client``; the instances it returns."""
    prefix, _, model = spec.partition("/")
    if prefix not in SPECS:
        hint = "instructor 1.17 has no parallel mode on the Responses API" if prefix == "openai-responses" else ""
        raise _refusal(prefix, "parallel tool calls", hint)
    if strict:
        raise _refusal(prefix, "strict parallel tool calls", "instructor 1.17 has no strict parallel mode")

    import instructor  # lazily: the project's own venv has no instructor (it pins jiter, hence openai, lower)

    common: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "response_model": response_model,
        "stream": stream,
        "max_retries": 0,
    }
    if prefix == "openai":
        client = instructor.from_openai(sdk_client, mode=instructor.Mode.PARALLEL_TOOLS)
        result = client.chat.completions.create(**common)
    elif prefix == "anthropic":
        client = instructor.from_anthropic(sdk_client, mode=instructor.Mode.PARALLEL_TOOLS)
        result = client.messages.create(max_tokens=ANTHROPIC_MAX_TOKENS, **common)
    else:  # google, vertexai: one google.genai.Client serves both
        client = instructor.from_genai(sdk_client, mode=instructor.Mode.TOOLS)
        result = client.chat.completions.create(**common)
    # Parallel modes hand back a lazy generator (validated as it is consumed); the genai mode a list.
    return list(result) if not isinstance(result, BaseModel) else [result]


adapter.specs = SPECS  # type: ignore[attr-defined]
adapter.name = "instructor"  # type: ignore[attr-defined]
adapter.packages = ("instructor",)  # type: ignore[attr-defined]  # the library measured, for the report's environments


def _refusal(prefix: str, feature: str, hint: str) -> UnsupportedSchemaError:
    return UnsupportedSchemaError(
        provider=f"instructor 1.17 on {prefix}", tool_name="response_model", path="", feature=feature, hint=hint
    )
