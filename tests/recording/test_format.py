"""The cassette file format: every body form round-trips, and a broken file names its line."""

from __future__ import annotations

from typing import Any

import pytest

from harness.recording._format import CassetteFormatError, deserialize, serialize


def interaction(request_body: Any, response_body: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": {"method": "POST", "uri": "https://x.test/v1/a", "body": request_body, "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": response_body},
    }


@pytest.mark.parametrize(
    ("request_body", "response_body", "form"),
    [
        (b'{"b": [1, 2.5, null, "\\u00e9"]}', {"string": b'{"ok": true}'}, "json:"),
        (b"plain words", {"string": b"more words\nover lines"}, "text: |-"),
        (b"\xff\x00\xfe", {"string": b"\x89PNG\r\n"}, "base64:"),
        (None, {"string": b"", "events": ["event: a\ndata: {}\n\n", "data: [DONE]\n\n"]}, "sse:"),
    ],
)
def test_every_body_form_round_trips(request_body: Any, response_body: dict[str, Any], form: str) -> None:
    text = serialize({"version": 1, "interactions": [interaction(request_body, response_body)]})
    assert form in text
    (back,) = deserialize(text)["interactions"]
    if request_body is not None and request_body.startswith(b"{"):
        assert back["request"]["body"] == b'{"b":[1,2.5,null,"\xc3\xa9"]}'
    else:
        assert back["request"]["body"] == request_body
    if "events" in response_body:
        assert back["response"]["body"]["events"] == response_body["events"]
        assert back["response"]["body"]["string"] == b"".join(e.encode() for e in response_body["events"])
    elif response_body["string"].startswith(b"{"):
        assert back["response"]["body"]["string"] == b'{"ok":true}'
    else:
        assert back["response"]["body"]["string"] == response_body["string"]


GOOD = serialize({"version": 1, "interactions": [interaction(b"{}", {"string": b"{}"})] * 2})


@pytest.mark.parametrize(
    ("broken", "line", "problem"),
    [
        # The line of the node at fault, where the edit landed.
        (
            GOOD.replace("code: 200", "code: two hundred", 1),
            "code: two hundred",
            "response.status: expected {code: <int>",
        ),
        (
            GOOD.replace("      json: {}\n  response:", "      xml: <a/>\n  response:", 1),
            "xml: <a/>",
            "unknown body form 'xml'",
        ),
        (GOOD.replace("    method: POST\n", "", 1), 4, "missing 'method'"),
        (GOOD.replace("version: 1", "version: 7"), 2, "format version 7"),
        (GOOD + "  - [unclosed\n", None, "invalid YAML"),
    ],
)
def test_a_broken_cassette_names_the_line(broken: str, line: int | str | None, problem: str) -> None:
    with pytest.raises(CassetteFormatError, match=problem) as info:
        deserialize(broken)
    if isinstance(line, str):
        line = next(n for n, text in enumerate(broken.splitlines(), 1) if line in text)
    if line is not None:
        assert info.value.line == line
    else:
        assert info.value.line is not None
    assert str(info.value.at("c.yaml")).startswith(f"c.yaml:{info.value.line}: ")


@pytest.mark.parametrize(
    "body",
    [b'{"x": NaN}', b'{"x": -Infinity}', b"[" * 400 + b"]" * 400],
    ids=["nan", "infinity", "deep"],
)
def test_a_body_the_loader_would_refuse_as_json_is_kept_as_its_text(body: bytes) -> None:
    """A server may send what JSON forbids (NaN) or nests past the loader's bound: the cassette still loads,
    and replays the very bytes."""
    recorded = {"version": 1, "interactions": [interaction(b"{}", {"string": body})]}
    text = serialize(recorded)
    assert "text:" in text
    assert deserialize(text)["interactions"][0]["response"]["body"]["string"] == body


def test_a_status_code_beyond_599_loads() -> None:
    """HTTP's grammar allows any three digits, and a recording with errors kept may hold one."""
    recorded = {"version": 1, "interactions": [interaction(b"{}", {"string": b"{}"})]}
    text = serialize(recorded).replace("code: 200", "code: 999")
    assert deserialize(text)["interactions"][0]["response"]["status"]["code"] == 999
