"""Corrupt source cassettes: each is a CassetteFormatError naming the file, and the import goes on with the rest.

The sources are vcrpy and pydantic-ai cassettes built from real recorded answers
(tests/data/real-recordings), then broken: a field replaced by any YAML value or deleted, the text cut
short, aliases that expand without end, compressed bodies that decode to gigabytes.
"""

from __future__ import annotations

import copy
import gzip
import json
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import main
from harness.recording._format import CassetteFormatError, deserialize
from harness.recording._format import serialize as write_harness
from harness.recording._import import import_cassette
from tests._fuzz import examples, places

RECORDINGS = Path(__file__).parent.parent / "data" / "real-recordings"
SOURCES = [
    "anthropic/test_anthropic_prompted_output-0.json",
    "openai/test_run_stream_sync_streams_real_model-0.json",  # an SSE stream
    "google/test_google_streaming_tool_call_thought_signature-0.json",
    "openai-responses/test_openai_responses_stream-0.json",
]
EXAMPLES = examples(60)


def vcrpy_document(*, parsed: bool) -> dict[str, Any]:
    """The real recordings as one vcrpy cassette, or pydantic-ai's (``parsed``: JSON bodies as structure)."""
    interactions = []
    for name in SOURCES:
        recording = json.loads((RECORDINGS / name).read_text())
        request = {
            "method": recording["request"]["method"],
            "uri": recording["request"]["uri"],
            "headers": {"content-type": ["application/json"], "authorization": ["Bearer made-up"]},
        }
        answer = recording["response"]
        response: dict[str, Any] = {
            "status": {"code": answer["status"], "message": "OK"},
            "headers": {"content-type": [answer["content_type"]]},
        }
        if parsed:
            request["parsed_body"] = recording["request"]["body"]
        else:
            request["body"] = json.dumps(recording["request"]["body"])
        if "text" in answer:
            response["body"] = {"string": answer["text"]}
        elif parsed:
            response["parsed_body"] = answer["body"]
        else:
            response["body"] = {"string": json.dumps(answer["body"])}
        interactions.append({"request": request, "response": response})
    return {"interactions": interactions, "metadata": {"recorded_with": "vcrpy"}, "version": 1}


def harness_document() -> dict[str, Any]:
    vcr = vcrpy_document(parsed=False)
    for interaction in vcr["interactions"]:
        interaction["request"]["body"] = interaction["request"]["body"].encode()
    document: dict[str, Any] = yaml.safe_load(write_harness(vcr))
    return document


SHAPES = {
    "vcrpy.yaml": vcrpy_document(parsed=False),
    "vcrpy.json": vcrpy_document(parsed=False),
    "pydantic-ai.yaml": vcrpy_document(parsed=True),
    "harness.yaml": harness_document(),
}


def text_of(name: str, document: Any) -> str:
    if name.endswith(".json"):
        return json.dumps(document, default=str)  # dates and bytes as text: JSON has neither
    return yaml.safe_dump(document, allow_unicode=True)


def yaml_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=2**63, max_value=2**80),  # usage counts past 64 bits: values, not faults
        st.floats(),
        st.text(max_size=8),
        st.sampled_from(["http://[::1", "https://h/", "gzip", "text/event-stream", "data: {}\n\n", "1" * 5000]),
        st.binary(max_size=8),
        st.dates(),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(
                st.sampled_from(["string", "json", "sse", "code", "events", "uri", "x"]), children, max_size=3
            ),
        ),
        max_leaves=6,
    )


@st.composite
def corrupt_sources(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(SHAPES)))
    document = copy.deepcopy(SHAPES[name])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(places(document)))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(yaml_values())
    text = text_of(name, document)
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return name, text


@pytest.mark.fuzz
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(source=corrupt_sources())
def test_a_corrupt_source_converts_or_is_a_cassette_format_error_naming_it(
    tmp_path: Path, source: tuple[str, str]
) -> None:
    name, text = source
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    try:
        converted = import_cassette(path, secrets=[])
    except CassetteFormatError as error:
        assert str(error).startswith(f"{path}"), error
        assert error.path == str(path)
    else:
        assert len(deserialize(converted)["interactions"]) <= len(SHAPES[name]["interactions"])


def shuffled(value: Any, draw: st.DrawFn) -> Any:
    """``value`` with its mappings' keys in another order, headers and bodies left as they are."""
    if isinstance(value, list):
        return [shuffled(item, draw) for item in value]
    if not isinstance(value, dict):
        return value
    keys = draw(st.permutations(list(value)))
    return {
        key: value[key] if key in ("headers", "body", "parsed_body") else shuffled(value[key], draw) for key in keys
    }


@pytest.mark.fuzz
@settings(max_examples=max(10, EXAMPLES // 4), deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(SHAPES)))
def test_key_order_and_unknown_keys_change_nothing(
    tmp_path_factory: pytest.TempPathFactory, data: Any, name: str
) -> None:
    folder = tmp_path_factory.mktemp("same")
    original, changed = folder / "a" / name, folder / "b" / name
    for path in (original, changed):
        path.parent.mkdir()
    original.write_text(text_of(name, SHAPES[name]))
    document = shuffled(SHAPES[name], data.draw)
    document["x-unknown"] = {"from": "a newer recorder"}
    for interaction in document["interactions"]:
        interaction["x-unknown"] = 1
        interaction["request"]["x-unknown"] = [1]
    changed.write_text(text_of(name, document))
    assert import_cassette(changed, secrets=[]) == import_cassette(original, secrets=[])


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def one_interaction(**response: Any) -> str:
    base = {"status": {"code": 200, "message": "OK"}, **response}
    return yaml.safe_dump({"interactions": [{"request": {"method": "GET", "uri": "https://h/"}, "response": base}]})


LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefghi", "bcdefghij", strict=True)
)


def inflating(wbits: int) -> bytes:
    """A body under 1 MB that decodes to 80 MiB, past the importer's 64 MiB: cheap to build, costly to expand.

    ``wbits`` 31 makes it one gzip member, 15 a zlib stream (``deflate``).
    """
    packer = zlib.compressobj(1, wbits=wbits)
    return b"".join(packer.compress(b"0" * 2**20) for _ in range(80)) + packer.flush()


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("metadata.yaml", "interactions: []\nmetadata: [1, 2]\n", ":2: metadata: expected a mapping"),
        (
            "uri.yaml",
            "interactions:\n- request: {method: GET, uri: 'https://h/'}\n  response: {status: {code: 200}}\n"
            "- request: {method: GET, uri: 5}\n  response: {status: {code: 200}}\n",
            ":4: interactions[1].request: expected 'method' and 'uri' as text",
        ),
        (
            "ipv6.yaml",
            "interactions:\n- request: {method: GET, uri: 'http://[::1/'}\n  response: {status: {code: 200}}\n",
            ":2: interactions[0].request.uri: not a URL",
        ),
        (
            "code.json",
            '{"interactions": [{"request": {"method": "GET", "uri": "https://h/"}, '
            '"response": {"status": {"code": true}}}]}',
            ":1: interactions[0].response.status: expected {code: <100 to 999>",
        ),
        (
            "date.yaml",
            one_interaction(parsed_body={"when": "2020-01-01"}).replace("'2020-01-01'", "2020-01-01"),
            "not JSON | 2020-01-01",
        ),
        (
            "harness.yaml",
            "version: 1\ninteractions:\n- request: {method: GET, uri: 'https://h/'}\n"
            "  response: {status: {code: 200}, body: {json: {when: 2020-01-01}}}\n",
            ":3: interactions[0]: a body cannot be read | :4: interactions[0].response.body.json.when: '2020-01-01'",
        ),
        (
            "digits.json",
            '{"interactions": [], "metadata": {"n": ' + "1" * 5000 + "}}",
            "invalid JSON: Exceeds the limit",
        ),
        (
            "month.yaml",
            "interactions: []\nmetadata: {when: 2020-13-45}\n",
            "invalid YAML: month must be in 1..12 | :2: metadata.when: '2020-13-45'",
        ),
        ("deep.json", '{"interactions": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ("laughs.yaml", LAUGHS + "interactions: []\nmetadata: {x: *j}\n", "YAML aliases expand this file beyond"),
        ("itself.yaml", "interactions: &s [*s]\n", "a YAML alias contains itself | :1: interactions[0][0]"),
        (
            "gzip.yaml",
            one_interaction(headers={"content-encoding": ["gzip"]}, body={"string": inflating(31)}),
            ":2: interactions[0].response.body: decodes to more than 67,108,864 bytes",
        ),
        (
            "deflate.yaml",
            one_interaction(headers={"content-encoding": ["deflate"]}, body={"string": inflating(15)}),
            "decodes to more than",
        ),
        (
            "members.yaml",  # a small first gzip member, the bomb in the second
            one_interaction(
                headers={"content-encoding": ["gzip"]}, body={"string": gzip.compress(b"{}") + inflating(31)}
            ),
            "decodes to more than",
        ),
        (
            "cut.yaml",
            one_interaction(headers={"content-encoding": ["gzip"]}, body={"string": gzip.compress(b'{"a": 1}')[:-9]}),
            "cannot decode content-encoding 'gzip' (EOFError",
        ),
    ],
)
def test_each_corruption_names_the_file_the_line_and_the_problem(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    path = write(tmp_path, name, text)
    started = time.monotonic()
    with pytest.raises(CassetteFormatError) as raised:
        import_cassette(path, secrets=[])
    assert time.monotonic() - started < 5  # bounded: no alias or compressed body is written out in full
    assert str(raised.value).startswith(str(path))
    # One of the alternatives: this importer's check, or the cassette reader's, which may catch it first.
    assert any(alternative in str(raised.value) for alternative in problem.split(" | ")), raised.value


def test_shared_parts_and_huge_usage_counts_are_values_not_faults(tmp_path: Path) -> None:
    shared = (
        "interactions:\n- request: &r {method: GET, uri: 'https://h/', headers: {accept: [x]}}\n"
        "  response: &p {status: {code: 200, message: OK},\n"
        "    parsed_body: {usage: {input_tokens: 123456789012345678901234567890}}}\n"
        "- request: *r\n  response: *p\n"
    )
    interactions = deserialize(import_cassette(write(tmp_path, "shared.yaml", shared), secrets=[]))["interactions"]
    assert len(interactions) == 2
    assert [json.loads(i["response"]["body"]["string"])["usage"]["input_tokens"] for i in interactions] == [
        123456789012345678901234567890
    ] * 2


def test_the_command_reports_each_bad_file_writes_the_good_ones_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "good.yaml", text_of("vcrpy.yaml", SHAPES["vcrpy.yaml"]))
    bad = [
        write(tmp_path, "metadata.yaml", "interactions: []\nmetadata: [1]\n"),
        write(tmp_path, "laughs.yaml", LAUGHS + "interactions: []\nmetadata: {x: *j}\n"),
        write(tmp_path, "binary.yaml", b"interactions: [\xff]\n"),
    ]
    out = tmp_path / "out"
    assert main(["cassettes", "import", str(bad[0]), str(good), *map(str, bad[1:]), "--out", str(out)]) == 1
    errors = capsys.readouterr().err
    reported = [line.removeprefix("harness: error: ").split(":")[0] for line in errors.splitlines()]
    assert reported == [str(path) for path in bad]
    assert f"{bad[0]}:2: metadata: expected a mapping" in errors
    assert sorted(path.name for path in out.iterdir()) == ["good.yaml"]  # nothing else, not even a temporary file
    assert len(deserialize((out / "good.yaml").read_text())["interactions"]) == len(SOURCES)
