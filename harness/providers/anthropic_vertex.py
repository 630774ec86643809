"""Claude on Vertex AI: the Anthropic Messages wire with Vertex's routing.

The body is Anthropic's, less ``model`` (it moves into the path) and with ``anthropic_version:
vertex-2023-10-16``; the path is ``/v1/projects/{project}/locations/{region}/publishers/anthropic/models/
{model}:rawPredict`` (``:streamRawPredict`` for a stream); the key is a Google access token
(``Authorization: Bearer``). ``anthropic.AnthropicVertex`` does the routing: this module builds it from
``ANTHROPIC_VERTEX_PROJECT_ID``, ``CLOUD_ML_REGION`` and ``ANTHROPIC_VERTEX_BASE_URL``, and reads what
the Anthropic adapter reads.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import ProviderSetupError
from harness.providers._base import ReceivedRequest, SDKClient
from harness.providers._fields import bearer_token
from harness.providers.anthropic import Anthropic

PROJECT = "ANTHROPIC_VERTEX_PROJECT_ID"
REGION = "CLOUD_ML_REGION"
BASE_URL = "ANTHROPIC_VERTEX_BASE_URL"
#: The ``anthropic_version`` Vertex AI takes in the body (the header's dated versions are refused there).
VERTEX_VERSION = "vertex-2023-10-16"
#: The path of one call: project, region, model and the method (``rawPredict`` or ``streamRawPredict``).
PATH = re.compile(
    r"(?:/v1)?/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/publishers/anthropic/models/"
    r"(?P<model>[^/:]+):(?P<method>rawPredict|streamRawPredict)"
)
#: What Vertex AI answers a request without a token (HTTP 401), in Google's error shape.
MISSING_TOKEN = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid "
    "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


class AnthropicVertex(Anthropic):
    """Claude on Vertex AI (``anthropic-vertex/<model>``)."""

    name = "anthropic-vertex"
    paths = (PATH,)
    rules = dataclasses.replace(Anthropic.rules, provider="anthropic-vertex")
    strict_rules = dataclasses.replace(Anthropic.strict_rules, provider="anthropic-vertex (strict)")

    @property
    def wire(self) -> str:
        return "anthropic"

    def default_client(self, *, async_client: bool, **sdk_kwargs: Any) -> SDKClient:
        import anthropic

        sdk_kwargs.setdefault("region", os.environ.get(REGION))
        sdk_kwargs.setdefault("project_id", os.environ.get(PROJECT))
        missing = tuple(name for name, key in ((PROJECT, "project_id"), (REGION, "region")) if not sdk_kwargs[key])
        if missing:
            raise ProviderSetupError(provider=self.name, variables=missing, hint=" (or pass region= and project_id=)")
        vertex = anthropic.AsyncAnthropicVertex if async_client else anthropic.AnthropicVertex
        return SDKClient(vertex(**sdk_kwargs), is_async=async_client)

    def wrap_client(self, client: Any, *, async_client: bool) -> SDKClient:
        import anthropic

        if not isinstance(client, anthropic.AnthropicVertex | anthropic.AsyncAnthropicVertex):
            raise TypeError(
                f"anthropic-vertex needs an anthropic.AnthropicVertex or AsyncAnthropicVertex client, "
                f"got {type(client).__qualname__}"
            )
        create = client.messages.create
        return SDKClient(client, is_async=inspect.iscoroutinefunction(inspect.unwrap(create)))

    def build_request(
        self, *, model: str, messages: Sequence[Any], tools: list[dict[str, Any]], options: dict[str, Any]
    ) -> dict[str, Any]:
        request = super().build_request(model=model, messages=messages, tools=tools, options=options)
        # The SDK moves model into the path; the version Vertex takes goes in the body.
        extra_body = dict(request.get("extra_body") or {})
        extra_body.setdefault("anthropic_version", VERTEX_VERSION)
        request["extra_body"] = extra_body
        return request

    # --- the emulator's side ---------------------------------------------------------
    def read_request(self, body: Any, *, path: str) -> ReceivedRequest:
        """The model is the path's; a body that names one is read as the Messages API reads it."""
        match = PATH.fullmatch(path)
        if isinstance(body, dict) and match is not None and "model" not in body:
            body = {**body, "model": match["model"]}
        return super().read_request(body, path=path)

    def api_key_present(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        """A Google access token: ``Authorization: Bearer``."""
        return bearer_token(headers) is not None

    def missing_key_error(self) -> tuple[int, dict[str, Any]]:
        return 401, {"error": {"code": 401, "message": MISSING_TOKEN, "status": "UNAUTHENTICATED"}}


PROVIDER = AnthropicVertex()
