"""Corrupt cassettes: each fails as a CassetteFormatError naming its file and line, never as anything else.

The fuzz test takes the cassettes this project recorded (``cassettes/test_seed_cassettes``), corrupts
them at the YAML level and in the text, then loads and replays each through the real SDK client.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import re
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest
import yaml
from google.genai import errors as genai_errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import harness
from harness.recording import CassetteFormatError, use_cassette
from harness.recording._format import deserialize, serialize
from harness.testing import sdk_client
from tests._fuzz import examples, places
from tests._seed import CALLS, MESSAGES, RESPONSE_MODEL, dumps

SEEDS = sorted((Path(__file__).parents[2] / "cassettes" / "test_seed_cassettes").glob("test_weather_*.yaml"))
#: What a replay may end in besides success: harness's errors, and the SDK's own for a recorded error status.
EXPECTED = (harness.HarnessError, openai.APIStatusError, anthropic.APIStatusError, genai_errors.APIError)
#: The SDKs' wrapping of whatever the transport raised: expected only around a harness error.
WRAPPED = (openai.APIConnectionError, anthropic.APIConnectionError)


def spec_of(seed: Path) -> str:
    """``...[openai-responses-gpt-4.1-mini].yaml`` -> ``openai-responses/gpt-4.1-mini``."""
    inside = re.search(r"\[(.+)\]", seed.name)
    assert inside is not None
    for prefix in ("openai-responses", "openai", "anthropic", "google", "vertexai"):
        if inside.group(1).startswith(prefix + "-"):
            return f"{prefix}/{inside.group(1)[len(prefix) + 1 :]}"
    raise AssertionError(seed.name)


def replay(path: Path, spec: str) -> list[str]:
    """The seed's two calls (plain and streamed) answered from the cassette at ``path``, through the real SDK."""
    with use_cassette(path, record_mode="none", allow_playback_repeats=True):
        client = harness.from_provider(spec, client=sdk_client(spec))
        plain = dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL))
        streamed = dumps(client.create(messages=MESSAGES, response_model=RESPONSE_MODEL, stream=True))
    return plain + streamed


# --- a table of corruptions, each with the line at fault ---------------------------------------------

OPENAI = next(seed for seed in SEEDS if "[openai-gpt" in seed.name)
GOOD = OPENAI.read_text(encoding="utf-8")


def replace(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, 1)


def with_body(body: dict[str, Any], index: int = 0) -> Callable[[str], str]:
    """The response body of interaction ``index`` replaced, the file written again as YAML."""

    def edit(text: str) -> str:
        document = yaml.safe_load(text)
        document["interactions"][index]["response"]["body"] = body
        return str(yaml.safe_dump(document, sort_keys=False, width=1_000_000))

    return edit


FIRST_ANSWER = "    body:\n      json:\n        id: chatcmpl"
GZIPPED = base64.b64encode(gzip.compress(b'{"id": "x"}')).decode()
#: (what is done, the edit, text on the line at fault, what the message says)
CORRUPTIONS: list[tuple[str, Callable[[str], str], str, str]] = [
    ("method is a number", replace("method: POST", "method: 5"), "method: 5", "HTTP method"),
    ("method is a list", replace("method: POST", "method: [POST]"), "method: [POST]", "HTTP method"),
    ("method is not a token", replace("method: POST", "method: PO ST"), "method: PO ST", "HTTP method"),
    ("method is missing", replace("    method: POST\n", ""), "- request:", "missing 'method'"),
    ("uri is a number", replace("uri: http://127.0.0.1:33923", "uri: 5 #"), "uri: 5", "not a URL"),
    ("uri is not a URL", replace("uri: http://127.0.0.1:33923", "uri: http://[::1"), "uri: http://[", "not a URL"),
    ("uri has no host", replace("uri: http://127.0.0.1:33923/v1", "uri: /v1"), "uri: /v1", "not a URL"),
    ("uri has a bad port", replace("//127.0.0.1:33923/v1", "//127.0.0.1:99999/v1"), "127.0.0.1:99999", "not a URL"),
    (
        "interactions is a number",
        lambda t: t[: t.index("interactions:")] + "interactions: 5\n",
        "interactions:",
        "a list",
    ),
    (
        "interactions is text",
        lambda t: t[: t.index("interactions:")] + "interactions: abc\n",
        "interactions:",
        "a list",
    ),
    ("no interactions", lambda t: t[: t.index("interactions:")], "version: 1", "not a cassette"),
    ("only a comment", lambda t: t[: t.index("version:")], "# harness cassette", "not a cassette"),
    ("format version", replace("version: 1", "version: 7"), "version: 7", "format version 7"),
    ("metadata is a list", replace("metadata:\n", "metadata: [1]\nx:\n"), "metadata: [1]", "a mapping"),
    ("a timestamp", replace("created: 0", "created: 2024-01-01 10:00:00"), "created: 2024", "quote it"),
    ("a date", replace("created: 0", "created: 2024-01-01"), "created: 2024", "timestamp"),
    ("!!binary", replace("created: 0", "created: !!binary aGVsbG8="), "created: !!binary", "YAML binary"),
    ("!!set", replace("created: 0", "created: !!set {a: null}"), "created: !!set", "YAML tag 'set'"),
    ("a local tag", replace("created: 0", "created: !x 0"), "created: !x", "a YAML !x"),
    ("!!float on text", replace("created: 0", "created: !!float ''"), "created: !!float", "not a YAML float"),
    ("NaN", replace("created: 0", "created: .nan"), "created: .nan", "not a JSON number"),
    ("a merge key", replace("created: 0", "<<: {created: 0}"), "<<:", "a key is text"),
    ("a number as key", replace("created: 0", "1: 0"), "1: 0", "a key is text"),
    ("a key twice", replace("created: 0", "created: 0\n        created: 1"), "created: 1", "appears twice"),
    ("deep nesting", replace("created: 0", "created: " + "[" * 300 + "]" * 300), "created: [[", "nested more"),
    ("an alias", replace("created: 0", "created: &n 0\n        again: *n"), "again: *n", "aliases"),
    (
        "status is a number",
        replace("    status:\n      code: 200\n      message: OK", "    status: 5"),
        "status: 5",
        "mapping",
    ),
    ("status code is text", replace("code: 200", "code: two hundred"), "code: two", "code: <int>"),
    ("status code is out of range", replace("code: 200", "code: 2000"), "code: 2000", "100 to 999"),
    ("status code is true", replace("code: 200", "code: true"), "code: true", "code: <int>"),
    ("status message is a number", replace("message: OK", "message: 5"), "message: 5", "reason as text"),
    ("a header value is not ASCII", replace('- \'{"seed"', '- \'\u00e9{"seed"'), "- '\u00e9", "ASCII"),
    ("a header value is a number", replace("- application/json", "- 5"), "- 5", "ASCII text"),
    ("a header value is a mapping", replace("- application/json", "- {a: b}"), "- {a: b}", "ASCII text"),
    (
        "a header without values",
        replace("authorization:\n      - REDACTED", "authorization: []"),
        "authorization:",
        "one value",
    ),
    ("a header name is not one", replace("authorization:", "'bad name':"), "'bad name'", "header name"),
    (
        "headers are a list",
        replace(
            "    headers:\n      authorization:\n      - REDACTED\n      content-type:\n      - application/json\n",
            "    headers: [1]\n",
        ),
        "headers: [1]",
        "mapping",
    ),
    (
        "json under event-stream",
        replace("- application/json\n      x-harness", "- text/event-stream\n      x-harness"),
        FIRST_ANSWER,
        "json body",
    ),
    (
        "sse under json",
        replace("- text/event-stream; charset=utf-8", "- application/json"),
        "    body:\n      sse:",
        "sse body",
    ),
    ("sse is text", with_body({"sse": "data: {}"}, index=1), "sse: 'data", "a list of events"),
    (
        "an unknown body form",
        replace("      json:\n        id: chatcmpl", "      xml:\n        id: chatcmpl"),
        "xml:",
        "unknown body",
    ),
    (
        "two body forms",
        replace("      json:\n        id: chatcmpl", "      text: a\n      json:\n        id: chatcmpl"),
        "    body:\n      text: a",
        "one of",
    ),
    ("text is a number", with_body({"text": 5}), "text: 5", "expected text"),
    ("base64 is not base64", with_body({"base64": "%%%"}), "base64: '%%%'", "not base64"),
    ("gzip without its header", with_body({"base64": GZIPPED}), "    body:\n      base64:", "compressed"),
    ("a character YAML refuses", replace("message: OK", "message: O\x07K"), "message: O", "invalid YAML"),
    ("unclosed flow", replace("message: OK", "message: [OK"), "    headers:\n      content-type", "invalid YAML"),
]


@pytest.mark.parametrize(("edit", "at_fault", "problem"), [c[1:] for c in CORRUPTIONS], ids=[c[0] for c in CORRUPTIONS])
def test_a_corrupt_cassette_fails_on_entry_naming_file_and_line(
    edit: Callable[[str], str], at_fault: str, problem: str, tmp_path: Path
) -> None:
    text = edit(GOOD)
    assert text != GOOD and at_fault in text
    path = tmp_path / "corrupt.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CassetteFormatError, match=re.escape(problem)) as info, use_cassette(path, record_mode="none"):
        pass
    assert info.value.path == str(path)
    assert info.value.line == text[: text.index(at_fault)].count("\n") + 1
    assert str(info.value).startswith(f"{path}:{info.value.line}: ")


def test_compressed_bytes_with_their_content_encoding_replay_as_the_client_read_them(tmp_path: Path) -> None:
    first = deserialize(GOOD)["interactions"][0]["response"]["body"]["string"]
    gzipped = base64.b64encode(gzip.compress(first)).decode()
    text = with_body({"base64": gzipped})(GOOD).replace(
        "      x-harness-emulator-source:", "      content-encoding:\n      - gzip\n      x-harness-emulator-source:", 1
    )
    path = tmp_path / "gzipped.yaml"
    path.write_text(text, encoding="utf-8")
    assert deserialize(text)["interactions"][0]["response"]["body"]["string"] == first
    assert replay(path, spec_of(OPENAI)) == dumps(CALLS) * 2


def test_a_cassette_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.replace("message: OK", "message: \u00e9").encode("latin-1"))
    with pytest.raises(CassetteFormatError, match="not UTF-8") as info, use_cassette(path, record_mode="none"):
        pass
    assert info.value.line == GOOD.splitlines().index("      message: OK") + 1


# --- aliases --------------------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    """A cassette whose first answer holds 10**levels items through nested aliases, in about 2 KB."""
    rows = ["        l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"        l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return GOOD.replace("        created: 0", "\n".join(rows), 1)


def test_an_alias_bomb_fails_at_its_first_alias_without_being_expanded(tmp_path: Path) -> None:
    text = alias_bomb(9)  # a billion items written out
    assert len(text) - len(GOOD) < 2_500
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(CassetteFormatError, match="aliases") as info, use_cassette(path, record_mode="none"):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.line == text[: text.index("*l0")].count("\n") + 1
    assert peak < 20 * len(text) + 5_000_000  # what reading the file takes, not a billion items


def test_the_writer_writes_a_shared_value_out_each_time() -> None:
    headers = {"content-type": ["application/json"]}
    interaction = {
        "request": {"method": "POST", "uri": "https://x.test/v1/a", "body": b"{}", "headers": headers},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": headers, "body": {"string": b"{}"}},
    }
    text = serialize({"version": 1, "interactions": [interaction, interaction]})
    assert "&" not in text and "*" not in text
    first, second = deserialize(text)["interactions"]
    assert first == second and first["response"]["headers"] == headers


# --- meaning-preserving edits replay the same bytes -----------------------------------------------


def unreachable(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"the cassette answers {request.url}, nothing else does")


def answers(path: Path, original: str) -> list[tuple[int, list[tuple[str, str]], list[bytes]]]:
    """What replay sends back for each of ``original``'s requests: status, headers and every chunk."""
    replayed = []
    with (
        use_cassette(path, record_mode="none"),
        httpx2.Client(transport=httpx2.MockTransport(unreachable)) as client,
    ):
        for interaction in deserialize(original)["interactions"]:
            request = interaction["request"]
            with client.stream(request["method"], request["uri"], content=request["body"]) as response:
                replayed.append((response.status_code, response.headers.multi_items(), list(response.iter_raw())))
    return replayed


def reordered(value: Any, depth: int = 0) -> Any:
    """Every mapping of the cassette's own structure with its keys reversed (bodies and headers as recorded)."""
    if isinstance(value, dict) and not {"json", "sse", "content-type"} & set(value):
        return {key: reordered(value[key], depth + 1) for key in reversed(value)}
    if isinstance(value, list) and depth < 2:
        return [reordered(item, depth + 1) for item in value]
    return value


def commented(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if re.match(r"\s*(- request|response|status|headers|body):$", line):
            lines.append("# a reviewer's note")
        lines.append(line + "  # checked" if re.search(r"(method: POST|code: 200)$", line) else line)
    return "\n".join(lines) + "\n"


MEANING_PRESERVING = {
    "key order": lambda text: yaml.safe_dump(reordered(yaml.safe_load(text)), sort_keys=False, width=1_000_000),
    "comments": commented,
    "double quotes everywhere": lambda text: yaml.safe_dump(
        yaml.safe_load(text), default_style='"', sort_keys=False, width=1_000_000
    ),
    "flow style": lambda text: yaml.safe_dump(
        yaml.safe_load(text), default_flow_style=True, sort_keys=False, width=1_000_000
    ),
}


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: spec_of(seed))
@pytest.mark.parametrize("edit", list(MEANING_PRESERVING.values()), ids=list(MEANING_PRESERVING))
def test_a_meaning_preserving_edit_replays_the_same_bytes(
    edit: Callable[[str], str], seed: Path, tmp_path: Path
) -> None:
    original = seed.read_text(encoding="utf-8")
    text = edit(original)
    assert text != original
    path = tmp_path / "edited.yaml"
    path.write_text(text, encoding="utf-8")
    assert deserialize(text) == deserialize(original)
    assert answers(path, original) == answers(seed, original)
    assert replay(path, spec_of(seed)) == dumps(CALLS) * 2


# --- corruptions --------------------------------------------------------------------------------

#: Values of other types, and values of the right type that are wrong.
OTHER_VALUES: list[Any] = [
    5,
    -1,
    1.5,
    True,
    None,
    "abc",
    "",
    [],
    {},
    [1, "x"],
    {"k": 5},
    "http://[::1",
    "POST GET",
    "é",
    b"\x1f\x8b\x08\x00data",
    datetime.date(2024, 1, 1),
    float("nan"),
    2**70,
]
TAGS = ["!!binary ", "!!timestamp ", "!!set ", "!!python/object:os.system ", "!local ", "!!float ", "!!omap "]


def edited(document: Any, path: tuple[Any, ...], replacement: Any, *, delete: bool) -> str:
    *parents, last = path
    node = document
    for step in parents:
        node = node[step]
    if delete:
        del node[last]
    else:
        node[last] = replacement
    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1_000_000))


@st.composite
def yaml_edits(draw: st.DrawFn, text: str) -> str:
    """A node's value replaced by another type, or a key (or an item) deleted."""
    document = yaml.safe_load(text)
    path = draw(st.sampled_from(places(document)))
    return edited(document, path, draw(st.sampled_from(OTHER_VALUES)), delete=draw(st.booleans()))


@st.composite
def text_edits(draw: st.DrawFn, text: str) -> str:
    """Truncated text, a flipped character, a tag before a value, or an anchor and aliases to it."""
    kind = draw(st.sampled_from(["truncate", "flip", "tag", "alias"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text) - 1))]
    if kind == "flip":
        at = draw(st.integers(0, len(text) - 1))
        return text[:at] + draw(st.characters(codec="utf-8")) + text[at + 1 :]
    values = [m.end() for m in re.finditer(r": (?=\S)", text)]
    if kind == "tag":
        at = draw(st.sampled_from(values))
        return text[:at] + draw(st.sampled_from(TAGS)) + text[at:]
    first, *later = sorted(draw(st.lists(st.sampled_from(values), min_size=2, max_size=4, unique=True)))
    for at in reversed(later):  # each later value becomes an alias to the first
        end = text.index("\n", at)
        text = text[:at] + "*a" + text[end:]
    return text[:first] + "&a " + text[first:]


@st.composite
def corrupted(draw: st.DrawFn) -> tuple[Path, str]:
    seed = draw(st.sampled_from(SEEDS))
    text = seed.read_text(encoding="utf-8")
    return seed, draw(st.one_of(yaml_edits(text), text_edits(text)))


@pytest.mark.fuzz
@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=corrupted())
def test_a_corrupted_cassette_replays_or_fails_as_a_harness_error(case: tuple[Path, str], tmp_path: Path) -> None:
    seed, text = case
    path = tmp_path / "corrupt.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        replay(path, spec_of(seed))
    except EXPECTED:
        pass
    except WRAPPED as error:
        # The SDKs wrap whatever their transport raises; a cassette's refusal is still harness's.
        assert isinstance(error.__cause__, harness.HarnessError), error.__cause__


def test_the_seed_cassettes_replay() -> None:
    for seed in SEEDS:
        assert replay(seed, spec_of(seed)) == dumps(CALLS) * 2
