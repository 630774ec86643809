"""Importing vcrpy and pydantic-ai cassettes: harness cassettes that load, with streams as events and no secrets."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.recording._format import CassetteFormatError, deserialize
from harness.recording._import import import_cassette

# Fake keys, obviously so: never issued by any provider.
FAKE_OPENAI = "sk-test-" + "x" * 40
FAKE_GOOGLE = "AIza-test-" + "z" * 30

VCRPY_YAML = """\
interactions:
- request:
    body: '{"model":"gpt-x","messages":[{"role":"user","content":"hi"}],"user":"SECRET_OPENAI"}'
    headers:
      Authorization:
      - Bearer SECRET_OPENAI
      User-Agent:
      - OpenAI/Python 3.50.0
      X-Stainless-Lang:
      - python
      content-type:
      - application/json
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body:
      string: '{"id":"chatcmpl-1","choices":[{"message":{"role":"assistant","content":"hello"}}]}'
    headers:
      Content-Type:
      - application/json
      Date:
      - Mon, 01 Jan 2026 00:00:00 GMT
      openai-organization:
      - org-abc
      x-ratelimit-remaining-requests:
      - '499'
    status:
      code: 200
      message: OK
- request:
    body: '{"contents":[{"parts":[{"text":"hi"}]}]}'
    headers:
      content-type:
      - application/json
    method: POST
    uri: https://generativelanguage.googleapis.com/v1beta/models/gemini-x:streamGenerateContent?alt=sse&key=SECRET_GOOGLE
  response:
    body:
      string: "data: {\\"candidates\\": [{\\"content\\": {\\"parts\\": [{\\"text\\": \\"he\\"}]}}]}\\r\\n\\r\\n\\
        data: {\\"candidates\\": [{\\"content\\": {\\"parts\\": [{\\"text\\": \\"llo\\"}]}}]}\\r\\n\\r\\n"
    headers:
      Content-Type:
      - text/event-stream
    status:
      code: 200
      message: OK
version: 1
""".replace("SECRET_OPENAI", FAKE_OPENAI).replace("SECRET_GOOGLE", FAKE_GOOGLE)

PYDANTIC_AI_YAML = """\
interactions:
- request:
    headers:
      accept:
      - application/json
      content-type:
      - application/json
    method: POST
    parsed_body:
      max_tokens: 1024
      messages:
      - content:
        - text: What is the weather in Paris?
          type: text
        role: user
      model: claude-x
      stream: false
      tools:
      - input_schema:
          properties:
            city:
              type: string
          type: object
        name: get_weather
    uri: https://api.anthropic.com/v1/messages?beta=true
  response:
    headers:
      content-type:
      - application/json
      request-id:
      - req_1
    parsed_body:
      content:
      - id: toolu_1
        input:
          city: Paris
        name: get_weather
        type: tool_use
      role: assistant
      stop_reason: tool_use
      type: message
    status:
      code: 200
      message: OK
- request:
    headers:
      content-type:
      - application/json
    method: POST
    parsed_body:
      max_tokens: 1024
      messages:
      - content: hi
        role: user
      model: claude-x
      stream: true
    uri: https://api.anthropic.com/v1/messages?beta=true
  response:
    body:
      string: |+
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","role":"assistant","content":[]}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hello"}}

        event: message_stop
        data: {"type":"message_stop"}

    headers:
      content-type:
      - text/event-stream; charset=utf-8
    status:
      code: 200
      message: OK
- request:
    headers:
      content-type:
      - application/json
    method: POST
    parsed_body:
      model: claude-x
      stream: true
    uri: https://api.anthropic.com/v1/messages
  response:
    headers:
      content-type:
      - text/event-stream
    parsed_body:
    - 'event: message_start

      data: {"type":"message_start"}'
    - 'event: message_stop

      data: {"type":"message_stop"}'
    status:
      code: 200
      message: OK
version: 1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(text: str) -> list[dict[str, Any]]:
    interactions: list[dict[str, Any]] = deserialize(text)["interactions"]
    return interactions


def test_a_vcrpy_yaml_cassette_becomes_a_redacted_harness_cassette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI)
    text = import_cassette(write(tmp_path, "chat.yaml", VCRPY_YAML))

    assert FAKE_OPENAI not in text and FAKE_GOOGLE not in text
    chat, stream = load(text)
    assert chat["request"]["headers"] == {"Authorization": ["REDACTED"], "content-type": ["application/json"]}
    assert json.loads(chat["request"]["body"])["user"] == "REDACTED"  # the key in the environment
    assert chat["response"]["headers"] == {"Content-Type": ["application/json"], "openai-organization": ["REDACTED"]}
    assert json.loads(chat["response"]["body"]["string"])["choices"][0]["message"]["content"] == "hello"

    assert stream["request"]["uri"].endswith("?alt=sse&key=REDACTED")  # key= goes whether or not it is known
    events = stream["response"]["body"]["events"]
    assert [
        json.loads(event.removeprefix("data: "))["candidates"][0]["content"]["parts"][0]["text"] for event in events
    ] == [
        "he",
        "llo",
    ]
    assert "    body:\n      sse:\n" in text  # stored as a stream, event by event


def test_a_vcrpy_json_cassette_is_read_too(tmp_path: Path) -> None:
    document = yaml.safe_load(VCRPY_YAML)
    text = import_cassette(write(tmp_path, "chat.json", json.dumps(document, indent=4)), secrets=[FAKE_OPENAI])
    assert FAKE_OPENAI not in text and FAKE_GOOGLE not in text
    assert [i["request"]["uri"].split("?")[0].rsplit("/", 1)[-1] for i in load(text)] == [
        "completions",
        "gemini-x:streamGenerateContent",
    ]


def test_a_compressed_body_is_stored_decoded(tmp_path: Path) -> None:
    answer = {"id": "msg_1", "content": [{"type": "text", "text": "hello"}]}
    document = yaml.safe_load(VCRPY_YAML)
    response = document["interactions"][0]["response"]
    response["body"]["string"] = gzip.compress(json.dumps(answer).encode())  # vcrpy writes it as !!binary
    response["headers"]["Content-Encoding"] = ["gzip"]
    text = import_cassette(write(tmp_path, "gz.yaml", yaml.safe_dump(document)), secrets=[])
    (chat, _) = load(text)
    assert json.loads(chat["response"]["body"]["string"]) == answer
    assert "Content-Encoding" not in chat["response"]["headers"]


def test_a_pydantic_ai_cassette_with_parsed_bodies_becomes_a_harness_cassette(tmp_path: Path) -> None:
    text = import_cassette(write(tmp_path, "test_weather.yaml", PYDANTIC_AI_YAML), secrets=[])
    tools, stream, listed = load(text)

    assert json.loads(tools["request"]["body"])["tools"][0]["name"] == "get_weather"
    assert tools["request"]["headers"] == {"content-type": ["application/json"]}
    assert json.loads(tools["response"]["body"]["string"])["content"][0]["input"] == {"city": "Paris"}
    assert "events" not in tools["response"]["body"]
    assert "    body:\n      json:\n" in text

    assert json.loads(stream["request"]["body"])["stream"] is True
    assert [event.split("\n")[0] for event in stream["response"]["body"]["events"]] == [
        "event: message_start",
        "event: content_block_delta",
        "event: message_stop",
    ]
    assert listed["response"]["body"]["events"] == [
        'event: message_start\ndata: {"type":"message_start"}\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ]
    assert deserialize(text)["metadata"] == {"imported_from": "test_weather.yaml", "hosts": ["api.anthropic.com"]}


def test_a_harness_cassette_imports_to_itself(tmp_path: Path) -> None:
    once = import_cassette(write(tmp_path, "a.yaml", PYDANTIC_AI_YAML), secrets=[])
    twice = import_cassette(write(tmp_path, "b.yaml", once), secrets=[])
    assert load(twice) == load(once)


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("list.yaml", "- request: {}\n", "expected a vcrpy cassette"),
        ("empty.yaml", "", "expected a vcrpy cassette"),
        ("broken.json", '{"interactions": [', "invalid JSON"),
        ("broken.yaml", "interactions: [\n", "invalid YAML"),
        (
            "no_uri.yaml",
            "interactions:\n- request: {method: GET}\n  response: {status: {code: 200}}\n",
            "interactions[0].request",
        ),
        (
            "status.yaml",
            "interactions:\n- request: {method: GET, uri: 'https://h/'}\n  response: {status: 200}\n",
            "interactions[0].response.status",
        ),
        (
            "body.yaml",
            "interactions:\n- request: {method: GET, uri: 'https://h/'}\n  response: {status: {code: 200}, body: 42}\n",
            "interactions[0].response: expected body: {string",
        ),
        (
            "request_body.yaml",
            "interactions:\n- request: {method: GET, uri: 'https://h/', body: [1]}\n"
            "  response: {status: {code: 200}}\n",
            "interactions[0].request.body",
        ),
    ],
)
def test_unknown_shapes_name_the_file_and_what_was_expected(tmp_path: Path, name: str, text: str, problem: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(CassetteFormatError) as raised:
        import_cassette(path, secrets=[])
    assert str(raised.value).startswith(str(path))
    assert problem in str(raised.value)


def test_a_body_that_cannot_be_decoded_is_refused(tmp_path: Path) -> None:
    document = yaml.safe_load(VCRPY_YAML)
    response = document["interactions"][0]["response"]
    response["body"]["string"] = b"not gzip at all"
    response["headers"]["content-encoding"] = ["gzip"]
    with pytest.raises(CassetteFormatError, match="cannot decode content-encoding 'gzip'"):
        import_cassette(write(tmp_path, "bad.yaml", yaml.safe_dump(document)), secrets=[])
