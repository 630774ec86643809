"""Redaction: secret headers, ``key=`` and the environment's keys never reach a cassette; noise is dropped."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from harness.recording import _format
from harness.recording._redact import (
    KEY_VARIABLES,
    REDACTED,
    SECRET_HEADERS,
    redact_document,
    redact_interaction,
    redact_uri,
    secret_values,
)

# Fake keys, obviously so: never issued by any provider.
FAKE_OPENAI = "sk-test-" + "x" * 40
FAKE_ANTHROPIC = "sk-ant-test-" + "y" * 40
FAKE_GOOGLE = "AIza-test-" + "z" * 30


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_ANTHROPIC)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_GOOGLE)
    return secret_values()


def interaction(
    *,
    uri: str = "https://api.openai.com/v1/chat/completions",
    request_headers: dict[str, Any] | None = None,
    request_body: str | bytes | None = None,
    response_headers: dict[str, Any] | None = None,
    response_body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "request": {"method": "POST", "uri": uri, "body": request_body, "headers": request_headers or {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": response_headers or {},
            "body": response_body or {"string": b""},
        },
    }


# --- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SECRET_HEADERS))
def test_secret_header_values_are_redacted_and_the_header_kept(name: str) -> None:
    headers = {name.title(): ["some-value-1", "some-value-2"]}
    cleaned = redact_interaction(interaction(request_headers=headers, response_headers=headers), [])
    assert cleaned["request"]["headers"] == {name.title(): [REDACTED, REDACTED]}
    assert cleaned["response"]["headers"] == {name.title(): [REDACTED, REDACTED]}


def test_a_single_header_value_stays_single() -> None:
    cleaned = redact_interaction(interaction(request_headers={"x-api-key": "abc", "x-custom": "plain"}), [])
    assert cleaned["request"]["headers"] == {"x-api-key": REDACTED, "x-custom": "plain"}


def test_noisy_request_headers_are_dropped_and_meaningful_ones_kept() -> None:
    headers = {
        "X-Stainless-OS": ["Linux"],
        "x-stainless-retry-count": ["0"],
        "User-Agent": ["OpenAI/Python 3.50.0"],
        "x-goog-api-client": ["google-genai-sdk/3.4.0"],
        "accept-encoding": ["gzip"],
        "accept": ["application/json"],
        "connection": ["keep-alive"],
        "content-length": ["123"],
        "host": ["api.openai.com"],
        "content-type": ["application/json"],
        "anthropic-version": ["2023-06-01"],
        "anthropic-beta": ["tools-2024"],
    }
    cleaned = redact_interaction(interaction(request_headers=headers), [])
    assert cleaned["request"]["headers"] == {
        "content-type": ["application/json"],
        "anthropic-version": ["2023-06-01"],
        "anthropic-beta": ["tools-2024"],
    }


def test_noisy_response_headers_are_dropped_and_meaningful_ones_kept() -> None:
    headers = {
        "Date": ["Mon, 01 Jan 2026 00:00:00 GMT"],
        "x-request-id": ["req_1"],
        "request-id": ["req_2"],
        "CF-RAY": ["abc-LHR"],
        "cf-cache-status": ["DYNAMIC"],
        "x-ratelimit-remaining-requests": ["499"],
        "anthropic-ratelimit-tokens-remaining": ["1000"],
        "openai-processing-ms": ["321"],
        "server": ["cloudflare"],
        "server-timing": ["gfet4t7; dur=100"],
        "via": ["1.1 google"],
        "alt-svc": ['h3=":443"'],
        "x-envoy-upstream-service-time": ["300"],
        "content-length": ["42"],
        "transfer-encoding": ["chunked"],
        "connection": ["keep-alive"],
        "strict-transport-security": ["max-age=31536000"],
        "x-content-type-options": ["nosniff"],
        "vary": ["Origin"],
        "x-cloud-trace-context": ["abc"],
        "content-type": ["application/json"],
        "content-encoding": ["gzip"],
        "openai-version": ["2020-10-01"],
        "retry-after": ["2"],
    }
    cleaned = redact_interaction(interaction(response_headers=headers), [])
    assert cleaned["response"]["headers"] == {
        "content-type": ["application/json"],
        "content-encoding": ["gzip"],
        "openai-version": ["2020-10-01"],
        "retry-after": ["2"],
    }


# --- URIs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=abc123",
            "https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=REDACTED",
        ),
        ("https://h/p?alt=sse&key=abc123&x=1#frag", "https://h/p?alt=sse&key=REDACTED&x=1#frag"),
        ("https://h/p?monkey=abc123&key=", "https://h/p?monkey=abc123&key="),
        ("https://h/key=abc123", "https://h/key=abc123"),
    ],
)
def test_the_key_query_parameter_is_redacted(uri: str, expected: str) -> None:
    assert redact_uri(uri) == expected
    assert redact_interaction(interaction(uri=uri), [])["request"]["uri"] == expected


def test_environment_keys_are_redacted_in_uris(secrets: list[str]) -> None:
    uri = f"https://proxy.example/{FAKE_OPENAI}/v1/chat?token={FAKE_ANTHROPIC}"
    assert redact_interaction(interaction(uri=uri), secrets)["request"]["uri"] == (
        "https://proxy.example/REDACTED/v1/chat?token=REDACTED"
    )


# --- the environment's keys, everywhere ----------------------------------------------------------


def test_secret_values_reads_the_key_variables_and_configured_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY", "AZURE_OPENAI_API_KEY"} <= set(
        KEY_VARIABLES
    )
    assert secret_values() == []
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI)
    monkeypatch.setenv("GOOGLE_API_KEY", FAKE_GOOGLE)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_GOOGLE)  # the same key under both names: listed once
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
    monkeypatch.setenv("MY_PROXY_TOKEN", "  proxy-token-value-1234\n")
    monkeypatch.setenv("SHORT", "abc")  # too short to be a key: redacting it would mangle every body
    values = secret_values(["MY_PROXY_TOKEN", "SHORT", "UNSET_VARIABLE"])
    assert values == [FAKE_OPENAI, FAKE_GOOGLE, "proxy-token-value-1234"]  # longest first


def test_environment_keys_are_redacted_in_header_values(secrets: list[str]) -> None:
    headers = {"x-forwarded-credential": [f"key {FAKE_GOOGLE}"], "Authorization": [f"Bearer {FAKE_OPENAI}"]}
    cleaned = redact_interaction(interaction(request_headers=headers), secrets)
    assert cleaned["request"]["headers"] == {"x-forwarded-credential": ["key REDACTED"], "Authorization": [REDACTED]}


def test_environment_keys_are_redacted_in_json_bodies_which_stay_json(secrets: list[str]) -> None:
    request = json.dumps({"model": "gpt-x", "user": FAKE_OPENAI, "metadata": {FAKE_ANTHROPIC: [FAKE_GOOGLE]}})
    response = json.dumps({"echo": f"your key is {FAKE_OPENAI}."}).encode()
    cleaned = redact_interaction(interaction(request_body=request, response_body={"string": response}), secrets)
    assert json.loads(cleaned["request"]["body"]) == {
        "model": "gpt-x",
        "user": REDACTED,
        "metadata": {REDACTED: [REDACTED]},
    }
    assert isinstance(cleaned["response"]["body"]["string"], bytes)
    assert json.loads(cleaned["response"]["body"]["string"]) == {"echo": "your key is REDACTED."}


def test_environment_keys_are_redacted_in_stream_events(secrets: list[str]) -> None:
    events = [
        'event: message_start\ndata: {"type":"message_start"}\n\n',
        f'event: content_block_delta\ndata: {{"text":"{FAKE_ANTHROPIC}"}}\n\n',
    ]
    body = {"string": "".join(events).encode(), "events": events}
    cleaned = redact_interaction(interaction(response_body=body), secrets)
    assert cleaned["response"]["body"]["events"][1] == 'event: content_block_delta\ndata: {"text":"REDACTED"}\n\n'
    assert cleaned["response"]["body"]["string"] == "".join(cleaned["response"]["body"]["events"]).encode()


def test_bytes_that_are_not_utf8_are_kept_byte_for_byte(secrets: list[str]) -> None:
    raw = b"\xff\xfe\x00" + FAKE_OPENAI.encode() + b"\x80"
    cleaned = redact_interaction(interaction(request_body=raw), secrets)
    assert cleaned["request"]["body"] == b"\xff\xfe\x00REDACTED\x80"


def test_a_secret_inside_a_longer_one_leaves_no_tail() -> None:
    long_secret, short_secret = "secret-value-" + "q" * 20, "secret-value"
    cleaned = redact_interaction(interaction(request_body=f"{long_secret} {short_secret}"), [short_secret, long_secret])
    assert cleaned["request"]["body"] == "REDACTED REDACTED"


def test_the_input_is_not_mutated(secrets: list[str]) -> None:
    original = interaction(
        uri="https://h/p?key=abc",
        request_headers={"authorization": [f"Bearer {FAKE_OPENAI}"], "user-agent": ["x"]},
        request_body=FAKE_OPENAI,
        response_headers={"date": ["today"]},
        response_body={"string": FAKE_OPENAI, "events": [FAKE_OPENAI]},
    )
    before = copy.deepcopy(original)
    redact_interaction(original, secrets)
    assert original == before


def test_redact_document_cleans_every_interaction_and_the_metadata(secrets: list[str]) -> None:
    document: dict[str, Any] = {
        "version": 1,
        "metadata": {"base_url": f"https://proxy.example/{FAKE_OPENAI}"},
        "interactions": [interaction(request_body=FAKE_OPENAI), interaction(request_body=FAKE_ANTHROPIC)],
    }
    cleaned = redact_document(document, secrets)
    assert cleaned["version"] == 1
    assert cleaned["metadata"] == {"base_url": "https://proxy.example/REDACTED"}
    assert [i["request"]["body"] for i in cleaned["interactions"]] == [REDACTED, REDACTED]
    assert document["interactions"][0]["request"]["body"] == FAKE_OPENAI


def test_a_redacted_document_serializes_without_any_secret(secrets: list[str]) -> None:
    document = {
        "version": 1,
        "interactions": [
            interaction(
                uri=f"https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key={FAKE_GOOGLE}",
                request_headers={"x-goog-api-key": [FAKE_GOOGLE], "content-type": ["application/json"]},
                request_body=json.dumps({"contents": [{"parts": [{"text": FAKE_GOOGLE}]}]}),
                response_headers={"content-type": ["application/json"], "set-cookie": ["NID=1"]},
                response_body={"string": json.dumps({"candidates": []}).encode()},
            )
        ],
    }
    text = _format.serialize(redact_document(document, secrets))
    assert all(secret not in text for secret in secrets)
    loaded = _format.deserialize(text)
    request = loaded["interactions"][0]["request"]
    assert request["uri"].endswith("?key=REDACTED")
    assert json.loads(request["body"]) == {"contents": [{"parts": [{"text": REDACTED}]}]}
