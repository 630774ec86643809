"""The instructor half of bench/parallel_tools.py; runs in the instructor venv, never in the project's.

Reads a JSON job on stdin (the serialized answers, model names, rounds, number) and prints JSON: for
OpenAI Chat Completions and Anthropic, instructor 1.17's parallel mode against the raw SDK call in this
venv. The raw call replays the exact request instructor sends (captured once), so both sides send the
same tools and get the same bytes back.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import instructor
import openai
from _common import CALLS, MESSAGES, RESPONSE_MODEL, interleaved


def sdk_client(prefix: str, body: bytes, sent: list[dict[str, Any]]) -> Any:
    headers = {"content-type": "application/json"}

    def answer(request: httpx2.Request) -> httpx2.Response:
        if not sent:
            sent.append(json.loads(request.content))
        return httpx2.Response(200, content=body, headers=headers)

    http = httpx2.Client(transport=httpx2.MockTransport(answer))
    if prefix == "openai":
        return openai.OpenAI(api_key="test-key", http_client=http, max_retries=0)
    return anthropic.Anthropic(api_key="test-key", http_client=http, max_retries=0)


def sides(prefix: str, body: bytes, model: str) -> dict[str, Callable[[], object]]:
    sent: list[dict[str, Any]] = []
    sdk = sdk_client(prefix, body, sent)
    if prefix == "openai":
        patched = instructor.from_openai(sdk, mode=instructor.Mode.PARALLEL_TOOLS)

        def ours() -> object:
            # instructor hands back a lazy iterator: consume it so every call is validated.
            return list(patched.chat.completions.create(model=model, messages=MESSAGES, response_model=RESPONSE_MODEL))

        def raw() -> object:
            return sdk.chat.completions.create(**request)
    else:
        patched = instructor.from_anthropic(sdk, mode=instructor.Mode.ANTHROPIC_PARALLEL_TOOLS)

        def ours() -> object:
            return list(
                patched.messages.create(model=model, max_tokens=4096, messages=MESSAGES, response_model=RESPONSE_MODEL)
            )

        def raw() -> object:
            return sdk.messages.create(**request)

    assert ours() == CALLS, f"{prefix}: instructor did not return the ten calls"
    request = sent[0]  # what instructor put on the wire: its tools, tool_choice, system prompt
    return {"instructor": ours, "raw": raw}


def main() -> int:
    job = json.load(sys.stdin)
    results = {}
    for prefix, body in job["bodies"].items():
        times = interleaved(
            sides(prefix, body.encode(), job["models"][prefix]), rounds=job["rounds"], number=job["number"]
        )
        results[prefix] = {**times, "ratio": times["instructor"] / times["raw"]}
    versions = {"version": instructor.__version__, "openai": openai.__version__, "anthropic": anthropic.__version__}
    json.dump({**versions, "results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
